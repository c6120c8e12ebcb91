/**
 * What the library sends to FranceConnect, against the emulator's default (strict) rules, which follow
 * FranceConnect's core: the module's default options are accepted on both platforms; the amr claims
 * request and PKCE only when configured, and what FranceConnect does with them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRANCECONNECT_AUTHORIZE_PARAMETERS } from '../../libs/franceconnect/src/oidc/franceconnect.strategy.js';
import { completeEmulatorLogin, EmulatorFlowError } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

const CHOICE = { fc: { identity: 'eric-mercier' }, fcp: { identity: 'angela-dubois', acr: 'eidas2' } } as const;

/** The authorization request the sample app sends for a sign-in on `platform`. */
async function authorizationRequest(stack: DemoStack, agent: HttpAgent, platform: 'fc' | 'fcp'): Promise<URL> {
  const started = await agent.get(`${stack.appUrl}/auth/${platform}/login`);
  expect(started.status).toBe(303);
  return started.location!;
}

describe('the module with its default options', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    // Registrations that do not list the amr claim: the defaults must not need it.
    stack = await startDemoStack({ registrations: { fc: { claims: [] }, fcp: { claims: [] } } });
  });
  afterAll(async () => stack?.stop());

  it.each(['fc', 'fcp'] as const)('sends only parameters FranceConnect takes, and signs in on %s', async (platform) => {
    const agent = new HttpAgent();
    const url = await authorizationRequest(stack, agent, platform);
    const sent = [...url.searchParams.keys()];
    expect(sent.filter((name) => !FRANCECONNECT_AUTHORIZE_PARAMETERS.includes(name))).toEqual([]);
    expect(sent).not.toContain('code_challenge');
    expect(sent).not.toContain('claims');
    expect(url.searchParams.get('nonce')!.length).toBeGreaterThanOrEqual(22);

    const callback = await completeEmulatorLogin(agent, url, CHOICE[platform]);
    expect((await agent.get(callback)).status).toBe(303);
    expect(await getJson(agent, `${stack.appUrl}/me`)).toMatchObject({ status: 200, body: { provider: platform, amr: [] } });
  });

  it('revokes the access tokens at logout with exactly what FranceConnect takes', async () => {
    const agent = new HttpAgent();
    // One person on both platforms (new to this service: linking puts both on one account), so the session
    // keeps both access tokens.
    await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'david-vingttrois' });
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'david-vingttrois', acr: 'eidas2' });
    const before = stack.platformRequests.length;
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.appUrl } });
    expect(posted.status).toBe(303);
    // The emulator refuses a revocation body with anything but token, client_id and client_secret (400).
    const revocations = stack.platformRequests.slice(before).filter((line) => line.includes('/token/revocation'));
    expect(revocations.map((line) => line.split(' ')[3]).toSorted()).toEqual(['200', '200']);
  });
});

describe('requestAmr', () => {
  it.each(['fc', 'fcp'] as const)('gets the amr claim on %s when the registration lists it', async (platform) => {
    const stack = await startDemoStack({ env: { REQUEST_AMR: 'true' } });
    try {
      const agent = new HttpAgent();
      const { response } = await signIn(agent, stack.appUrl, `/auth/${platform}/login`, CHOICE[platform]);
      expect(response.status).toBe(303);
      const amr = (await getJson(agent, `${stack.appUrl}/me`)).body.amr;
      expect(amr).toEqual(platform === 'fc' ? ['fc', 'pwd', 'mail'] : ['fc', 'pwd']);
    } finally {
      await stack.stop();
    }
  });

  it('ends on FranceConnect error page Y100009 when the registration does not list it', async () => {
    const stack = await startDemoStack({ env: { REQUEST_AMR: 'true' }, registrations: { fcp: { claims: [] } } });
    try {
      const agent = new HttpAgent();
      const url = await authorizationRequest(stack, agent, 'fcp');
      const error = await completeEmulatorLogin(agent, url, CHOICE.fcp).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EmulatorFlowError);
      expect((error as EmulatorFlowError).response.status).toBe(400);
      expect((error as EmulatorFlowError).response.body).toContain('Y100009');
    } finally {
      await stack.stop();
    }
  });
});

describe('pkce', () => {
  it('ends on FranceConnect error page Y030007: FranceConnect refuses PKCE', async () => {
    const stack = await startDemoStack({ env: { PKCE: 'true' } });
    try {
      const agent = new HttpAgent();
      const url = await authorizationRequest(stack, agent, 'fcp');
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const error = await completeEmulatorLogin(agent, url, CHOICE.fcp).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EmulatorFlowError);
      expect((error as EmulatorFlowError).response.body).toContain('Y030007');
    } finally {
      await stack.stop();
    }
  });

  it('signs in with PKCE where the platform accepts it', async () => {
    const stack = await startDemoStack({ env: { PKCE: 'true' }, emulator: { acceptPkce: true } });
    try {
      const agent = new HttpAgent();
      const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login', CHOICE.fcp);
      expect(response.status).toBe(303);
      expect((await getJson(agent, `${stack.appUrl}/me`)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});
