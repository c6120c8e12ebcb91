/**
 * FranceConnect's rules for authorization requests that end with an error sent back to the service
 * (`error`, `state` and `iss` on its redirect_uri), rather than on FranceConnect's error page (those run
 * before oidc-provider: see core-checks.ts). They run as oidc-provider `extraParams` validators, which
 * oidc-provider calls once the client and its redirect_uri are known.
 */
import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { isPlatformAcr, type PlatformDefinition } from './platforms.js';

type Validator = (ctx: KoaContextWithOIDC, value: string | undefined) => void;

/**
 * The level kept from `acr_values` (core-checks.ts rewrote it to one level with `pickAcr`) must be one the
 * platform serves, or the service receives `invalid_acr`: `CoreAcrService.rejectInvalidAcr`
 * (`back/libs/core/src/services/core-acr.service.ts`), called by `CoreFcpController.getInteraction`
 * (`back/apps/core-fcp/src/controllers/core-fcp.controller.ts`), with its description.
 */
function acrValuesRule(platform: PlatformDefinition): Validator {
  return (_ctx, value) => {
    if (!isPlatformAcr(platform, value)) {
      throw new errors.CustomOIDCProviderError(
        'invalid_acr',
        `acr_value is not valid, should be equal one of these values, expected ${platform.acrValues.join(',')}, got ${String(value)}`,
      );
    }
  };
}

/** The `extraParams` configuration: validators for standard parameters. */
export function requestRules(platform: PlatformDefinition): NonNullable<Configuration['extraParams']> {
  return {
    acr_values: acrValuesRule(platform),
  };
}
