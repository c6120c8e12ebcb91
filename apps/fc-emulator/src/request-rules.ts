/**
 * FranceConnect's rules for authorization requests (docs/franceconnect-contract.md §3–§4) that oidc-provider does not enforce
 * by itself. They run as `extraParams` validators, which oidc-provider calls once the client and its
 * redirect_uri are known: an error thrown here goes back to the client's redirect_uri with `state` and
 * `iss`, as FranceConnect's own callback errors do.
 */
import { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { eidasLevel, resolveRequestedAcr, type PlatformDefinition } from './platforms.js';

/** FranceConnect's documented minimum for `state` and `nonce` (its core checks nonce ≥ 22 only). */
export const MIN_STATE_NONCE_LENGTH = 32;

/** The only `prompt` values FranceConnect accepts. */
const ALLOWED_PROMPTS = new Set(['login', 'consent']);

type Validator = (ctx: KoaContextWithOIDC, value: string | undefined) => void;

function requireRandomValue(name: 'state' | 'nonce'): Validator {
  return (_ctx, value) => {
    if (value === undefined || value === '') {
      throw new errors.InvalidRequest(`${name} is required`);
    }
    if (value.length < MIN_STATE_NONCE_LENGTH) {
      throw new errors.InvalidRequest(`${name} must be at least ${MIN_STATE_NONCE_LENGTH} characters long`);
    }
  };
}

/**
 * `acr_values` is mandatory; unknown values are ignored and the lowest known level wins. None known
 * (e.g. `eidas1` on FC+) gives `invalid_acr`. The parameter is rewritten to the single level kept, so
 * that oidc-provider and the login page only ever see a level this platform serves.
 */
function acrValuesRule(platform: PlatformDefinition): Validator {
  return (ctx, value) => {
    if (value === undefined || value.trim() === '') {
      throw new errors.InvalidRequest(`acr_values is required; use ${platform.acrValues.join(' or ')}`);
    }
    const level = resolveRequestedAcr(platform, value);
    if (level === undefined) {
      throw new errors.CustomOIDCProviderError(
        'invalid_acr',
        `acr_values "${value}" is not supported by ${platform.displayName}; use ${platform.acrValues.join(' or ')}`,
      );
    }
    (ctx.oidc.params as Record<string, unknown>).acr_values = level;
  };
}

function promptRule(): Validator {
  return (_ctx, value) => {
    if (value === undefined) return;
    for (const prompt of value.split(' ').filter(Boolean)) {
      if (!ALLOWED_PROMPTS.has(prompt)) {
        throw new errors.InvalidRequest(`prompt "${prompt}" is not supported; use login and/or consent`);
      }
    }
  };
}

/**
 * FranceConnect answers on the query string only. oidc-provider also offers `form_post` and `fragment`;
 * refuse them, and answer the refusal itself on the query string.
 */
function responseModeRule(): Validator {
  return (ctx, value) => {
    if (value === undefined || value === 'query') return;
    (ctx.oidc.params as Record<string, unknown>).response_mode = undefined;
    throw new errors.InvalidRequest(`response_mode "${value}" is not supported; omit it or use query`);
  };
}

/** The `extraParams` configuration: validators for standard parameters, run in this order. */
export function requestRules(platform: PlatformDefinition): NonNullable<Configuration['extraParams']> {
  return {
    acr_values: acrValuesRule(platform),
    state: requireRandomValue('state'),
    nonce: requireRandomValue('nonce'),
    prompt: promptRule(),
    response_mode: responseModeRule(),
  };
}

/**
 * The interaction policy: oidc-provider's default login and consent prompts, plus a login check for the
 * eIDAS level. An existing session answers without the login page only if the platform allows single
 * sign-on at the requested level (FC+: `eidas2` only) and the session was opened at that level or higher.
 */
export function interactionPolicyFor(platform: PlatformDefinition): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (login === undefined) throw new Error('oidc-provider default policy has no login prompt');
  login.checks.add(
    new interactionPolicy.Check('eidas_level', 'the requested eIDAS level needs a new authentication', (ctx) => {
      const { oidc } = ctx;
      // The login just submitted answers this request, even if the person chose a lower level on purpose.
      if (oidc.result?.login !== undefined || oidc.session?.accountId === undefined) {
        return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      }
      const requested = resolveRequestedAcr(platform, String(oidc.params?.acr_values ?? ''));
      if (requested === undefined || !platform.ssoAllowed(requested)) {
        return interactionPolicy.Check.REQUEST_PROMPT;
      }
      const sessionLevel = eidasLevel(oidc.session?.acr) ?? 0;
      return sessionLevel >= (eidasLevel(requested) ?? Infinity)
        ? interactionPolicy.Check.NO_NEED_TO_PROMPT
        : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );
  return policy;
}
