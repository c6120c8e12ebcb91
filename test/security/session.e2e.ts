/**
 * Session: a new session id at every sign-in (a fixed id is worthless), a cookie scripts cannot read and
 * other sites do not send on sub-requests, and a logout that another site cannot trigger.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { franceConnectSession } from '../../libs/franceconnect/src/index.js';
import type { AdversaryPlatform } from '../support/adversarial-provider.js';
import { attack, expectSignedIn, securityLog, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';
import { HttpAgent, type AgentResponse } from '../support/http-agent.js';

const PLATFORMS: readonly AdversaryPlatform[] = ['fc', 'fcp'];
const COOKIE = 'demo.sid';

let stack: AdversarialStack;
beforeAll(async () => {
  stack = await startAdversarialStack();
});
afterAll(async () => stack?.stop());

const me = async (agent: HttpAgent): Promise<number> =>
  (await agent.request(`${stack.appUrl}/me`, { headers: { accept: 'application/json' } })).status;

/** The session cookie's `Set-Cookie` attributes, lower-cased, by name. */
function sessionCookie(response: AgentResponse, name = COOKIE): Map<string, string> | undefined {
  const header = response.headers.getSetCookie().find((value) => value.startsWith(`${name}=`));
  if (!header) return undefined;
  const attributes = header.split(';').slice(1).map((part) => part.trim().split('='));
  return new Map(attributes.map(([key = '', value = '']) => [key.toLowerCase(), value.toLowerCase()]));
}

describe.each(PLATFORMS)('session id at sign-in on %s', (platform) => {
  it('changes the session id at sign-in, and the id fixed before is not signed in', async () => {
    // The attacker's move: get a session id from the site (here, by signing in on the other platform: a
    // login route lets a browser already signed in on its platform straight through), then plant it in the
    // victim's browser. (Starting a sign-in creates no session.)
    const attacker = await attack(stack, platform === 'fc' ? 'fcp' : 'fc', {});
    await expectSignedIn(stack, attacker);
    const fixed = attacker.agent.jar.get(stack.appUrl, COOKIE);
    expect(fixed).toBeDefined();
    const victim = new HttpAgent();
    victim.jar.store(new URL(stack.appUrl), [`${COOKIE}=${fixed!}; Path=/`]);
    await expectSignedIn(stack, await attack(stack, platform, {}, { agent: victim }));
    const after = victim.jar.get(stack.appUrl, COOKIE);
    expect(after).toBeDefined();
    expect(after).not.toBe(fixed);
    expect(await me(victim)).toBe(200);

    const planted = new HttpAgent({ headers: { cookie: `${COOKIE}=${fixed!}` } });
    expect(await me(planted)).toBe(401);
  });
});

describe('session cookie attributes', () => {
  it('sets HttpOnly, SameSite=Lax and Path=/ on the sample app (http)', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fcp/login`);
    expect(sessionCookie(started), 'starting a sign-in creates no session').toBeUndefined();
    // The cookie that binds the sign-in to this browser instead: as long as a transaction lasts.
    const binding = sessionCookie(started, 'fc.browser');
    expect(binding).toBeDefined();
    expect(binding!.has('httponly')).toBe(true);
    expect(binding!.get('samesite')).toBe('lax');
    expect(binding!.get('path')).toBe('/');
    expect(binding!.get('max-age')).toBe('660');
    expect(binding!.has('domain')).toBe(false);
    expect(binding!.has('secure')).toBe(false);

    const result = await attack(stack, 'fcp', {}, { agent });
    await expectSignedIn(stack, result);
    const created = sessionCookie(result.response);
    expect(created, 'the session is created at the callback').toBeDefined();
    expect(created!.has('httponly')).toBe(true);
    expect(created!.get('samesite')).toBe('lax');
    expect(created!.get('path')).toBe('/');
    expect(created!.has('domain')).toBe(false);
  });

  it('adds Secure and the __Host- prefix behind https (franceConnectSession defaults)', async () => {
    const app = express();
    app.set('trust proxy', 1);
    app.use(franceConnectSession({ secrets: 'a-session-secret-of-at-least-32-characters' }));
    app.get('/', (req, res) => {
      req.session.franceconnect = {};
      res.end('ok');
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    try {
      const { port } = server.address() as AddressInfo;
      const response = await new HttpAgent().request(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-proto': 'https' } });
      const cookie = sessionCookie(response, '__Host-fc.sid');
      expect(cookie).toBeDefined();
      expect(cookie!.has('secure')).toBe(true);
      expect(cookie!.has('httponly')).toBe(true);
      expect(cookie!.get('samesite')).toBe('lax');
      expect(cookie!.get('path')).toBe('/');
      expect(cookie!.has('domain')).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('logout', () => {
  const signedIn = async (): Promise<HttpAgent> => {
    const result = await attack(stack, 'fcp', {});
    await expectSignedIn(stack, result);
    return result.agent;
  };

  it.each<[string, Record<string, string>]>([
    ['an Origin of another site', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['Origin: null (sandboxed frame, data: URL)', { origin: 'null' }],
    ['an Origin that is not a URL', { origin: 'not a url' }],
  ])('refuses a logout POST with %s, and keeps the session', async (_name, headers) => {
    const agent = await signedIn();
    const mark = securityLog.mark();
    const revocations = stack.adversaries.fcp.count('/token/revocation');
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { ...headers, accept: 'application/json' } });
    expect(posted.status).toBe(403);
    expect(JSON.parse(posted.body)).toMatchObject({ code: 'FC_CROSS_SITE_REQUEST' });
    expect(securityLog.since(mark).filter((line) => line.text.includes('code=FC_CROSS_SITE_REQUEST'))).toHaveLength(1);
    expect(await me(agent)).toBe(200);
    expect(stack.adversaries.fcp.count('/token/revocation'), 'no access token revoked').toBe(revocations);
  });

  it('has no GET logout: a link or an image cannot sign anyone out', async () => {
    const agent = await signedIn();
    const response = await agent.get(`${stack.appUrl}/auth/logout`);
    expect(response.status).toBe(404);
    expect(await me(agent)).toBe(200);
  });

  it('logs out on a same-origin POST: local session closed, access token revoked, platform logout with state', async () => {
    const agent = await signedIn();
    const revocations = stack.adversaries.fcp.count('/token/revocation');
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, {
      method: 'POST',
      headers: { origin: stack.appUrl, 'sec-fetch-site': 'same-origin' },
    });
    expect(posted.status).toBe(303);
    expect(posted.location?.href.startsWith(`${stack.adversaries.fcp.issuer}/session/end`)).toBe(true);
    expect(posted.location?.searchParams.get('state')?.length).toBeGreaterThanOrEqual(32);
    expect(stack.adversaries.fcp.count('/token/revocation')).toBe(revocations + 1);
    expect(await me(agent)).toBe(401);
  });

  it.each<[string, (url: URL) => void]>([
    ['another state', (url) => url.searchParams.set('state', 'y'.repeat(43))],
    ['no state', (url) => url.searchParams.delete('state')],
  ])('refuses the return from logout with %s', async (_name, edit) => {
    const agent = await signedIn();
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.appUrl } });
    const back = (await agent.get(posted.location!)).location!;
    edit(back);
    const mark = securityLog.mark();
    const answer = await agent.request(back, { headers: { accept: 'application/json' } });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'FC_LOGOUT_STATE_INVALID' });
    expect(securityLog.since(mark).filter((line) => line.text.includes('code=FC_LOGOUT_STATE_INVALID'))).toHaveLength(1);
    expect(await me(agent)).toBe(401);
  });
});
