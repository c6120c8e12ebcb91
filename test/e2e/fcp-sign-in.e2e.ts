import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTION_ALGS } from '../../libs/franceconnect/src/keys/index.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

describe.each(ENCRYPTION_ALGS)('FranceConnect+ sign-in through the sample app, encrypted with %s', (encryptionAlg) => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack({ encryptionAlg });
  });
  afterAll(async () => stack?.stop());

  it('signs a person in, checks every answer, and shows the identity', async () => {
    const agent = new HttpAgent();
    const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois', acr: 'eidas2' });
    expect(response.status).toBe(303);
    expect(response.location?.pathname).toBe('/');
    // Signed in: the login route goes straight back.
    const again = await agent.get(`${stack.appUrl}/auth/fcp/login?returnTo=/protected/fcp`);
    expect(again.status).toBe(303);
    expect(again.location?.pathname).toBe('/protected/fcp');

    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      provider: 'fcp',
      acr: 'eidas2',
      claims: { given_name: 'Angela Claire Louise', family_name: 'DUBOIS', birthdate: '1962-08-24', birthplace: '75107', birthcountry: '99100' },
    });
    expect(me.body.sub).toMatch(/^[0-9a-f]{64}v1$/);
    // The module's defaults do not ask for amr.
    expect(me.body.amr).toEqual([]);

    const home = await agent.get(`${stack.appUrl}/`);
    expect(home.body).toContain('DUBOIS');
  });
});

describe('FranceConnect+ sign-in: rejections', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => stack?.stop());

  it('keeps a returned level above the requested one, and returns to the requested page', async () => {
    const agent = new HttpAgent();
    const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login?returnTo=%2Fme', { identity: 'eric-mercier', acr: 'eidas3' });
    expect(response.location?.pathname).toBe('/me');
    expect((await getJson(agent, `${stack.appUrl}/me`)).body.acr).toBe('eidas3');
  });

  it('never redirects to another site after sign-in', async () => {
    const agent = new HttpAgent();
    const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login?returnTo=%2F%2Fevil.example%2F', { identity: 'eric-mercier' });
    expect(response.location?.href).toBe(`${stack.appUrl}/`);
  });

  it('rejects an acr lower than the one asked for', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/protected/eidas3`);
    expect(started.location?.searchParams.get('acr_values')).toBe('eidas3');
    const { completeEmulatorLogin } = await import('../support/emulator-login.js');
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'angela-dubois', acr: 'eidas2' });
    const response = await agent.get(callback);
    expect(response.status).toBe(401);
    expect(response.body).toContain('FC_ACR_TOO_LOW');
    expect((await getJson(agent, `${stack.appUrl}/me`)).status).toBe(401);
  });

  it('shows a clear page when the person cancels (access_denied)', async () => {
    const agent = new HttpAgent();
    const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login', { cancel: true });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.body).toContain('Connexion annulée');
    expect(response.body).toContain('FC_CALLBACK_ERROR');
    expect(response.body).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('answers API clients with an OAuth-style JSON error', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    const { completeEmulatorLogin } = await import('../support/emulator-login.js');
    const callback = await completeEmulatorLogin(agent, started.location!, { cancel: true });
    const response = await getJson(agent, callback.href);
    expect(response).toEqual({
      status: 401,
      body: expect.objectContaining({ error: 'access_denied', code: 'FC_CALLBACK_ERROR', platform: 'fcp' }),
    });
  });

  it('rejects a callback without state, with an unknown state, or replayed, before any token request', async () => {
    const agent = new HttpAgent();
    const { response, callbackUrl } = await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    expect(response.status).toBe(303);
    const tokenRequests = () => stack.platformRequests.filter((line) => line.includes('/token ')).length;
    const tokenRequestsAfterSignIn = tokenRequests();
    expect(tokenRequestsAfterSignIn).toBeGreaterThan(0);

    const replayed = await agent.get(callbackUrl);
    expect(replayed.status).toBe(400);
    expect(replayed.body).toContain('FC_STATE_INVALID');

    const noState = new URL(callbackUrl);
    noState.searchParams.delete('state');
    expect((await new HttpAgent().get(noState)).status).toBe(400);

    const otherBrowser = new HttpAgent();
    await otherBrowser.get(`${stack.appUrl}/auth/fcp/login`);
    const unknown = new URL(callbackUrl);
    unknown.searchParams.set('state', 'x'.repeat(43));
    const answer = await getJson(otherBrowser, unknown.href);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('FC_STATE_INVALID');
    expect(tokenRequests()).toBe(tokenRequestsAfterSignIn);
  });

  it('publishes public keys only, one per algorithm', async () => {
    const jwks = (await getJson(new HttpAgent(), `${stack.appUrl}/.well-known/jwks.json`)).body as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((key) => key.alg)).toEqual(['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES']);
    for (const key of jwks.keys) {
      expect(Object.keys(key).every((member) => ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'].includes(member))).toBe(true);
    }
  });
});

describe('FranceConnect+ down at start, then up', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack({ startEmulator: false, env: {} });
  });
  afterAll(async () => stack?.stop());

  it('starts anyway, answers 503 with a clear page, and recovers alone', async () => {
    const agent = new HttpAgent();
    const down = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    expect(down.status).toBe(503);
    expect(down.body).toContain('FC_PROVIDER_UNAVAILABLE');
    expect(down.headers.get('retry-after')).toBe('5');

    await stack.startEmulator();
    // Discovery is retried at most once per second while the platform is down.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    expect(response.status).toBe(303);
    expect((await getJson(agent, `${stack.appUrl}/me`)).body.provider).toBe('fcp');
  });
});
