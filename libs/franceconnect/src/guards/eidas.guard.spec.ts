import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Injectable, Post, Query, Req, SetMetadata, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, DEMO_FCP_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import type { EidasLevel } from '../acr/eidas.js';
import { RequireEidas } from '../decorators/require-eidas.decorator.js';
import { SignInRoute } from '../decorators/sign-in-route.decorator.js';
import type { PlatformId } from '../platforms.js';
import { REQUIRE_EIDAS_METADATA } from '../franceconnect.constants.js';
import { FranceConnectPlusModule } from '../franceconnect.module.js';
import { generateEncryptionKey } from '../keys/index.js';
import { franceConnectSession } from '../session/franceconnect-session.js';
import { sessionIdentities, storeSignedIn, type FcIdentity } from '../session/session-state.js';
import { HttpAgent } from '../testing/http-agent.js';
import { signInThroughApp } from '../testing/sign-in-through-app.js';
import { EidasGuard, highestLevel } from './eidas.guard.js';
import { FcPlusGuard } from './fc-plus.guard.js';
import { FcGuard } from './fc.guard.js';

/** A person as a completed sign-in leaves them in the session. */
function identityOf(platform: PlatformId, acr: string): FcIdentity {
  return { platform, sub: `sub-${platform}`, acr: acr as EidasLevel, amr: [], claims: {}, idToken: `id-token-${platform}`, signedInAt: Date.now() };
}

describe('highestLevel', () => {
  const withIdentities = (identities: Record<string, unknown> | undefined) =>
    ({ session: identities === undefined ? undefined : { franceconnect: { identities } } }) as unknown as Request;

  it('is the highest level among the identities of the session, whatever the order', () => {
    expect(highestLevel(withIdentities({ fc: identityOf('fc', 'eidas1'), fcp: identityOf('fcp', 'eidas3') }))).toBe('eidas3');
    expect(highestLevel(withIdentities({ fcp: identityOf('fcp', 'eidas2'), fc: identityOf('fc', 'eidas1') }))).toBe('eidas2');
    expect(highestLevel(withIdentities({ fc: identityOf('fc', 'eidas1') }))).toBe('eidas1');
  });

  it('is undefined without a session or an identity', () => {
    expect(highestLevel(withIdentities(undefined))).toBeUndefined();
    expect(highestLevel(withIdentities({}))).toBeUndefined();
    expect(highestLevel({ session: {} } as unknown as Request)).toBeUndefined();
  });

  it('ignores levels it does not know, and empty entries', () => {
    // Compared as ordered levels, not as strings: "eidas10" or "EIDAS3" would sort above "eidas2".
    expect(highestLevel(withIdentities({ fc: identityOf('fc', 'eidas10'), fcp: identityOf('fcp', 'eidas2') }))).toBe('eidas2');
    expect(highestLevel(withIdentities({ fc: identityOf('fc', 'EIDAS3'), fcp: undefined }))).toBeUndefined();
    expect(highestLevel(withIdentities({ fc: null, fcp: identityOf('fcp', 'eidas0') }))).toBeUndefined();
  });
});

/** The service's address registered with the platforms; the application under test receives the callbacks at its own. */
const REGISTERED = 'http://localhost:3000';

/** Puts a person in the session as a completed sign-in does, without a platform. */
@Controller('fixture')
class SignedInFixture {
  @Get('sign-in')
  async signIn(@Req() req: Request, @Query('platform') platform: PlatformId, @Query('acr') acr: string): Promise<object> {
    await storeSignedIn(req, identityOf(platform, acr), undefined, undefined, true);
    return {};
  }

  @Get('levels')
  levels(@Req() req: Request): object {
    const identities = sessionIdentities(req);
    return { highest: highestLevel(req) ?? null, fc: identities.fc?.acr ?? null, fcp: identities.fcp?.acr ?? null };
  }
}

/** Sends every step-up to FranceConnect+, as a service with FranceConnect+ only does. */
@Injectable()
class PlusOnlyEidasGuard extends EidasGuard {
  protected override platformFor(): PlatformId {
    return 'fcp';
  }
}

@Controller()
class LevelsController {
  @Get('open')
  @UseGuards(EidasGuard)
  open(): object {
    return { page: 'open' };
  }

  @Get('eidas1')
  @RequireEidas('eidas1')
  eidas1(): object {
    return { page: 'eidas1' };
  }

  @Get('eidas2')
  @RequireEidas('eidas2')
  eidas2(): object {
    return { page: 'eidas2' };
  }

  @Post('eidas2')
  @RequireEidas('eidas2')
  postEidas2(): object {
    return { page: 'eidas2' };
  }

  @Get('eidas3')
  @RequireEidas('eidas3')
  eidas3(): object {
    return { page: 'eidas3' };
  }

  @Get('plus-only/eidas1')
  @SetMetadata(REQUIRE_EIDAS_METADATA, 'eidas1')
  @UseGuards(PlusOnlyEidasGuard)
  plusOnly(): object {
    return { page: 'plus-only' };
  }

  @Get('auth/fc/login')
  @SignInRoute()
  @UseGuards(FcGuard)
  fcLogin(): void {}

  @Get('auth/fc/callback')
  @UseGuards(FcGuard)
  fcCallback(): void {}

  @Get('auth/fcp/callback')
  @UseGuards(FcPlusGuard)
  fcpCallback(): void {}
}

/** Every route of the controller at eidas3, one of them lowered to eidas1. */
@Controller('strict')
@RequireEidas('eidas3')
class StrictController {
  @Get()
  all(): object {
    return { page: 'strict' };
  }

  @Get('relaxed')
  @RequireEidas('eidas1')
  relaxed(): object {
    return { page: 'relaxed' };
  }
}

describe('EidasGuard', () => {
  let emulator: RunningFcEmulator;
  let jwksServer: Server;
  let app: INestApplication;
  let appUrl: string;

  beforeAll(async () => {
    const encryptionKey = await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' });
    // FranceConnect+ encrypts to the service's public key, which it reads at the registered JWKS URL.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = encryptionKey;
    jwksServer = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [publicKey] }))).listen(0, '127.0.0.1');
    await new Promise((resolve) => jwksServer.once('listening', resolve));
    emulator = await startFcEmulator({
      fcPort: 0,
      fcpPort: 0,
      log: false,
      clients: [
        { platform: 'fc', ...DEMO_FC_CLIENT, redirect_uris: [`${REGISTERED}/auth/fc/callback`] },
        {
          platform: 'fcp',
          ...DEMO_FCP_CLIENT,
          redirect_uris: [`${REGISTERED}/auth/fcp/callback`],
          jwks_uri: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`,
        },
      ],
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnect: { issuer: emulator.fc.issuer, ...registration(DEMO_FC_CLIENT), redirectUri: `${REGISTERED}/auth/fc/callback` },
          franceConnectPlus: { issuer: emulator.fcp.issuer, ...registration(DEMO_FCP_CLIENT), redirectUri: `${REGISTERED}/auth/fcp/callback` },
          allowInsecureHttp: true,
          keys: { jwks: { keys: [encryptionKey] } },
        }),
      ],
      controllers: [LevelsController, StrictController, SignedInFixture],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.use(franceConnectSession({ secrets: 'session-secret-0123456789abcdef0123456789', secure: false }));
    await app.listen(0, '127.0.0.1');
    appUrl = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  function registration(client: { client_id: string; client_secret: string }) {
    return { clientId: client.client_id, clientSecret: client.client_secret };
  }

  /** A browser stand-in holding a session with these people, the last one current. */
  async function browserSignedInAs(...people: [PlatformId, string][]): Promise<HttpAgent> {
    const agent = new HttpAgent();
    for (const [platform, acr] of people) {
      expect((await agent.get(`${appUrl}/fixture/sign-in?platform=${platform}&acr=${acr}`)).status).toBe(200);
    }
    return agent;
  }

  async function asApi(agent: HttpAgent, path: string, method = 'GET'): Promise<{ status: number; body: Record<string, unknown> }> {
    const answer = await agent.request(`${appUrl}${path}`, { method, headers: { accept: 'application/json' } });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  }

  it('lets any request through a route that requires no level', async () => {
    expect(await asApi(new HttpAgent(), '/open')).toEqual({ status: 200, body: { page: 'open' } });
  });

  it('lets a session at or above the level through, comparing levels as ordered numbers', async () => {
    const eidas3 = await browserSignedInAs(['fcp', 'eidas3']);
    for (const path of ['/eidas1', '/eidas2', '/eidas3']) expect((await asApi(eidas3, path)).status, path).toBe(200);
    const eidas1 = await browserSignedInAs(['fc', 'eidas1']);
    expect((await asApi(eidas1, '/eidas1')).status).toBe(200);
  });

  it('takes the highest level among the identities, not the current one', async () => {
    // FranceConnect+ at eidas3 first, then FranceConnect: the current identity is at eidas1.
    const agent = await browserSignedInAs(['fcp', 'eidas3'], ['fc', 'eidas1']);
    expect((await asApi(agent, '/eidas3')).status).toBe(200);
  });

  it('answers an API client 401 with no one signed in and 403 below the level, naming both levels', async () => {
    expect(await asApi(new HttpAgent(), '/eidas2')).toEqual({
      status: 401,
      body: {
        error: 'login_required',
        error_description: 'This route requires signing in at level eidas2',
        code: 'FC_NOT_AUTHENTICATED',
        required_acr: 'eidas2',
        current_acr: null,
      },
    });
    expect(await asApi(await browserSignedInAs(['fcp', 'eidas2']), '/eidas3')).toEqual({
      status: 403,
      body: {
        error: 'insufficient_user_authentication',
        error_description: 'This route requires eidas3; the session is at eidas2',
        code: 'FC_EIDAS_LEVEL_TOO_LOW',
        required_acr: 'eidas3',
        current_acr: 'eidas2',
      },
    });
  });

  it('counts a session whose only level is unknown as not signed in', async () => {
    expect(await asApi(await browserSignedInAs(['fcp', 'eidas0']), '/eidas1')).toMatchObject({ status: 401, body: { code: 'FC_NOT_AUTHENTICATED', current_acr: null } });
  });

  it("takes a handler's level over its controller's", async () => {
    const agent = await browserSignedInAs(['fc', 'eidas1']);
    expect((await asApi(agent, '/strict')).status).toBe(403);
    expect(await asApi(agent, '/strict/relaxed')).toEqual({ status: 200, body: { page: 'relaxed' } });
  });

  it('sends a browser below the level to FranceConnect+ for eidas2 and eidas3, asking for that level', async () => {
    for (const [path, agent] of [
      ['/eidas2', new HttpAgent()],
      ['/eidas3', await browserSignedInAs(['fcp', 'eidas2'])],
    ] as const) {
      const answer = await agent.get(`${appUrl}${path}`);
      expect(answer.status, path).toBe(303);
      expect(answer.location?.href.startsWith(`${emulator.fcp.issuer}/`), path).toBe(true);
      expect(answer.location?.searchParams.get('acr_values'), path).toBe(path.slice(1));
      expect(answer.location?.searchParams.get('client_id'), path).toBe(DEMO_FCP_CLIENT.client_id);
    }
  });

  it('sends a browser to FranceConnect for eidas1 when it is configured', async () => {
    const answer = await new HttpAgent().get(`${appUrl}/eidas1`);
    expect(answer.location?.href.startsWith(`${emulator.fc.issuer}/`)).toBe(true);
    expect(answer.location?.searchParams.get('acr_values')).toBe('eidas1');
  });

  it('asks FranceConnect+ for eidas2 when it is sent there for eidas1, which FranceConnect+ refuses', async () => {
    const answer = await new HttpAgent().get(`${appUrl}/plus-only/eidas1`);
    expect(answer.location?.href.startsWith(`${emulator.fcp.issuer}/`)).toBe(true);
    expect(answer.location?.searchParams.get('acr_values')).toBe('eidas2');
  });

  it('never redirects a request that is not a page navigation: a form post gets the error', async () => {
    const agent = await browserSignedInAs(['fc', 'eidas1']);
    const posted = await agent.request(`${appUrl}/eidas2`, { method: 'POST', headers: { accept: 'text/html' } });
    expect(posted.status).toBe(403);
    expect(posted.location).toBeUndefined();
    expect(posted.body).toContain('FC_EIDAS_LEVEL_TOO_LOW');
  });

  it('steps a FranceConnect session up to FranceConnect+ and comes back to the page, keeping both identities', async () => {
    const { agent, response } = await signInThroughApp(emulator, 'fc', { identity: 'angela-dubois' }, { appUrl, loginPath: '/auth/fc/login' });
    expect(response.status).toBe(303);
    expect((await asApi(agent, '/eidas2')).status).toBe(403);

    const stepUp = await agent.get(`${appUrl}/eidas2?tab=taxes`);
    expect(stepUp.status).toBe(303);
    emulator.nextSignIn('fcp', { identity: 'angela-dubois', acr: 'eidas2' });
    const { stoppedAt } = await agent.follow(stepUp.location!, { stopAt: `${REGISTERED}/auth/fcp/callback` });
    const back = await agent.get(`${appUrl}/auth/fcp/callback${stoppedAt!.search}`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/eidas2?tab=taxes');

    expect(await asApi(agent, '/eidas2')).toEqual({ status: 200, body: { page: 'eidas2' } });
    expect(await asApi(agent, '/fixture/levels')).toEqual({ status: 200, body: { highest: 'eidas2', fc: 'eidas1', fcp: 'eidas2' } });
  });
});
