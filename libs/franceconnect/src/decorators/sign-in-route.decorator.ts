import { SetMetadata } from '@nestjs/common';
import { SIGN_IN_ROUTE_METADATA } from '../franceconnect.constants.js';

/**
 * Marks a login route guarded by `FcPlusGuard` or `FcGuard`: a person not signed in with that platform is
 * sent to sign in and comes back to `?returnTo=` (a path on this site) or `defaultReturnTo`, not to the
 * login route; a person already signed in goes straight there. The handler never runs.
 *
 * @example
 * ```ts
 * @Get('fcp/login') @UseGuards(FcPlusGuard) @SignInRoute() login(): void {}
 * ```
 */
export const SignInRoute = (): MethodDecorator & ClassDecorator => SetMetadata(SIGN_IN_ROUTE_METADATA, true);
