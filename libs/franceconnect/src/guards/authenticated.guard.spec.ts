import 'reflect-metadata';
import { Controller, Get, Injectable, Post, Query, Req, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, DEMO_FCP_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import type { EidasLevel } from '../acr/eidas.js';
import { FcUser } from '../decorators/fc-user.decorator.js';
import type { PlatformId } from '../platforms.js';
import { FranceConnectPlusModule } from '../franceconnect.module.js';
import { generateEncryptionKey } from '../keys/index.js';
import type { FranceConnectModuleOptions } from '../options/franceconnect-options.interface.js';
import { franceConnectSession } from '../session/franceconnect-session.js';
import { storeSignedIn, type FcIdentity } from '../session/session-state.js';
import { HttpAgent } from '../testing/http-agent.js';
import { AuthenticatedGuard } from './authenticated.guard.js';
import { FcGuard } from './fc.guard.js';

/** The service's address registered with the platforms; the application under test receives the callbacks at its own. */
const REGISTERED = 'http://localhost:3000';

/** Puts a person in the session as a completed sign-in does, without a platform. */
@Controller('fixture')
class SignedInFixture {
  @Get('sign-in')
  async signIn(@Req() req: Request, @Query('platform') platform: PlatformId, @Query('acr') acr: EidasLevel): Promise<object> {
    await storeSignedIn(req, { platform, sub: `sub-${platform}`, acr, amr: [], claims: {}, idToken: `id-token-${platform}`, signedInAt: Date.now() }, undefined, undefined, true);
    return {};
  }
}

/** Sends a browser with no identity to FranceConnect, even when FranceConnect+ is configured. */
@Injectable()
class FranceConnectFirstGuard extends AuthenticatedGuard {
  protected override platformFor(): PlatformId {
    return 'fc';
  }
}

@Controller()
class AccountController {
  @Get('me')
  @UseGuards(AuthenticatedGuard)
  me(@FcUser() user: FcIdentity): object {
    return { platform: user.platform, sub: user.sub, acr: user.acr, family_name: user.claims.family_name ?? null };
  }

  @Post('me')
  @UseGuards(AuthenticatedGuard)
  update(): object {
    return { updated: true };
  }

  @Get('letters')
  @UseGuards(FranceConnectFirstGuard)
  letters(): object {
    return { page: 'letters' };
  }

  @Get('auth/fc/callback')
  @UseGuards(FcGuard)
  fcCallback(): void {}
}

let emulator: RunningFcEmulator;
const apps: INestApplication[] = [];

beforeAll(async () => {
  emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: false, clients: [{ platform: 'fc', ...DEMO_FC_CLIENT, redirect_uris: [`${REGISTERED}/auth/fc/callback`] }] });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await emulator?.stop();
});

/** Starts an application with these platforms and the routes above; returns its URL. */
async function startApp(platforms: Pick<FranceConnectModuleOptions, 'franceConnect' | 'franceConnectPlus'>): Promise<string> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      FranceConnectPlusModule.forRoot({
        ...platforms,
        allowInsecureHttp: true,
        ...(platforms.franceConnectPlus && { keys: { jwks: { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] } } }),
      }),
    ],
    controllers: [AccountController, SignedInFixture],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  apps.push(app);
  app.use(franceConnectSession({ secrets: 'session-secret-0123456789abcdef0123456789', secure: false }));
  await app.listen(0, '127.0.0.1');
  return app.getUrl();
}

const franceConnect = () => ({ issuer: emulator.fc.issuer, clientId: DEMO_FC_CLIENT.client_id, clientSecret: DEMO_FC_CLIENT.client_secret, redirectUri: `${REGISTERED}/auth/fc/callback` });
const franceConnectPlus = () => ({ issuer: emulator.fcp.issuer, clientId: DEMO_FCP_CLIENT.client_id, clientSecret: DEMO_FCP_CLIENT.client_secret, redirectUri: `${REGISTERED}/auth/fcp/callback` });

async function asApi(agent: HttpAgent, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await agent.request(url, { headers: { accept: 'application/json' } });
  return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
}

describe('AuthenticatedGuard with both platforms', () => {
  let appUrl: string;
  beforeAll(async () => {
    appUrl = await startApp({ franceConnect: franceConnect(), franceConnectPlus: franceConnectPlus() });
  });

  async function browserSignedInAs(...people: [PlatformId, EidasLevel][]): Promise<HttpAgent> {
    const agent = new HttpAgent();
    for (const [platform, acr] of people) expect((await agent.get(`${appUrl}/fixture/sign-in?platform=${platform}&acr=${acr}`)).status).toBe(200);
    return agent;
  }

  it('lets a person signed in with either platform through, as the identity of their latest sign-in', async () => {
    expect(await asApi(await browserSignedInAs(['fc', 'eidas1']), `${appUrl}/me`)).toEqual({ status: 200, body: { platform: 'fc', sub: 'sub-fc', acr: 'eidas1', family_name: null } });
    expect(await asApi(await browserSignedInAs(['fc', 'eidas1'], ['fcp', 'eidas3']), `${appUrl}/me`)).toMatchObject({ status: 200, body: { platform: 'fcp', acr: 'eidas3' } });
  });

  it('answers an API client with no identity 401', async () => {
    expect(await asApi(new HttpAgent(), `${appUrl}/me`)).toEqual({
      status: 401,
      body: { error: 'login_required', error_description: 'Sign in with FranceConnect or FranceConnect+ first', code: 'FC_NOT_AUTHENTICATED' },
    });
  });

  it('sends a browser with no identity to FranceConnect+, at its configured level', async () => {
    const answer = await new HttpAgent().get(`${appUrl}/me`);
    expect(answer.status).toBe(303);
    expect(answer.location?.href.startsWith(`${emulator.fcp.issuer}/`)).toBe(true);
    expect(answer.location?.searchParams.get('acr_values')).toBe('eidas2');
    expect(answer.location?.searchParams.get('redirect_uri')).toBe(`${REGISTERED}/auth/fcp/callback`);
  });

  it('lets a subclass choose the platform', async () => {
    const answer = await new HttpAgent().get(`${appUrl}/letters`);
    expect(answer.location?.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);
    expect(answer.location?.searchParams.get('acr_values')).toBe('eidas1');
  });

  it('never sends a form post to sign in: it would lose what was posted', async () => {
    const posted = await new HttpAgent().request(`${appUrl}/me`, { method: 'POST', headers: { accept: 'text/html' } });
    expect(posted.status).toBe(401);
    expect(posted.location).toBeUndefined();
    expect(posted.body).toContain('FC_NOT_AUTHENTICATED');
  });
});

describe('AuthenticatedGuard with FranceConnect only', () => {
  let appUrl: string;
  beforeAll(async () => {
    appUrl = await startApp({ franceConnect: franceConnect() });
  });

  it('sends a browser to FranceConnect and, once signed in, back to the page it asked for', async () => {
    const agent = new HttpAgent();
    const started = await agent.get(`${appUrl}/me?tab=identity`);
    expect(started.status).toBe(303);
    expect(started.location?.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);

    emulator.nextSignIn('fc', { identity: 'angela-dubois' });
    const { stoppedAt } = await agent.follow(started.location!, { stopAt: `${REGISTERED}/auth/fc/callback` });
    const back = await agent.get(`${appUrl}/auth/fc/callback${stoppedAt!.search}`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/me?tab=identity');

    expect(await asApi(agent, `${appUrl}/me`)).toMatchObject({ status: 200, body: { platform: 'fc', acr: 'eidas1', family_name: 'DUBOIS' } });
  });
});
