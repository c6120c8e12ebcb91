import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeEmulatorLogin } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `fc_scale_${randomBytes(4).toString('hex')}`;
let redis: PrivateRedis;
let stack: DemoStack;
let instanceB: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  // Several instances share one PostgreSQL (a schema of this run) and one Redis.
  stack = await startDemoStack({ env: { REDIS_URL: redis.url, DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema } });
  instanceB = (await stack.addInstance()).url;
});
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
  const admin = await new DataSource({ type: 'postgres', url: POSTGRES_URL }).initialize();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();
});

/** The same callback, delivered to another instance (as a load balancer would). */
function on(instance: string, url: URL): string {
  return `${instance}${url.pathname}${url.search}`;
}

describe('several instances on one Redis', () => {
  it('finishes on instance B a sign-in started on instance A, and B then serves the session', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'angela-dubois' });
    const finished = await agent.get(on(instanceB, callback));
    expect(finished.status).toBe(303);
    expect((await getJson(agent, `${instanceB}/me`)).body.provider).toBe('fcp');
    expect((await getJson(agent, `${stack.appUrl}/me`)).body.provider).toBe('fcp');
  });

  it('lets the same callback succeed once when it reaches both instances at once', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'eric-mercier' });
    const answers = await Promise.all([
      agent.request(on(stack.appUrl, callback), { headers: { accept: 'application/json' } }),
      agent.request(on(instanceB, callback), { headers: { accept: 'application/json' } }),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([303, 400]);
    const rejected = answers.find((answer) => answer.status === 400)!;
    expect(JSON.parse(rejected.body).code).toBe('FC_STATE_INVALID');
  });

  it('keeps sessions across an instance restart', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    const restarted = await stack.addInstance();
    expect((await getJson(agent, `${restarted.url}/me`)).body.provider).toBe('fcp');
  });

  it('stores no sign-in transaction in the session cookie or the session itself', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    const state = started.location!.searchParams.get('state')!;
    const { createClient } = await import('redis');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const sessionKeys = await client.keys('fc:sess:*');
      const sessions = await Promise.all(sessionKeys.map((key) => client.get(key)));
      expect(sessions.some((value) => value?.includes(state))).toBe(false);
      // Under its state and the binding of the browser that started it.
      const keys = await client.keys(`fc:tx:fcp:${state}:*`);
      expect(keys).toHaveLength(1);
      expect(await client.pTTL(keys[0]!)).toBeGreaterThan(600_000);
    } finally {
      client.destroy();
    }
  });
});

describe('Redis unavailable', () => {
  it('fails closed with 503 pages, reports it in health, never crashes, and recovers alone', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    expect((await getJson(agent, `${stack.appUrl}/health`)).status).toBe(200);

    await redis.stop();
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me.status).toBe(503);
    expect(me.body.code).toBe('FC_SESSION_STORE_UNAVAILABLE');
    const page = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    expect(page.status).toBe(503);
    expect(page.body).toContain('FC_SESSION_STORE_UNAVAILABLE');
    const health = await getJson(new HttpAgent(), `${stack.appUrl}/health`);
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });

    await redis.start();
    // The client reconnects on its own (backoff up to 2 s).
    const deadline = Date.now() + 8000;
    let healthy = 0;
    while (Date.now() < deadline && healthy !== 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      healthy = (await getJson(new HttpAgent(), `${stack.appUrl}/health`)).status;
    }
    expect(healthy).toBe(200);
    // Redis kept nothing across the outage (no persistence): sign in again, it works.
    const fresh = new HttpAgent();
    const { response } = await signIn(fresh, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    expect(response.status).toBe(303);
    expect((await getJson(fresh, `${instanceB}/me`)).body.provider).toBe('fcp');
  });
});
