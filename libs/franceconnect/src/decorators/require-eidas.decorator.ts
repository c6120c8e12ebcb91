import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import type { EidasLevel } from '../acr/eidas.js';
import { REQUIRE_EIDAS_METADATA } from '../franceconnect.constants.js';
import { EidasGuard } from '../guards/eidas.guard.js';


/**
 * Requires an eIDAS level on a handler or a whole controller (the handler's level wins). A browser whose
 * session level is too low, or who is not signed in, is sent to sign in at that level (FranceConnect+ for
 * `eidas2`/`eidas3`) and comes back to the same page; an API client gets 401 or 403 naming both levels.
 *
 * @example
 * ```ts
 * @Get('tax-return') @RequireEidas('eidas2') taxReturn(@FcUser() user: FcIdentity) { … }
 * ```
 */
export function RequireEidas(level: EidasLevel): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRE_EIDAS_METADATA, level), UseGuards(EidasGuard));
}
