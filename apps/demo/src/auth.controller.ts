import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import { FcGuard, FcPlusGuard, LogoutGuard } from '../../../libs/franceconnect/src/index.js';

/** Sign-in and logout routes. The guards answer with redirects, so the handlers are empty. */
@Controller('auth')
export class AuthController {
  /** Starts a FranceConnect+ sign-in (optionally `?returnTo=/a/page`). */
  @Get('fcp/login')
  @UseGuards(FcPlusGuard)
  fcpLogin(): void {}

  /** The callback registered with FranceConnect+. */
  @Get('fcp/callback')
  @UseGuards(FcPlusGuard)
  fcpCallback(): void {}

  /** Starts a FranceConnect sign-in. */
  @Get('fc/login')
  @UseGuards(FcGuard)
  fcLogin(): void {}

  /** The callback registered with FranceConnect. */
  @Get('fc/callback')
  @UseGuards(FcGuard)
  fcCallback(): void {}

  /** Logout: a POST from this site's own form. */
  @Post('logout')
  @UseGuards(LogoutGuard)
  logout(): void {}

  /** The `post_logout_redirect_uri` registered with both platforms. */
  @Get('logout/callback')
  @UseGuards(LogoutGuard)
  logoutCallback(): void {}
}
