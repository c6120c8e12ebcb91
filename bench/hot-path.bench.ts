/**
 * The library's own code on the hot path, in process, without HTTP: what a guarded request and a
 * sign-in redirect cost in the library itself, for before/after comparisons of changes to that code
 * (the HTTP benchmarks beside it measure whole requests, where these costs are a small part).
 *
 *   npx vitest bench --run bench/hot-path.bench.ts
 *
 * Each case runs on a signed-in request as the session middleware leaves it (`req.session.franceconnect`
 * with one FranceConnect+ identity at eidas2), through the same calls Nest makes: `canActivate()` of the
 * guards with an execution context, the `@FcUser()` factory, and the exception filter answering a
 * `SignInRedirect` on a minimal response (and, for comparison, a redirect signal that captures its
 * stack, as `SignInRedirect` once did). Also the key check a platform's configuration makes on each
 * sign-in step (start and callback) to notice a key change: `KeyService.decryptionKeysVersion()`.
 */
import 'reflect-metadata';
import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { bench, describe } from 'vitest';
import { AuthenticatedGuard, EidasGuard, FcUser, FranceConnectExceptionFilter, KeyService, RequireEidas, type FcIdentity } from '../libs/franceconnect/src/index.js';
import { generateEncryptionKey, KeySet } from '../libs/franceconnect/src/keys/index.js';
import { SignInRedirect } from '../libs/franceconnect/src/errors/sign-in-redirect.js';
import { type SignInService } from '../libs/franceconnect/src/oidc/sign-in.service.js';
import { commonClaims, findIdentity } from '../libs/fc-emulator/src/index.js';

@Controller('protected')
class ProtectedRoutes {
  @Get('eidas2')
  @RequireEidas('eidas2')
  eidas2(@FcUser() user: FcIdentity): string {
    return user.sub;
  }
}

const identity: FcIdentity = {
  platform: 'fcp',
  sub: `${'a'.repeat(64)}v1`,
  acr: 'eidas2',
  amr: ['pwd', 'mfa'],
  claims: commonClaims(findIdentity('angela-dubois')!),
  idToken: `eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(700)}.${'y'.repeat(86)}`,
  signedInAt: Date.now(),
};

const req = {
  method: 'GET',
  headers: { accept: 'application/json' },
  session: { franceconnect: { identities: { fcp: identity }, current: 'fcp' } },
} as unknown as Request;

const context = {
  switchToHttp: () => ({ getRequest: () => req, getResponse: () => undefined, getNext: () => undefined }),
  getHandler: () => ProtectedRoutes.prototype.eidas2,
  getClass: () => ProtectedRoutes,
  getType: () => 'http',
  getArgs: () => [req],
  getArgByIndex: () => req,
} as unknown as ExecutionContext;

// The guards do not call the sign-in service when the session's identity is enough.
const signIn = { platforms: ['fcp', 'fc'] } as unknown as SignInService;
const authenticated = new AuthenticatedGuard(signIn);
const eidas = new EidasGuard(new Reflector(), signIn);
const filter = new FranceConnectExceptionFilter();

// The factory Nest calls for `@FcUser()`, as it finds it in the route's metadata.
const fcUserArgument = Object.values(
  Reflect.getMetadata(ROUTE_ARGS_METADATA, ProtectedRoutes, 'eidas2') as Record<string, { factory: (data: unknown, ctx: ExecutionContext) => unknown }>,
)[0]!;

/** A response that records what the filter does, as cheaply as possible. */
function minimalResponse(): Response {
  const response = {
    headersSent: false,
    headers: {} as Record<string, string>,
    statusCode: 200,
    setHeader(name: string, value: string) {
      response.headers[name] = value;
      return response;
    },
    status(status: number) {
      response.statusCode = status;
      return response;
    },
    location(location: string) {
      response.headers['Location'] = location;
      return response;
    },
    end() {
      return response;
    },
  };
  return response as unknown as Response;
}

const host = {
  switchToHttp: () => ({ getRequest: () => req, getResponse: minimalResponse }),
} as unknown as Parameters<FranceConnectExceptionFilter['catch']>[1];

const authorizationUrl = `http://localhost:4002/api/v2/authorize?${'p'.repeat(900)}`;

/**
 * For comparison in the same run: a redirect signal that captures its stack, as `SignInRedirect` did
 * before it stopped doing so. It passes the filter's `instanceof SignInRedirect` like the real one.
 */
class StackCapturingRedirect extends Error {
  constructor(readonly location: string) {
    super('Redirect');
    this.name = 'SignInRedirect';
  }
}
Object.setPrototypeOf(StackCapturingRedirect.prototype, SignInRedirect.prototype);

// A key set as a service runs it: one key per encryption algorithm, the registered one first.
const keys = new KeyService(
  undefined,
  await KeySet.fromJwks({
    keys: await Promise.all((['RSA-OAEP-256', 'RSA-OAEP', 'ECDH-ES'] as const).map((alg) => generateEncryptionKey(alg))),
  }),
);

describe('library hot path, in process', () => {
  bench('AuthenticatedGuard.canActivate (signed in)', async () => {
    await authenticated.canActivate(context);
  });
  bench('EidasGuard.canActivate (@RequireEidas("eidas2"), signed in at eidas2)', async () => {
    await eidas.canActivate(context);
  });
  bench('@FcUser() factory', () => {
    fcUserArgument.factory(undefined, context);
  });
  bench('KeyService.decryptionKeysVersion (each sign-in step asks it)', () => {
    keys.decryptionKeysVersion('RSA-OAEP-256');
  });
  bench('SignInRedirect thrown and answered by the exception filter', () => {
    try {
      throw new SignInRedirect(authorizationUrl);
    } catch (error) {
      filter.catch(error as SignInRedirect, host);
    }
  });
  bench('for comparison: the same with a stack captured (SignInRedirect before)', () => {
    try {
      throw new StackCapturingRedirect(authorizationUrl);
    } catch (error) {
      filter.catch(error as SignInRedirect, host);
    }
  });
});
