import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { SignInRedirect } from '../errors/sign-in-redirect.js';
import { LogoutService } from '../oidc/logout.service.js';
import { assertSameSite } from './same-site.js';

/**
 * Guard of the logout routes: on `POST` (a form button; refused when sent by another site) it closes the
 * local session and sends the browser to the platform's logout; on the `GET` return route registered as
 * `postLogoutRedirectUri` it checks `state` and lands on `afterLogoutPath`. The handlers never run.
 *
 * @example
 * ```ts
 * @Post('auth/logout') @UseGuards(LogoutGuard) logout(): void {}
 * @Get('auth/logout/callback') @UseGuards(LogoutGuard) logoutCallback(): void {}
 * ```
 */
@Injectable()
export class LogoutGuard implements CanActivate {
  constructor(protected readonly logout: LogoutService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method === 'POST') {
      assertSameSite(req);
      throw new SignInRedirect(await this.logout.begin(req));
    }
    throw new SignInRedirect(await this.logout.complete(req));
  }
}
