import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { StartSignInOptions } from '../oidc/sign-in.service.js';
import { FRANCECONNECT_STRATEGY_NAMES, type FranceConnectGuardOptions } from '../passport/franceconnect-passport.strategy.js';
import type { FcIdentity } from '../session/session-state.js';
import { guardOptions, passportVerdict, requestedReturnTo } from './platform-auth.guard.js';

/**
 * Lets through a person signed in with FranceConnect (`eidas1`; a route that requires more cannot be reached with it),
 * and sets `req.user`. A browser without one is sent to sign in with FranceConnect and comes back to the
 * same page; an API client gets 401 (or 403 for a level too low). On the callback route registered with
 * FranceConnect it completes the sign-in. Built on `AuthGuard('franceconnect')` of
 * `@nestjs/passport`, which works the same.
 *
 * Subclass it to change how a sign-in starts: override {@link signInOptions}.
 *
 * @example
 * ```ts
 * @Get('letters') @UseGuards(FcGuard) letters(@FcUser() user: FcIdentity) { … }
 * @Get('fc/callback') @UseGuards(FcGuard) fcCallback(): void {}
 * ```
 */
@Injectable()
export class FcGuard extends AuthGuard(FRANCECONNECT_STRATEGY_NAMES.fc) {
  constructor(protected readonly reflector: Reflector) {
    super();
  }

  override getAuthenticateOptions(context: ExecutionContext): FranceConnectGuardOptions {
    return guardOptions(this.reflector, context, this.signInOptions(context.switchToHttp().getRequest<Request>()));
  }

  override handleRequest<TUser = FcIdentity>(error: unknown, user: TUser | false): TUser {
    return passportVerdict(error, user);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<Request>();
    req.user = (await this.validate(req.user as FcIdentity, req)) as Express.User;
    return true;
  }

  /**
   * Turns the signed-in identity into what the handler reads as `req.user` (Nest's `validate()` idiom):
   * by default the identity itself. Override it to load or create the application's own user; throw a
   * `FranceConnectError` (or an `HttpException`) to refuse the person.
   */
  protected validate(identity: FcIdentity, _req: Request): unknown {
    return identity;
  }

  /** Options of a sign-in this guard starts: by default a same-site `?returnTo=` to come back to. */
  protected signInOptions(req: Request): StartSignInOptions {
    return requestedReturnTo(req);
  }
}
