import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import { FcGuard, FcPlusGuard, LogoutGuard, SignInRoute } from '../../../libs/franceconnect/src/index.js';

/**
 * Sign-in and logout routes. The guards answer with redirects, so the handlers are empty: a login route
 * sends the browser to sign in (or, already signed in with that platform, straight back), a callback
 * completes the sign-in, logout goes through the platforms.
 */
@Controller('auth')
export class AuthController {
  /** Signs in with FranceConnect+ (optionally `?returnTo=/a/page`), or goes back if already signed in. */
  @Get('fcp/login')
  @UseGuards(FcPlusGuard)
  @SignInRoute()
  fcpLogin(): void {}

  /** The callback registered with FranceConnect+. */
  @Get('fcp/callback')
  @UseGuards(FcPlusGuard)
  fcpCallback(): void {}

  /** Signs in with FranceConnect, or goes back if already signed in. */
  @Get('fc/login')
  @UseGuards(FcGuard)
  @SignInRoute()
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
