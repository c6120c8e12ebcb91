import 'reflect-metadata';
import { Controller, ForbiddenException, Get, Injectable, Query, Req, UseGuards, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EidasLevel } from '../acr/eidas.js';
import { RequireEidas } from '../decorators/require-eidas.decorator.js';
import { SignInRoute } from '../decorators/sign-in-route.decorator.js';
import { StateMismatchError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';
import { FranceConnectPlusModule } from '../franceconnect.module.js';
import { generateEncryptionKey } from '../keys/index.js';
import { franceConnectSession } from '../session/franceconnect-session.js';
import { storeSignedIn, type FcIdentity } from '../session/session-state.js';
import { HttpAgent } from '../testing/http-agent.js';
import { FcPlusGuard } from './fc-plus.guard.js';
import { FcGuard } from './fc.guard.js';
import { guardOptions, passportVerdict, requestedReturnTo } from './platform-auth.guard.js';

describe('guardOptions', () => {
  const reflector = new Reflector();
  /** The handler and controller of a route, as Nest's execution context gives them; nothing else is read. */
  const routeOf = (controller: new () => object, handler: string) =>
    ({ getClass: () => controller, getHandler: () => (controller.prototype as Record<string, unknown>)[handler] }) as unknown as ExecutionContext;

  @RequireEidas('eidas2')
  class TaxController {
    @RequireEidas('eidas3')
    declare(): void {}

    consult(): void {}

    @SignInRoute()
    login(): void {}
  }

  class PlainController {
    page(): void {}
  }

  it("takes the handler's level over its controller's, and the controller's for a handler without one", () => {
    expect(guardOptions(reflector, routeOf(TaxController, 'declare'), {}).acr).toBe('eidas3');
    expect(guardOptions(reflector, routeOf(TaxController, 'consult'), {}).acr).toBe('eidas2');
  });

  it("falls back to the guard's own sign-in level, then to none (the platform's acrValues)", () => {
    expect(guardOptions(reflector, routeOf(PlainController, 'page'), { acr: 'eidas3' }).acr).toBe('eidas3');
    expect(guardOptions(reflector, routeOf(PlainController, 'page'), {}).acr).toBeUndefined();
    // A level written on the route wins over the guard's default.
    expect(guardOptions(reflector, routeOf(TaxController, 'declare'), { acr: 'eidas2' }).acr).toBe('eidas3');
  });

  it('tells a login route from another, and passes the sign-in options on under the names the strategy reads', () => {
    const options = guardOptions(reflector, routeOf(TaxController, 'login'), { returnTo: '/account', prompt: ['login'], idpHint: 'fip1-high', uiLocales: 'fr' });
    expect(options).toEqual({ acr: 'eidas2', returnTo: '/account', signInRoute: true, prompts: ['login'], idpHint: 'fip1-high', uiLocales: 'fr' });
    expect(guardOptions(reflector, routeOf(TaxController, 'consult'), {}).signInRoute).toBe(false);
  });
});

describe('requestedReturnTo', () => {
  const request = (query: Record<string, unknown>) => ({ query }) as unknown as Request;

  it('keeps one returnTo query parameter, and nothing else', () => {
    expect(requestedReturnTo(request({ returnTo: '/account?tab=2' }))).toEqual({ returnTo: '/account?tab=2' });
    expect(requestedReturnTo(request({}))).toEqual({});
    expect(requestedReturnTo(request({ returnTo: ['/a', '/b'] }))).toEqual({});
    expect(requestedReturnTo(request({ returnTo: { path: '/a' } }))).toEqual({});
  });
});

describe('passportVerdict', () => {
  it('passes the identity on', () => {
    const identity = { sub: 'abc' };
    expect(passportVerdict(null, identity)).toBe(identity);
  });

  it("throws the strategy's error as it is", () => {
    const error = new StateMismatchError('No sign-in is in progress', { platform: 'fcp' });
    expect(() => passportVerdict(error, false)).toThrow(error);
  });

  it('answers 401 when there is neither an error nor an identity', () => {
    for (const user of [false, undefined]) {
      let thrown: unknown;
      try {
        passportVerdict(null, user);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'FC_NOT_AUTHENTICATED', status: 401 });
    }
  });
});

/** A person as a completed sign-in leaves them in the session. */
function identityOf(platform: PlatformId, acr: string, sub: string): FcIdentity {
  return { platform, sub, acr: acr as EidasLevel, amr: [], claims: { given_name: 'Angela Claire Louise', family_name: 'DUBOIS' }, idToken: `id-token-${platform}`, signedInAt: Date.now() };
}

/** Puts a person in the session as a completed sign-in does, without a platform. */
@Controller('fixture')
class SignedInFixture {
  @Get('sign-in')
  async signIn(@Req() req: Request, @Query('platform') platform: PlatformId, @Query('acr') acr: string, @Query('sub') sub = 'sub-1'): Promise<object> {
    await storeSignedIn(req, identityOf(platform, acr, sub), undefined, undefined, true);
    return {};
  }
}

/** The application's own user, from its `validate()` hook. */
@Injectable()
class AccountGuard extends FcPlusGuard {
  protected override validate(identity: FcIdentity): unknown {
    if (identity.sub === 'closed') throw new ForbiddenException('This account is closed');
    return { accountId: `account-of-${identity.sub}`, platform: identity.platform };
  }
}

@Controller()
class PagesController {
  @Get('letters')
  @UseGuards(FcGuard)
  letters(@Req() req: Request): unknown {
    return req.user;
  }

  @Get('letters/eidas2')
  @RequireEidas('eidas2')
  @UseGuards(FcGuard)
  lettersAtEidas2(@Req() req: Request): unknown {
    return req.user;
  }

  @Get('tax')
  @UseGuards(FcPlusGuard)
  tax(@Req() req: Request): unknown {
    return req.user;
  }

  @Get('tax/eidas3')
  @RequireEidas('eidas3')
  @UseGuards(FcPlusGuard)
  taxAtEidas3(@Req() req: Request): unknown {
    return req.user;
  }

  @Get('account')
  @UseGuards(AccountGuard)
  account(@Req() req: Request): unknown {
    return req.user;
  }

  @Get('auth/fcp/login')
  @SignInRoute()
  @UseGuards(FcPlusGuard)
  login(): void {}
}

describe('FcGuard and FcPlusGuard, with the platforms out of reach', () => {
  let app: INestApplication;
  let appUrl: string;

  beforeAll(async () => {
    // A closed local port: the background discovery fails quietly, nothing leaves the machine.
    const unreachable = 'http://127.0.0.1:9';
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnect: { issuer: `${unreachable}/fc/api/v2`, clientId: 'fc-client', clientSecret: 'fc-secret', redirectUri: 'http://127.0.0.1:9/auth/fc/callback' },
          franceConnectPlus: { issuer: `${unreachable}/fcp/api/v2`, clientId: 'fcp-client', clientSecret: 'fcp-secret', redirectUri: 'http://127.0.0.1:9/auth/fcp/callback' },
          allowInsecureHttp: true,
          keys: { jwks: { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] } },
          defaultReturnTo: '/home',
        }),
      ],
      controllers: [PagesController, SignedInFixture],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.use(franceConnectSession({ secrets: 'session-secret-0123456789abcdef0123456789', secure: false }));
    await app.listen(0, '127.0.0.1');
    appUrl = await app.getUrl();
  });
  afterAll(async () => app?.close());

  /** A browser stand-in holding a session with these people, the last one current. */
  async function browserSignedInAs(...people: [PlatformId, string, string?][]): Promise<HttpAgent> {
    const agent = new HttpAgent();
    for (const [platform, acr, sub] of people) {
      const query = new URLSearchParams({ platform, acr, ...(sub && { sub }) });
      expect((await agent.get(`${appUrl}/fixture/sign-in?${query}`)).status).toBe(200);
    }
    return agent;
  }

  async function asApi(agent: HttpAgent, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const answer = await agent.request(`${appUrl}${path}`, { headers: { accept: 'application/json' } });
    return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
  }

  it("lets a person signed in with the guard's platform through, with that platform's identity as req.user", async () => {
    // FranceConnect+ first, then FranceConnect: the session's current identity is the FranceConnect one.
    const agent = await browserSignedInAs(['fcp', 'eidas2', 'plus-sub'], ['fc', 'eidas1', 'fc-sub']);
    expect(await asApi(agent, '/tax')).toMatchObject({ status: 200, body: { platform: 'fcp', sub: 'plus-sub', acr: 'eidas2' } });
    expect(await asApi(agent, '/letters')).toMatchObject({ status: 200, body: { platform: 'fc', sub: 'fc-sub', acr: 'eidas1' } });
  });

  it('does not take an identity of the other platform', async () => {
    const agent = await browserSignedInAs(['fcp', 'eidas3']);
    expect(await asApi(agent, '/letters')).toEqual({
      status: 401,
      body: expect.objectContaining({ code: 'FC_NOT_AUTHENTICATED', platform: 'fc', required_acr: 'eidas1', current_acr: null }),
    });
  });

  it('answers an API client 401 with no one signed in, and 403 with a level too low, naming both levels', async () => {
    expect(await asApi(new HttpAgent(), '/tax')).toEqual({
      status: 401,
      body: expect.objectContaining({ code: 'FC_NOT_AUTHENTICATED', platform: 'fcp', required_acr: 'eidas2', current_acr: null }),
    });
    const agent = await browserSignedInAs(['fcp', 'eidas2']);
    expect(await asApi(agent, '/tax/eidas3')).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'FC_EIDAS_LEVEL_TOO_LOW', platform: 'fcp', required_acr: 'eidas3', current_acr: 'eidas2' }),
    });
    expect((await asApi(await browserSignedInAs(['fcp', 'eidas3']), '/tax/eidas3')).status).toBe(200);
  });

  it('sends no browser to FranceConnect for a level it cannot return', async () => {
    const answer = await new HttpAgent().get(`${appUrl}/letters/eidas2`);
    expect(answer.status).toBe(401);
    expect(answer.location).toBeUndefined();
    expect(answer.body).toContain('FC_NOT_AUTHENTICATED');
  });

  it('fails closed with 503 when a browser must be sent to a platform that cannot be reached', async () => {
    const answer = await new HttpAgent().get(`${appUrl}/tax`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.body).toContain('FC_PROVIDER_UNAVAILABLE');
  });

  it('sends a person already signed in from the login route to a same-site returnTo, else to defaultReturnTo', async () => {
    const agent = await browserSignedInAs(['fcp', 'eidas2']);
    const back = await agent.get(`${appUrl}/auth/fcp/login?returnTo=${encodeURIComponent('/tax?year=2024')}`);
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/tax?year=2024');
    for (const foreign of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const answer = await agent.get(`${appUrl}/auth/fcp/login?returnTo=${encodeURIComponent(foreign)}`);
      expect(answer.headers.get('location'), foreign).toBe('/home');
    }
  });

  it("hands the handler what validate() returns as req.user, and refuses whom it refuses", async () => {
    expect(await asApi(await browserSignedInAs(['fcp', 'eidas2', 'abc']), '/account')).toEqual({ status: 200, body: { accountId: 'account-of-abc', platform: 'fcp' } });
    expect(await asApi(await browserSignedInAs(['fcp', 'eidas2', 'closed']), '/account')).toMatchObject({ status: 403, body: { message: 'This account is closed' } });
    // validate() only sees people the guard let through.
    expect((await asApi(new HttpAgent(), '/account')).status).toBe(401);
  });

  it('lets no unknown level in the session satisfy a route', async () => {
    const agent = await browserSignedInAs(['fcp', 'eidas0']);
    expect(await asApi(agent, '/tax')).toMatchObject({ status: 403, body: { code: 'FC_EIDAS_LEVEL_TOO_LOW', current_acr: 'eidas0' } });
  });

  it('answers an API client with the OAuth fields and the levels, nothing more', async () => {
    const { body } = await asApi(new HttpAgent(), '/letters');
    expect(Object.keys(body).toSorted()).toEqual(['code', 'current_acr', 'error', 'error_description', 'platform', 'required_acr']);
    expect(body.error).toBe('login_required');
  });
});
