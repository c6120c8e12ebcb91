import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { NotAuthenticatedError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';
import { SignInRedirect } from '../errors/sign-in-redirect.js';
import { SignInService } from '../oidc/sign-in.service.js';
import { currentIdentity } from '../session/session-state.js';
import { wantsHtml } from '../errors/content-negotiation.js';

/**
 * Protects ordinary routes: lets a signed-in person through; sends a browser with no identity to sign in
 * (FranceConnect+ when configured, then back to the same page); answers API clients with 401.
 *
 * @example
 * ```ts
 * @Get('me') @UseGuards(AuthenticatedGuard) me(@FcUser() user: FcIdentity) { return user; }
 * ```
 */
@Injectable()
export class AuthenticatedGuard implements CanActivate {
  constructor(protected readonly signIn: SignInService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (currentIdentity(req)) return true;
    if (req.method !== 'GET' || !wantsHtml(req)) {
      throw new NotAuthenticatedError('Sign in with FranceConnect or FranceConnect+ first');
    }
    const outcome = await this.signIn.start(this.platformFor(req), req, { returnTo: req.originalUrl });
    throw new SignInRedirect(outcome.kind === 'redirect' ? outcome.url : outcome.returnTo);
  }

  /** Platform a browser with no identity is sent to: FranceConnect+ when configured. Override to choose. */
  protected platformFor(_req: Request): PlatformId {
    return this.signIn.platforms.includes('fcp') ? 'fcp' : 'fc';
  }
}
