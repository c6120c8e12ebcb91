import 'reflect-metadata';
import { Controller, Get, Post, Req, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import { SignInRoute } from '../decorators/sign-in-route.decorator.js';
import { FranceConnectPlusModule } from '../franceconnect.module.js';
import { franceConnectSession } from '../session/franceconnect-session.js';
import { currentIdentity } from '../session/session-state.js';
import { completeEmulatorLogout } from '../testing/emulator-login.js';
import { HttpAgent } from '../testing/http-agent.js';
import { signInThroughApp } from '../testing/sign-in-through-app.js';
import { FcGuard } from './fc.guard.js';
import { LogoutGuard } from './logout.guard.js';

/** The service's address registered with the platform; the application under test receives the callbacks at its own. */
const REGISTERED = 'http://localhost:3000';

/** How many times a logout handler ran: the guard answers every logout request itself. */
let handlerRuns = 0;

@Controller()
class LogoutController {
  @Post('auth/logout')
  @UseGuards(LogoutGuard)
  logout(): void {
    handlerRuns += 1;
  }

  @Get('auth/logout/callback')
  @UseGuards(LogoutGuard)
  logoutCallback(): void {
    handlerRuns += 1;
  }

  @Get('auth/fc/login')
  @SignInRoute()
  @UseGuards(FcGuard)
  login(): void {}

  @Get('auth/fc/callback')
  @UseGuards(FcGuard)
  callback(): void {}

  /** Who the session holds, for the assertions. */
  @Get('who')
  who(@Req() req: Request): object {
    const identity = currentIdentity(req);
    return { platform: identity?.platform ?? null, idToken: identity?.idToken ?? null };
  }
}

describe('LogoutGuard', () => {
  let emulator: RunningFcEmulator;
  let app: INestApplication;
  let appUrl: string;

  beforeAll(async () => {
    emulator = await startFcEmulator({
      fcPort: 0,
      fcpPort: 0,
      log: false,
      clients: [{ platform: 'fc', ...DEMO_FC_CLIENT, redirect_uris: [`${REGISTERED}/auth/fc/callback`], post_logout_redirect_uris: [`${REGISTERED}/auth/logout/callback`] }],
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnect: {
            issuer: emulator.fc.issuer,
            clientId: DEMO_FC_CLIENT.client_id,
            clientSecret: DEMO_FC_CLIENT.client_secret,
            redirectUri: `${REGISTERED}/auth/fc/callback`,
            postLogoutRedirectUri: `${REGISTERED}/auth/logout/callback`,
          },
          allowInsecureHttp: true,
          afterLogoutPath: '/signed-out',
        }),
      ],
      controllers: [LogoutController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.use(franceConnectSession({ secrets: 'session-secret-0123456789abcdef0123456789', secure: false }));
    await app.listen(0, '127.0.0.1');
    appUrl = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  async function signedIn(): Promise<HttpAgent> {
    const { agent, response } = await signInThroughApp(emulator, 'fc', { identity: 'angela-dubois' }, { appUrl, loginPath: '/auth/fc/login' });
    expect(response.status).toBe(303);
    return agent;
  }

  async function who(agent: HttpAgent): Promise<{ platform: string | null; idToken: string | null }> {
    return JSON.parse((await agent.get(`${appUrl}/who`)).body) as { platform: string | null; idToken: string | null };
  }

  it.each([
    ['a page of another site', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }],
    ['an older browser on another site', { origin: 'https://evil.example' }],
    ['a sandboxed frame', { origin: 'null' }],
  ])('refuses a logout posted by %s, and the person stays signed in', async (_sender, headers) => {
    const agent = await signedIn();
    const refused = await agent.request(`${appUrl}/auth/logout`, { method: 'POST', headers: { ...headers, accept: 'application/json' } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'FC_CROSS_SITE_REQUEST', error: 'access_denied' });
    expect((await who(agent)).platform).toBe('fc');
  });

  it("closes the session at once and sends the browser to the platform's logout with the ID token, a state and the registered return", async () => {
    const agent = await signedIn();
    const { idToken } = await who(agent);
    const before = handlerRuns;
    const answer = await agent.request(`${appUrl}/auth/logout`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', origin: appUrl } });
    expect(answer.status).toBe(303);
    const endSession = answer.location!;
    expect(endSession.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);
    expect(endSession.searchParams.get('id_token_hint')).toBe(idToken);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${REGISTERED}/auth/logout/callback`);
    expect(endSession.searchParams.get('state')?.length).toBeGreaterThanOrEqual(32);
    // Signed out here before the platform is even reached.
    expect(await who(agent)).toEqual({ platform: null, idToken: null });
    expect(handlerRuns).toBe(before);
  });

  it("lands on afterLogoutPath once the platform's logout comes back with the state sent", async () => {
    const agent = await signedIn();
    const answer = await agent.request(`${appUrl}/auth/logout`, { method: 'POST' });
    const returned = await completeEmulatorLogout(agent, answer.location!);
    expect(returned.searchParams.get('state')).toBe(answer.location!.searchParams.get('state'));
    const before = handlerRuns;
    const landed = await agent.get(`${appUrl}/auth/logout/callback${returned.search}`);
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/signed-out');
    expect(handlerRuns).toBe(before);
  });

  it('refuses a return from logout with another state, or with no logout in progress', async () => {
    const agent = await signedIn();
    await agent.request(`${appUrl}/auth/logout`, { method: 'POST' });
    const forged = await agent.request(`${appUrl}/auth/logout/callback?state=forged`, { headers: { accept: 'application/json' } });
    expect(forged.status).toBe(400);
    expect(JSON.parse(forged.body)).toMatchObject({ code: 'FC_LOGOUT_STATE_INVALID', platform: 'fc' });

    const stranger = await new HttpAgent().request(`${appUrl}/auth/logout/callback?state=anything`, { headers: { accept: 'application/json' } });
    expect(stranger.status).toBe(400);
    expect(JSON.parse(stranger.body)).toMatchObject({ code: 'FC_LOGOUT_STATE_INVALID' });
  });

  it('sends a browser with no one signed in straight to afterLogoutPath', async () => {
    const answer = await new HttpAgent().request(`${appUrl}/auth/logout`, { method: 'POST' });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/signed-out');
  });
});
