import 'reflect-metadata';
import { Controller, Get, Post, Query, Req, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, DEMO_FCP_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import type { EidasLevel } from '../acr/eidas.js';
import { SignInRoute } from '../decorators/sign-in-route.decorator.js';
import type { PlatformId } from '../platforms.js';
import { FranceConnectPlusModule } from '../franceconnect.module.js';
import { FcGuard } from '../guards/fc.guard.js';
import { LogoutGuard } from '../guards/logout.guard.js';
import { generateEncryptionKey } from '../keys/index.js';
import type { FranceConnectModuleOptions } from '../options/franceconnect-options.interface.js';
import { franceConnectSession } from '../session/franceconnect-session.js';
import { currentIdentity, storeSignedIn } from '../session/session-state.js';
import { HttpAgent } from '../testing/http-agent.js';
import { signInThroughApp } from '../testing/sign-in-through-app.js';

/** The service's address registered with the platforms; the application under test receives the callbacks at its own. */
const REGISTERED = 'http://localhost:3000';
const LOGOUT_CALLBACK = `${REGISTERED}/auth/logout/callback`;

@Controller()
class LogoutController {
  @Post('auth/logout')
  @UseGuards(LogoutGuard)
  logout(): void {}

  @Get('auth/logout/callback')
  @UseGuards(LogoutGuard)
  logoutCallback(): void {}

  @Get('auth/fc/login')
  @SignInRoute()
  @UseGuards(FcGuard)
  login(): void {}

  @Get('auth/fc/callback')
  @UseGuards(FcGuard)
  callback(): void {}

  /** Puts a person in the session as a completed sign-in does, without a platform. */
  @Get('fixture/sign-in')
  async signIn(@Req() req: Request, @Query('platform') platform: PlatformId, @Query('acr') acr: EidasLevel): Promise<object> {
    await storeSignedIn(req, { platform, sub: `sub-${platform}`, acr, amr: [], claims: {}, idToken: `id-token-${platform}`, signedInAt: Date.now() }, undefined, undefined, true);
    return {};
  }

  @Get('who')
  who(@Req() req: Request): object {
    return { platform: currentIdentity(req)?.platform ?? null };
  }
}

let emulator: RunningFcEmulator;
const platformRequests: string[] = [];
const apps: INestApplication[] = [];

beforeAll(async () => {
  emulator = await startFcEmulator({
    fcPort: 0,
    fcpPort: 0,
    log: (line) => platformRequests.push(line),
    clients: [
      { platform: 'fc', ...DEMO_FC_CLIENT, redirect_uris: [`${REGISTERED}/auth/fc/callback`], post_logout_redirect_uris: [LOGOUT_CALLBACK] },
      // Never asked to encrypt here: no one signs in with FranceConnect+ for real in this file.
      { platform: 'fcp', ...DEMO_FCP_CLIENT, redirect_uris: [`${REGISTERED}/auth/fcp/callback`], post_logout_redirect_uris: [LOGOUT_CALLBACK], jwks_uri: 'http://127.0.0.1:9/jwks' },
    ],
  });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await emulator?.stop();
});

const franceConnect = (withLogout = true) => ({
  issuer: emulator.fc.issuer,
  clientId: DEMO_FC_CLIENT.client_id,
  clientSecret: DEMO_FC_CLIENT.client_secret,
  redirectUri: `${REGISTERED}/auth/fc/callback`,
  ...(withLogout && { postLogoutRedirectUri: LOGOUT_CALLBACK }),
});
const franceConnectPlus = (issuer = emulator.fcp.issuer) => ({
  issuer,
  clientId: DEMO_FCP_CLIENT.client_id,
  clientSecret: DEMO_FCP_CLIENT.client_secret,
  redirectUri: `${REGISTERED}/auth/fcp/callback`,
  postLogoutRedirectUri: LOGOUT_CALLBACK,
});

/** Starts an application with these options and the routes above; returns its URL. */
async function startApp(options: FranceConnectModuleOptions): Promise<string> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      FranceConnectPlusModule.forRoot({
        allowInsecureHttp: true,
        afterLogoutPath: '/signed-out',
        ...(options.franceConnectPlus && { keys: { jwks: { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] } } }),
        ...options,
      }),
    ],
    controllers: [LogoutController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  app.use(franceConnectSession({ secrets: 'session-secret-0123456789abcdef0123456789', secure: false }));
  await app.listen(0, '127.0.0.1');
  return app.getUrl();
}

/** A browser stand-in holding a session with these people, the last one current. */
async function browserSignedInAs(appUrl: string, ...people: [PlatformId, EidasLevel][]): Promise<HttpAgent> {
  const agent = new HttpAgent();
  for (const [platform, acr] of people) expect((await agent.get(`${appUrl}/fixture/sign-in?platform=${platform}&acr=${acr}`)).status).toBe(200);
  return agent;
}

const logOut = (agent: HttpAgent, appUrl: string) => agent.request(`${appUrl}/auth/logout`, { method: 'POST' });
const whoIs = async (agent: HttpAgent, appUrl: string) => (JSON.parse((await agent.get(`${appUrl}/who`)).body) as { platform: string | null }).platform;

/** The return of a platform's logout to the application, with the state it was sent. */
const returnFrom = (endSession: URL, appUrl: string) => `${appUrl}/auth/logout/callback?state=${encodeURIComponent(endSession.searchParams.get('state')!)}`;

describe('LogoutService with both platforms', () => {
  let appUrl: string;
  beforeAll(async () => {
    appUrl = await startApp({ franceConnect: franceConnect(), franceConnectPlus: franceConnectPlus() });
  });

  it('visits the logout of each platform signed in with, the latest first, each with its own ID token and state', async () => {
    const agent = await browserSignedInAs(appUrl, ['fc', 'eidas1'], ['fcp', 'eidas2']);
    const first = (await logOut(agent, appUrl)).location!;
    expect(first.href.startsWith(`${emulator.fcp.issuer}/`)).toBe(true);
    expect(first.searchParams.get('id_token_hint')).toBe('id-token-fcp');
    expect(await whoIs(agent, appUrl)).toBeNull();

    const second = (await agent.get(returnFrom(first, appUrl))).location!;
    expect(second.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);
    expect(second.searchParams.get('id_token_hint')).toBe('id-token-fc');
    expect(second.searchParams.get('post_logout_redirect_uri')).toBe(LOGOUT_CALLBACK);
    expect(second.searchParams.get('state')).not.toBe(first.searchParams.get('state'));

    const landed = await agent.get(returnFrom(second, appUrl));
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/signed-out');
  });

  it('keeps the logout in progress when a forged return arrives, so that the genuine one still completes it', async () => {
    const agent = await browserSignedInAs(appUrl, ['fc', 'eidas1'], ['fcp', 'eidas2']);
    const first = (await logOut(agent, appUrl)).location!;
    expect((await agent.get(`${appUrl}/auth/logout/callback?state=forged`)).status).toBe(400);
    expect((await agent.get(`${appUrl}/auth/logout/callback`)).status).toBe(400);
    const next = await agent.get(returnFrom(first, appUrl));
    expect(next.location?.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);
  });

  it('refuses a return replayed once the logout is over', async () => {
    const agent = await browserSignedInAs(appUrl, ['fcp', 'eidas2']);
    const endSession = (await logOut(agent, appUrl)).location!;
    expect((await agent.get(returnFrom(endSession, appUrl))).headers.get('location')).toBe('/signed-out');
    const replayed = await agent.request(returnFrom(endSession, appUrl), { headers: { accept: 'application/json' } });
    expect(replayed.status).toBe(400);
    expect(JSON.parse(replayed.body)).toMatchObject({ code: 'FC_LOGOUT_STATE_INVALID' });
  });

  it('revokes the access token still held, at the platform that issued it', async () => {
    const { agent } = await signInThroughApp(emulator, 'fc', { identity: 'angela-dubois' }, { appUrl, loginPath: '/auth/fc/login' });
    const revocations = () => platformRequests.filter((line) => line.startsWith('fc POST /api/v2/token/revocation 200')).length;
    const before = revocations();
    expect((await logOut(agent, appUrl)).status).toBe(303);
    expect(revocations()).toBe(before + 1);
  });
});

describe('LogoutService when a platform cannot be reached', () => {
  it('skips its logout and goes on to the next platform: the local session is closed all the same', async () => {
    const appUrl = await startApp({ franceConnect: franceConnect(), franceConnectPlus: franceConnectPlus('http://127.0.0.1:9/api/v2') });
    const agent = await browserSignedInAs(appUrl, ['fc', 'eidas1'], ['fcp', 'eidas2']);
    const answer = await logOut(agent, appUrl);
    expect(answer.location?.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);
    expect(answer.location?.searchParams.get('id_token_hint')).toBe('id-token-fc');
    expect(await whoIs(agent, appUrl)).toBeNull();
  });
});

describe('LogoutService without postLogoutRedirectUri', () => {
  it('closes the local session and lands on afterLogoutPath without visiting the platform', async () => {
    const appUrl = await startApp({ franceConnect: franceConnect(false) });
    const agent = await browserSignedInAs(appUrl, ['fc', 'eidas1']);
    const answer = await logOut(agent, appUrl);
    expect(answer.headers.get('location')).toBe('/signed-out');
    expect(await whoIs(agent, appUrl)).toBeNull();
  });
});

describe('LogoutService with logoutStateRequired off', () => {
  let appUrl: string;
  beforeAll(async () => {
    appUrl = await startApp({ franceConnect: franceConnect(), logoutStateRequired: false });
  });

  it('takes a return without state, for a platform that leaves it out', async () => {
    const agent = await browserSignedInAs(appUrl, ['fc', 'eidas1']);
    await logOut(agent, appUrl);
    const landed = await agent.get(`${appUrl}/auth/logout/callback`);
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/signed-out');
  });

  it('still refuses a return with another state', async () => {
    const agent = await browserSignedInAs(appUrl, ['fc', 'eidas1']);
    await logOut(agent, appUrl);
    expect((await agent.get(`${appUrl}/auth/logout/callback?state=forged`)).status).toBe(400);
  });

  it('lands on afterLogoutPath when no logout is in progress', async () => {
    const landed = await new HttpAgent().get(`${appUrl}/auth/logout/callback?state=anything`);
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toBe('/signed-out');
  });
});
