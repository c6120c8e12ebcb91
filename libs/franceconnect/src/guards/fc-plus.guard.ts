import { Injectable } from '@nestjs/common';
import { FranceConnectAuthGuard } from './franceconnect-auth.guard.js';

/**
 * Signs in with FranceConnect+ (`eidas2` / `eidas3`). Put it on the login route and on the callback
 * route registered with FranceConnect+; their handlers never run, the guard answers with redirects.
 *
 * @example
 * ```ts
 * @Controller('auth/fcp')
 * export class FcPlusController {
 *   @Get('login') @UseGuards(FcPlusGuard) login(): void {}
 *   @Get('callback') @UseGuards(FcPlusGuard) callback(): void {}
 * }
 * ```
 */
@Injectable()
export class FcPlusGuard extends FranceConnectAuthGuard {
  protected readonly platform = 'fcp' as const;
}
