/**
 * The usage the library promises, the Nest way: `@UseGuards(FcPlusGuard)` on an ordinary route lets a
 * person signed in with FranceConnect+ through and sends anyone else to sign in and back to that route;
 * `AuthGuard('franceconnect-plus')` of `@nestjs/passport` does the same and sets `req.user`; several
 * applications in one process (one Passport registry) each sign in with their own configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeEmulatorLogin } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

describe('guards on ordinary routes', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => stack?.stop());

  it.each(['/protected/fcp', '/protected/passport'])('%s sends a browser to sign in with FranceConnect+ and back to it', async (path) => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}${path}?tab=2`);
    expect(started.status).toBe(303);
    expect(started.location?.origin).toBe(new URL(stack.config.fcp.issuer).origin);
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'angela-dubois' });
    const back = await agent.get(callback);
    expect(back.status).toBe(303);
    expect(`${back.location?.pathname}${back.location?.search}`).toBe(`${path}?tab=2`);
    const page = await getJson(agent, `${stack.appUrl}${path}`);
    expect(page).toMatchObject({ status: 200, body: { provider: 'fcp', acr: 'eidas2', claims: { family_name: 'DUBOIS' } } });
  });

  it.each(['/protected/fcp', '/protected/passport'])('%s answers an API client 401, and lets a FranceConnect+ person through', async (path) => {
    const agent = new HttpAgent();
    expect((await getJson(agent, `${stack.appUrl}${path}`)).status).toBe(401);
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'eric-mercier', acr: 'eidas3' });
    expect(await getJson(agent, `${stack.appUrl}${path}`)).toMatchObject({ status: 200, body: { provider: 'fcp', acr: 'eidas3' } });
  });

  it('does not take a FranceConnect sign-in for a FranceConnect+ one', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'angela-dubois' });
    expect((await getJson(agent, `${stack.appUrl}/protected/fcp`)).status).toBe(401);
    const page = await agent.get(`${stack.appUrl}/protected/fcp`);
    expect(page.status).toBe(303);
    expect(page.location?.searchParams.get('acr_values')).toBe('eidas2');
  });

  it("hands the guard's validate() hook the identity, and the handler what it returns as req.user", async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'david-vingttrois' });
    const account = await getJson(agent, `${stack.appUrl}/protected/account`);
    expect(account).toMatchObject({ status: 200, body: { provider: 'fcp', acr: 'eidas2' } });
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(account.body.accountId).toBe((me.body.account as { accountId: string }).accountId);
    expect(account.body.accountId).toEqual(expect.any(String));
  });

  it('sends a browser already signed in on the login route straight to returnTo', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    const again = await agent.get(`${stack.appUrl}/auth/fcp/login?returnTo=/protected/fcp`);
    expect(again.status).toBe(303);
    expect(again.location?.pathname).toBe('/protected/fcp');
    const foreign = await agent.get(`${stack.appUrl}/auth/fcp/login?returnTo=//evil.example`);
    expect(foreign.location?.pathname).toBe('/');
    expect(foreign.location?.host).toBe(new URL(stack.appUrl).host);
  });
});

describe('two applications in one process', () => {
  let first: DemoStack;
  let second: DemoStack;
  beforeAll(async () => {
    // Two configurations (their own emulators, clients and keys) alive at once, one Passport registry.
    [first, second] = await Promise.all([startDemoStack(), startDemoStack({ encryptionAlg: 'ECDH-ES' })]);
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it('signs in on each with its own platforms, through AuthGuard(name)', async () => {
    for (const stack of [second, first, second]) {
      const agent = new HttpAgent();
      const started = await agent.get(`${stack.appUrl}/protected/passport`);
      expect(started.location?.origin).toBe(new URL(stack.config.fcp.issuer).origin);
      await agent.get(await completeEmulatorLogin(agent, started.location!, { identity: 'melaine-trois' }));
      expect(await getJson(agent, `${stack.appUrl}/protected/passport`)).toMatchObject({ status: 200, body: { provider: 'fcp' } });
    }
  });
});
