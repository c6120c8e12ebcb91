import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { EidasLevel } from '../acr/eidas.js';
import { NotAuthenticatedError } from '../errors/franceconnect.errors.js';
import { REQUIRE_EIDAS_METADATA, SIGN_IN_ROUTE_METADATA } from '../franceconnect.constants.js';
import type { StartSignInOptions } from '../oidc/sign-in.service.js';
import type { FranceConnectGuardOptions } from '../passport/franceconnect-passport.strategy.js';

/**
 * The options `FcGuard` and `FcPlusGuard` give their strategy: the level `@RequireEidas()` asks for on the
 * handler or its controller (default the platform's), whether it is a login route (`@SignInRoute()`), and
 * the guard's `signInOptions`.
 */
export function guardOptions(reflector: Reflector, context: ExecutionContext, signInOptions: StartSignInOptions): FranceConnectGuardOptions {
  const targets = [context.getHandler(), context.getClass()];
  const acr = reflector.getAllAndOverride<EidasLevel | undefined>(REQUIRE_EIDAS_METADATA, targets);
  const signInRoute = reflector.getAllAndOverride<boolean | undefined>(SIGN_IN_ROUTE_METADATA, targets) === true;
  const { prompt, returnTo, idpHint, uiLocales } = signInOptions;
  return { acr: acr ?? signInOptions.acr, returnTo, signInRoute, prompts: prompt, idpHint, uiLocales };
}

/**
 * The sign-in options read from the request: a `returnTo` query parameter, where a browser comes back
 * after signing in instead of this page (kept only when it is a path on this site).
 */
export function requestedReturnTo(req: Request): StartSignInOptions {
  const returnTo = req.query.returnTo;
  return typeof returnTo === 'string' ? { returnTo } : {};
}

/** Passport's verdict as the library's: its own errors and redirects as they are, else 401. */
export function passportVerdict<TUser>(error: unknown, user: TUser | false | undefined): TUser {
  if (error) throw error;
  if (!user) throw new NotAuthenticatedError('Sign in with FranceConnect or FranceConnect+ first');
  return user;
}
