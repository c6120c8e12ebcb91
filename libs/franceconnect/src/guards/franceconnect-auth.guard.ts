import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { PlatformId } from '../errors/franceconnect.errors.js';
import { SignInRedirect } from '../errors/sign-in-redirect.js';
import { SignInService, type StartSignInOptions } from '../oidc/sign-in.service.js';

/**
 * Guard of a platform's login and callback routes. On the login route it sends the browser to the
 * platform; on the callback route it completes the sign-in, stores the identity in a session with a new id
 * and sends the browser back to the page the sign-in was started for. Failures become a clear page (or an
 * OAuth-style JSON body) through the library's exception filter.
 *
 * Subclass it to change how a sign-in starts: override {@link signInOptions}.
 */
@Injectable()
export abstract class FranceConnectAuthGuard implements CanActivate {
  /** The platform this guard signs in with. */
  protected abstract readonly platform: PlatformId;

  constructor(protected readonly signIn: SignInService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const outcome = this.signIn.isCallback(req)
      ? await this.signIn.complete(this.platform, req)
      : await this.signIn.start(this.platform, req, this.signInOptions(req));
    throw new SignInRedirect(outcome.kind === 'redirect' ? outcome.url : outcome.returnTo);
  }

  /**
   * Options of a sign-in started on the login route. By default the page to come back to is read from
   * a `returnTo` query parameter, accepted only when it is a path on this site.
   */
  protected signInOptions(req: Request): StartSignInOptions {
    const returnTo = req.query.returnTo;
    return { returnTo: typeof returnTo === 'string' ? returnTo : undefined };
  }
}
