/**
 * Sign-in state stays bounded whatever arrives: the Redis transaction store drops the oldest transactions
 * past its limits (per browser and in all), atomically with the write, on a real Redis server; and a
 * client that floods sign-in starts is refused with 429 while a person elsewhere signs in as usual.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTransactionStore } from '../../libs/franceconnect/src/transactions/redis-transaction.store.js';
import type { SignInTransaction } from '../../libs/franceconnect/src/transactions/transaction-store.interface.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { HttpAgent } from '../support/http-agent.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

let redis: PrivateRedis;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startPrivateRedis();
  client = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 100 } });
  // The outage test stops the server: the client reports it here and reconnects.
  client.on('error', () => {});
  await client.connect();
});
afterAll(async () => {
  await client?.close();
  await redis?.stop();
});

const transaction = (binding: string): SignInTransaction => ({
  platform: 'fc',
  state: randomBytes(32).toString('base64url'),
  nonce: randomBytes(32).toString('base64url'),
  acr: 'eidas1',
  returnTo: '/',
  binding,
  createdAt: Date.now(),
});

const prefix = () => `t${randomBytes(4).toString('hex')}:`;

describe('RedisTransactionStore limits', () => {
  it('gives a transaction to one taker only, and removes it from the indexes', async () => {
    const p = prefix();
    const store = new RedisTransactionStore(client, { prefix: p });
    const stored = transaction('b1');
    expect(await store.put('k', stored, 60)).toBe(0);
    const [first, second] = await Promise.all([store.take('k'), store.take('k')]);
    expect([first, second].filter(Boolean)).toEqual([stored]);
    expect(await client.zCard(`${p}pending`)).toBe(0);
    expect(await client.zCard(`${p}browser:b1`)).toBe(0);
  });

  it("keeps a browser's newest sign-ins only, the oldest dropped first, other browsers untouched", async () => {
    const p = prefix();
    const store = new RedisTransactionStore(client, { prefix: p, maxPerBrowser: 3 });
    const other = transaction('other');
    await store.put('other', other, 60);
    const dropped: number[] = [];
    const stored: SignInTransaction[] = [];
    for (let i = 0; i < 5; i++) {
      stored.push(transaction('flooding'));
      dropped.push(await store.put(`k${i}`, stored[i]!, 60));
    }
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect(await store.take('k0')).toBeUndefined();
    expect(await store.take('k1')).toBeUndefined();
    for (const i of [2, 3, 4]) expect(await store.take(`k${i}`)).toEqual(stored[i]);
    expect(await store.take('other')).toEqual(other);
  });

  it('holds no more than maxPending keys whatever the number of browsers (a flood that drops its cookies)', async () => {
    const p = prefix();
    const store = new RedisTransactionStore(client, { prefix: p, maxPending: 50 });
    for (let i = 0; i < 500; i++) await store.put(`k${i}`, transaction(`browser${i}`), 60);
    const transactions = await client.keys(`${p}k*`);
    expect(transactions).toHaveLength(50);
    expect(await client.zCard(`${p}pending`)).toBe(50);
    expect(await store.take('k449')).toBeUndefined();
    expect((await store.take('k450'))?.binding).toBe('browser450');
    // Every key the store writes expires: nothing outlives the transactions.
    const all = await client.keys(`${p}*`);
    const ttls = await Promise.all(all.filter((key) => !key.endsWith('pending')).map((key) => client.pTTL(key)));
    expect(ttls.every((ttl) => ttl > 0 && ttl <= 60_000)).toBe(true);
  });

  it('forgets expired transactions in its indexes, so they do not count against the limits', async () => {
    const p = prefix();
    const store = new RedisTransactionStore(client, { prefix: p, maxPerBrowser: 2 });
    await store.put('old1', transaction('b'), 0.05);
    await store.put('old2', transaction('b'), 0.05);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.put('new1', transaction('b'), 60)).toBe(0);
    expect(await store.put('new2', transaction('b'), 60)).toBe(0);
    expect(await client.zCard(`${p}browser:b`)).toBe(2);
  });

  it('fails (rather than answers "not found") while Redis is down', async () => {
    const store = new RedisTransactionStore(client, { prefix: prefix() });
    await redis.stop();
    try {
      await expect(store.put('k', transaction('b'), 60)).rejects.toThrow();
      await expect(store.take('k')).rejects.toThrow();
    } finally {
      await redis.start();
      while (!client.isReady) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});

/** A GET from another loopback address than the test's own (another client), without cookies. */
function getFrom(localAddress: string, url: string, accept = 'text/html'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request({ host: '127.0.0.1', port: target.port, path: target.pathname, localAddress, headers: { accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a flood of sign-in starts from one client', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    // Sessions, transactions and the per-client counts on Redis, as behind a load balancer.
    stack = await startDemoStack({ env: { REDIS_URL: redis.url, SIGN_IN_RATE_LIMIT: '20' } });
  });
  afterAll(async () => stack?.stop());

  it('is refused past the limit with 429, while a person on another address signs in, and the store stays bounded', async () => {
    const flood = async (count: number) => {
      const statuses = new Map<number, number>();
      for (let i = 0; i < count; i += 25) {
        const answers = await Promise.all(Array.from({ length: 25 }, () => getFrom('127.0.0.2', `${stack.appUrl}/auth/fc/login`)));
        for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      return statuses;
    };
    const keysBefore = await client.dbSize();
    const [statuses, person] = await Promise.all([flood(500), signIn(new HttpAgent(), stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' })]);
    expect(Object.fromEntries(statuses)).toEqual({ 303: 20, 429: 480 });
    expect(person.response.status).toBe(303);
    // 20 transactions and their indexes, not 500.
    expect((await client.dbSize()) - keysBefore).toBeLessThan(50);

    const refused = await getFrom('127.0.0.2', `${stack.appUrl}/auth/fc/login`, 'application/json');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FC_TOO_MANY_SIGN_INS', error: 'temporarily_unavailable', platform: 'fc' });
    const page = await getFrom('127.0.0.2', `${stack.appUrl}/auth/fc/login`);
    expect(page.body).toContain('Trop de tentatives de connexion');
  });

  it("drops a browser's oldest pending sign-ins past its limit: their callback is refused, the newest completes", async () => {
    const agent = new HttpAgent();
    const starts = [];
    // Ten per browser by default; the 11th start drops the first.
    for (let i = 0; i < 11; i++) starts.push((await agent.get(`${stack.appUrl}/auth/fc/login`)).location!);
    const { completeEmulatorLogin } = await import('../support/emulator-login.js');
    const oldest = await completeEmulatorLogin(agent, starts[0]!, { identity: 'angela-dubois' });
    expect((await agent.request(oldest.toString(), { headers: { accept: 'application/json' } })).status).toBe(400);
    const newest = await completeEmulatorLogin(agent, starts[10]!, { identity: 'angela-dubois' });
    expect((await agent.get(newest.toString())).status).toBe(303);
    expect((await getJson(agent, `${stack.appUrl}/me`)).body.provider).toBe('fc');
  });
});
