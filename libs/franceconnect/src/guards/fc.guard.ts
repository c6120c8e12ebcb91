import { Injectable } from '@nestjs/common';
import { FranceConnectAuthGuard } from './franceconnect-auth.guard.js';

/**
 * Signs in with FranceConnect (`eidas1`). Put it on the login route and on the callback route registered
 * with FranceConnect; their handlers never run, the guard answers with redirects.
 *
 * @example
 * ```ts
 * @Controller('auth/fc')
 * export class FcController {
 *   @Get('login') @UseGuards(FcGuard) login(): void {}
 *   @Get('callback') @UseGuards(FcGuard) callback(): void {}
 * }
 * ```
 */
@Injectable()
export class FcGuard extends FranceConnectAuthGuard {
  protected readonly platform = 'fc' as const;
}
