import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeEmulatorLogin, completeEmulatorLogout } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

let stack: DemoStack;
beforeAll(async () => {
  stack = await startDemoStack();
});
afterAll(async () => stack?.stop());

const tokenRequests = (platform: 'fc' | 'fcp') =>
  stack.platformRequests.filter((line) => line.startsWith(`${platform} `) && line.includes('/token ')).length;

/** Starts a sign-in and completes the emulator's page, without delivering the callback to the app. */
async function callbackFor(agent: HttpAgent, platform: 'fc' | 'fcp', identity = 'angela-dubois'): Promise<URL> {
  const started = await agent.get(`${stack.appUrl}/auth/${platform}/login`);
  return completeEmulatorLogin(agent, started.location!, { identity });
}

describe('FranceConnect beside FranceConnect+', () => {
  it('signs in with FranceConnect at eidas1', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fc/login`);
    expect(started.location?.searchParams.get('acr_values')).toBe('eidas1');
    expect(started.location?.origin).toBe(new URL(stack.config.fc.issuer).origin);
    const { response } = await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'angela-dubois' });
    expect(response.status).toBe(303);
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me.body).toMatchObject({ provider: 'fc', acr: 'eidas1', claims: { family_name: 'DUBOIS' } });
  });

  it('refuses a FranceConnect code delivered to the FranceConnect+ callback, and the reverse, before any token request', async () => {
    const agent = new HttpAgent();
    const fcCallback = await callbackFor(agent, 'fc');
    const fcpCallback = await callbackFor(agent, 'fcp');
    const before = { fc: tokenRequests('fc'), fcp: tokenRequests('fcp') };

    const crossed = await getJson(agent, `${stack.appUrl}/auth/fcp/callback${fcCallback.search}`);
    expect(crossed.status).toBe(400);
    expect(crossed.body.code).toBe('FC_STATE_INVALID');
    const reverse = await getJson(agent, `${stack.appUrl}/auth/fc/callback${fcpCallback.search}`);
    expect(reverse.status).toBe(400);
    expect(reverse.body.code).toBe('FC_STATE_INVALID');
    expect({ fc: tokenRequests('fc'), fcp: tokenRequests('fcp') }).toEqual(before);
  });

  it("refuses a callback whose iss is the other platform's", async () => {
    const agent = new HttpAgent();
    const callback = await callbackFor(agent, 'fcp');
    callback.searchParams.set('iss', stack.config.fc.issuer);
    const before = tokenRequests('fcp');
    const answer = await getJson(agent, callback.href);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('FC_ISSUER_MISMATCH');
    expect(tokenRequests('fcp')).toBe(before);
  });

  it('completes two sign-ins started at once in two tabs, one per platform, and keeps both identities', async () => {
    const agent = new HttpAgent();
    // One person, new to this service, so that identity linking puts both identities on one account.
    const fcCallback = await callbackFor(agent, 'fc', 'hugo-vingtsix');
    const fcpCallback = await callbackFor(agent, 'fcp', 'hugo-vingtsix');
    expect((await agent.get(fcpCallback)).status).toBe(303);
    expect((await agent.get(fcCallback)).status).toBe(303);
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me.body.provider).toBe('fc');
    expect((me.body.identities as { provider: string }[]).map((identity) => identity.provider).sort()).toEqual(['fc', 'fcp']);
  });

  it('creates no session to start a sign-in, and a new session id at each sign-in', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    expect(agent.jar.get(stack.appUrl, 'demo.sid'), 'no session before the sign-in completes').toBeUndefined();
    expect(agent.jar.get(stack.appUrl, 'fc.browser'), 'the browser-binding cookie').toMatch(/^[\w-]{43}$/);
    await agent.get(await completeEmulatorLogin(agent, started.location!, { identity: 'angela-dubois' }));
    const first = agent.jar.get(stack.appUrl, 'demo.sid');
    expect(first).toBeDefined();
    // The second sign-in (the other platform) happens in that session: its id changes again.
    await agent.get(await callbackFor(agent, 'fc'));
    const second = agent.jar.get(stack.appUrl, 'demo.sid');
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('completes two sign-ins started at once in two tabs on the same platform', async () => {
    const agent = new HttpAgent();
    const first = await callbackFor(agent, 'fcp');
    const key = agent.jar.get(stack.appUrl, 'fc.browser');
    const second = await callbackFor(agent, 'fcp', 'eric-mercier');
    expect(agent.jar.get(stack.appUrl, 'fc.browser'), 'one browser key for both').toBe(key);
    expect((await agent.get(first)).status).toBe(303);
    expect((await agent.get(second)).status).toBe(303);
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me.status).toBe(200);
  });
});

describe('requiring a level on a route', () => {
  it('steps up from a FranceConnect session to FranceConnect+ and comes back to the page', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'eric-mercier' });
    const started = await agent.get(`${stack.appUrl}/protected/eidas2?tab=1`);
    expect(started.status).toBe(303);
    expect(started.location?.origin).toBe(new URL(stack.config.fcp.issuer).origin);
    expect(started.location?.searchParams.get('acr_values')).toBe('eidas2');
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'eric-mercier' });
    const back = await agent.get(callback);
    expect(back.location?.href).toBe(`${stack.appUrl}/protected/eidas2?tab=1`);
    const page = await agent.get(back.location!);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<strong>eidas2</strong>');
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect((me.body.identities as unknown[]).length).toBe(2);
  });

  it('answers API clients with 401 when not signed in and 403 when the level is too low, naming both levels', async () => {
    const agent = new HttpAgent();
    expect(await getJson(agent, `${stack.appUrl}/protected/eidas2`)).toEqual({
      status: 401,
      body: expect.objectContaining({ code: 'FC_NOT_AUTHENTICATED', required_acr: 'eidas2', current_acr: null }),
    });
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois', acr: 'eidas2' });
    expect(await getJson(agent, `${stack.appUrl}/protected/eidas3`)).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'FC_EIDAS_LEVEL_TOO_LOW', required_acr: 'eidas3', current_acr: 'eidas2' }),
    });
    expect(await getJson(agent, `${stack.appUrl}/protected/eidas2`)).toEqual({
      status: 200,
      body: expect.objectContaining({ required: 'eidas2', acr: 'eidas2' }),
    });
  });

  it('asks FranceConnect+ for eidas3 on an eidas3 route and accepts eidas3', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/protected/eidas3`);
    expect(started.location?.searchParams.get('acr_values')).toBe('eidas3');
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'melaine-trois', acr: 'eidas3' });
    const back = await agent.get(callback);
    expect(back.location?.pathname).toBe('/protected/eidas3');
    expect((await getJson(agent, `${stack.appUrl}/protected/eidas3`)).body.acr).toBe('eidas3');
  });

  it.each(['//evil.example/', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)'])(
    'never returns to %s after sign-in',
    async (returnTo) => {
      const agent = new HttpAgent();
      const { response } = await signIn(agent, stack.appUrl, `/auth/fcp/login?returnTo=${encodeURIComponent(returnTo)}`, {
        identity: 'angela-dubois',
      });
      expect(response.location?.href).toBe(`${stack.appUrl}/`);
    },
  );
});

describe('logout', () => {
  it.each(['fc', 'fcp'] as const)('round trip on %s: revokes, ends the platform session with the signed ID token, checks state', async (platform) => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, `/auth/${platform}/login`, { identity: 'angela-dubois' });
    const revocationsBefore = stack.platformRequests.filter((line) => line.startsWith(`${platform} `) && line.includes('/token/revocation')).length;

    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.appUrl } });
    expect(posted.status).toBe(303);
    const endSession = posted.location!;
    expect(endSession.pathname).toBe('/api/v2/session/end');
    expect(endSession.searchParams.get('id_token_hint')?.split('.')).toHaveLength(3);
    expect(endSession.searchParams.get('state')?.length).toBeGreaterThanOrEqual(32);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${stack.appUrl}/auth/logout/callback`);
    expect(stack.platformRequests.filter((line) => line.startsWith(`${platform} `) && line.includes('/token/revocation')).length).toBe(
      revocationsBefore + 1,
    );
    expect((await getJson(agent, `${stack.appUrl}/me`)).status).toBe(401);

    const back = await completeEmulatorLogout(agent, endSession);
    expect(back.searchParams.get('state')).toBe(endSession.searchParams.get('state'));
    const landed = await agent.get(back);
    expect(landed.status).toBe(303);
    expect(landed.location?.pathname).toBe('/');
  });

  it('refuses a return from logout with another state', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.appUrl } });
    const back = await completeEmulatorLogout(agent, posted.location!);
    back.searchParams.set('state', 'y'.repeat(43));
    const answer = await getJson(agent, back.href);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('FC_LOGOUT_STATE_INVALID');
  });

  it('keeps the rest of the logout chain after a forged return: the genuine one still goes on to the other platform', async () => {
    const agent = new HttpAgent();
    // One person on both platforms, so that logout visits both.
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'jean-martin-1975', acr: 'eidas2' });
    await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'jean-martin-1975' });
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.appUrl } });
    const genuine = await completeEmulatorLogout(agent, posted.location!);
    const forged = new URL(genuine);
    forged.searchParams.set('state', 'y'.repeat(43));
    expect((await getJson(agent, forged.href)).body.code).toBe('FC_LOGOUT_STATE_INVALID');
    // The platform's own return is still expected, and sends the browser to the other platform's logout.
    const next = await agent.get(genuine);
    expect(next.status).toBe(303);
    expect(next.location?.origin).not.toBe(new URL(genuine).origin);
    expect(next.location?.pathname).toBe('/api/v2/session/end');
  });

  it('stores no session for a return from logout that brings none', async () => {
    const before = stack.platformRequests.length;
    for (let index = 0; index < 3; index++) {
      const agent = new HttpAgent();
      const answer = await agent.get(`${stack.appUrl}/auth/logout/callback?state=${'s'.repeat(43)}`);
      expect(answer.status).toBe(400);
      expect(agent.jar.get(stack.appUrl, 'demo.sid'), 'no session cookie').toBeUndefined();
    }
    expect(stack.platformRequests.length).toBe(before);
  });

  it('refuses a logout posted from another site, and keeps the session', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    const forged = await agent.request(`${stack.appUrl}/auth/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', accept: 'application/json' },
    });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body).code).toBe('FC_CROSS_SITE_REQUEST');
    expect((await getJson(agent, `${stack.appUrl}/me`)).status).toBe(200);
  });

  it('just clears the local session when nobody is signed in at a platform', async () => {
    const agent = new HttpAgent();
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST' });
    expect(posted.status).toBe(303);
    expect(posted.location?.href).toBe(`${stack.appUrl}/`);
  });
});

describe('errors sent by the platforms', () => {
  const cases: [string, number, string][] = [
    ['access_denied', 401, 'Connexion annulée'],
    ['invalid_request', 400, 'Demande invalide'],
    ['invalid_scope', 400, 'Données demandées non disponibles'],
    ['invalid_acr', 400, 'Niveau de sécurité non disponible'],
    ['server_error', 502, 'Erreur technique'],
    ['temporarily_unavailable', 503, 'Service momentanément indisponible'],
    ['unsupported_response_type', 400, 'Demande invalide'],
    ['some_new_code', 400, 'La connexion a échoué'],
    // Names of Object.prototype members must not be looked up on it (found by the long fuzz run).
    ['__proto__', 400, 'La connexion a échoué'],
    ['constructor', 400, 'La connexion a échoué'],
    ['toString', 400, 'La connexion a échoué'],
  ];

  it.each(cases)('renders %s as a clear page with status %i', async (error, status, title) => {
    for (const platform of ['fc', 'fcp'] as const) {
      const agent = new HttpAgent();
      const started = await agent.get(`${stack.appUrl}/auth/${platform}/login`);
      const callback = new URL(`${stack.appUrl}/auth/${platform}/callback`);
      callback.searchParams.set('error', error);
      callback.searchParams.set('error_description', 'description\u0000\r\nforged log line <script>');
      callback.searchParams.set('state', started.location!.searchParams.get('state')!);
      callback.searchParams.set('iss', platform === 'fc' ? stack.config.fc.issuer : stack.config.fcp.issuer);
      const page = await agent.get(callback);
      expect(page.status).toBe(status);
      expect(page.body).toContain(title);
      expect(page.body).toContain('FC_CALLBACK_ERROR');
      expect(page.body).toContain('href="/"');
      expect(page.body).not.toContain('<script>');

      const retry = await agent.get(`${stack.appUrl}/auth/${platform}/login`);
      const api = await getJson(agent, `${callback.origin}${callback.pathname}?${new URLSearchParams({
        error,
        error_description: 'x'.repeat(5000),
        state: retry.location!.searchParams.get('state')!,
        iss: platform === 'fc' ? stack.config.fc.issuer : stack.config.fcp.issuer,
      })}`);
      expect(api.status).toBe(status);
      expect(api.body).toMatchObject({ error, code: 'FC_CALLBACK_ERROR', platform });
      expect(String(api.body.error_description).length).toBeLessThan(400);
    }
  });
});

describe('FranceConnect registered with RS256', () => {
  let rs256: DemoStack;
  beforeAll(async () => {
    rs256 = await startDemoStack({ fcSigningAlg: 'RS256' });
  });
  afterAll(async () => rs256?.stop());

  it('verifies RS256 signatures when that is the registered algorithm', async () => {
    const agent = new HttpAgent();
    const { response } = await signIn(agent, rs256.appUrl, '/auth/fc/login', { identity: 'angela-dubois' });
    expect(response.status).toBe(303);
    expect((await getJson(agent, `${rs256.appUrl}/me`)).body).toMatchObject({ provider: 'fc', acr: 'eidas1' });
  });
});

describe('FranceConnect answering with another algorithm than the registered one', () => {
  let mismatch: DemoStack;
  beforeAll(async () => {
    // The platform signs with RS256 while the service registered (and pins) ES256.
    mismatch = await startDemoStack({ fcSigningAlg: 'RS256', env: { FC_SIGNING_ALG: 'ES256' } });
  });
  afterAll(async () => mismatch?.stop());

  it('refuses the ID token', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${mismatch.appUrl}/auth/fc/login`);
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'angela-dubois' });
    const answer = await getJson(agent, callback.href);
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('FC_ID_TOKEN_INVALID');
    expect((await getJson(agent, `${mismatch.appUrl}/me`)).status).toBe(401);
  });
});
