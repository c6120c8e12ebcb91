/**
 * What a session holds at rest, and for how long: erasure ends the person's live sessions on every
 * instance; with `encryptionSecrets`, the session store (a real Redis) holds no token, claim or account
 * in clear, and a sealed value altered or moved to another session opens nothing; access tokens are kept
 * only while they live.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityLinkService } from '../../libs/franceconnect/src/identity/identity-link.service.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { HttpAgent } from '../support/http-agent.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

const ENCRYPTION_SECRET = 'session-encryption-secret-0123456789abcdef-test';

let redis: PrivateRedis;
let client: ReturnType<typeof createClient>;
let stack: DemoStack;
let instanceB: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  client = createClient({ url: redis.url });
  await client.connect();
  stack = await startDemoStack({ env: { REDIS_URL: redis.url, SESSION_ENCRYPTION_SECRET: ENCRYPTION_SECRET } });
  instanceB = (await stack.addInstance()).url;
});
afterAll(async () => {
  await stack?.stop();
  await client?.close();
  await redis?.stop();
});

async function storedSessions(): Promise<string[]> {
  const keys = await client.keys('fc:sess:*');
  return (await Promise.all(keys.map((key) => client.get(key)))).filter((value): value is string => value !== null);
}

describe('erasure', () => {
  it("ends the erased person's live sessions on every instance, and no one else's", async () => {
    const erased = new HttpAgent();
    const twice = new HttpAgent();
    const other = new HttpAgent();
    await signIn(erased, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    await signIn(twice, instanceB, '/auth/fcp/login', { identity: 'angela-dubois' });
    await signIn(other, stack.appUrl, '/auth/fcp/login', { identity: 'eric-mercier' });
    const me = await getJson(erased, `${stack.appUrl}/me`);
    const accountId = (me.body.account as { accountId: string }).accountId;
    expect((await getJson(twice, `${instanceB}/me`)).body.account).toMatchObject({ accountId });

    expect(await stack.app.get(IdentityLinkService).deleteAccount(accountId)).toBe(true);

    expect((await getJson(erased, `${instanceB}/me`)).status).toBe(401);
    expect((await getJson(twice, `${stack.appUrl}/me`)).status).toBe(401);
    expect((await getJson(other, `${instanceB}/me`)).status).toBe(200);
  });
});

describe('session data encrypted at rest', () => {
  it('stores no token, claim or account in clear, and still serves the session on both instances', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    const me = await getJson(agent, `${instanceB}/me`);
    expect(me.status).toBe(200);
    const accountId = (me.body.account as { accountId: string }).accountId;
    const sessions = await storedSessions();
    expect(sessions.length).toBeGreaterThan(0);
    for (const stored of sessions) {
      const { franceconnectSealed, ...clear } = JSON.parse(stored) as { franceconnectSealed?: string };
      expect(franceconnectSealed).toMatch(/^v1\./);
      // What is stored in clear holds none of it; the sealed value (random base64url, where three letters
      // such as "eyJ" may occur by chance) holds none of the longer values.
      expect(JSON.stringify(clear)).not.toMatch(/eyJ|DUBOIS|Dubois|Angela|given_name|accessTokens|franceconnect/);
      expect(JSON.stringify(clear)).not.toContain(accountId);
      expect(franceconnectSealed).not.toMatch(/DUBOIS|Dubois|Angela|given_name|accessTokens/);
      expect(franceconnectSealed).not.toContain(accountId);
    }
  });

  it('signs out a session whose sealed value was altered, or moved from another session', async () => {
    const first = new HttpAgent();
    const second = new HttpAgent();
    const before = new Set(await client.keys('fc:sess:*'));
    await signIn(first, stack.appUrl, '/auth/fc/login', { identity: 'angela-dubois' });
    const firstKey = (await client.keys('fc:sess:*')).find((key) => !before.has(key))!;
    before.add(firstKey);
    await signIn(second, stack.appUrl, '/auth/fc/login', { identity: 'eric-mercier' });
    const secondKey = (await client.keys('fc:sess:*')).find((key) => !before.has(key))!;

    // The first person's sealed data copied into the second session: it does not open there.
    const firstSession = JSON.parse((await client.get(firstKey))!) as { franceconnectSealed: string };
    const secondSession = JSON.parse((await client.get(secondKey))!) as Record<string, unknown>;
    await client.set(secondKey, JSON.stringify({ ...secondSession, franceconnectSealed: firstSession.franceconnectSealed }), { KEEPTTL: true });
    expect((await getJson(second, `${stack.appUrl}/me`)).status).toBe(401);

    // One bit of the first session's ciphertext flipped.
    const sealed = firstSession.franceconnectSealed.split('.');
    sealed[3] = `${sealed[3]!.slice(0, 10)}${sealed[3]![10] === 'A' ? 'B' : 'A'}${sealed[3]!.slice(11)}`;
    await client.set(firstKey, JSON.stringify({ ...firstSession, franceconnectSealed: sealed.join('.') }), { KEEPTTL: true });
    expect((await getJson(first, `${stack.appUrl}/me`)).status).toBe(401);
  });
});

describe('access tokens', () => {
  it('are kept with their expiry, and one that has expired is not sent for revocation at logout', async () => {
    const plain = await startDemoStack({ env: { REDIS_URL: redis.url } });
    try {
      const agent = new HttpAgent();
      const before = new Set(await client.keys('fc:sess:*'));
      await signIn(agent, plain.appUrl, '/auth/fc/login', { identity: 'angela-dubois' });
      const key = (await client.keys('fc:sess:*')).find((candidate) => !before.has(candidate))!;
      const stored = JSON.parse((await client.get(key))!) as { franceconnect: { accessTokens: Record<string, { token: string; expiresAt: number }> } };
      const held = stored.franceconnect.accessTokens.fc!;
      expect(held.expiresAt - Date.now()).toBeGreaterThan(50_000);
      expect(held.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);

      // As if 60 s had passed: the token is dropped, not revoked.
      stored.franceconnect.accessTokens.fc = { ...held, expiresAt: Date.now() - 1 };
      await client.set(key, JSON.stringify(stored), { KEEPTTL: true });
      const revocationsBefore = plain.platformRequests.filter((line) => line.includes('/token/revocation')).length;
      const posted = await agent.request(`${plain.appUrl}/auth/logout`, { method: 'POST', headers: { origin: plain.appUrl } });
      expect(posted.status).toBe(303);
      expect(plain.platformRequests.filter((line) => line.includes('/token/revocation')).length).toBe(revocationsBefore);

      // Control: a token still alive is sent for revocation at logout.
      const other = new HttpAgent();
      await signIn(other, plain.appUrl, '/auth/fc/login', { identity: 'eric-mercier' });
      const loggedOut = await other.request(`${plain.appUrl}/auth/logout`, { method: 'POST', headers: { origin: plain.appUrl } });
      expect(loggedOut.status).toBe(303);
      expect(plain.platformRequests.filter((line) => line.includes('/token/revocation')).length).toBe(revocationsBefore + 1);
    } finally {
      await plain.stop();
    }
  });
});
