/**
 * The checks FranceConnect's core runs on a request before oidc-provider sees it, for both platforms.
 * FranceConnect's core is public (`france-connect/sources`, tag fc-392RC1); each rule names the file it
 * comes from. A request these checks refuse ends on FranceConnect's error page and is never sent back to
 * the service.
 */
import type { EmulatorClientConfig } from './clients.js';
import { pickAcr, type PlatformDefinition } from './platforms.js';

/** A request refused before oidc-provider: FranceConnect's error page with this code and status. */
export interface CoreRefusal {
  /** FranceConnect's error code, e.g. `Y030007`. */
  readonly code: string;
  readonly status: number;
  /** OAuth `error` value shown beside the code. */
  readonly error: string;
  /** What was wrong, for the service's developer (FranceConnect itself only shows the code). */
  readonly description: string;
}

/**
 * The only parameters `/authorize` takes, GET or POST: `AuthorizeParamsDto` in
 * `back/apps/core-fcp/src/dto/authorize-params.dto.ts`, validated with `whitelist` and
 * `forbidNonWhitelisted` in `back/apps/core-fcp/src/controllers/oidc-provider.controller.ts`
 * (`getAuthorize`, `postAuthorize`). Anything else, PKCE's `code_challenge` and `response_mode` included,
 * is refused.
 */
export const AUTHORIZE_PARAMETERS: readonly string[] = Object.freeze([
  'client_id',
  'acr_values',
  'claims',
  'response_type',
  'nonce',
  'state',
  'redirect_uri',
  'scope',
  'prompt',
  'idp_hint',
  'ui_locales',
]);

/** Parameters `AuthorizeParamsDto` requires (no `@IsOptional()`). */
const REQUIRED_AUTHORIZE_PARAMETERS: readonly string[] = ['client_id', 'acr_values', 'response_type', 'nonce', 'state', 'redirect_uri', 'scope'];

/** PKCE's parameters, let through only by the emulator's `acceptPkce` option. */
const PKCE_PARAMETERS: readonly string[] = ['code_challenge', 'code_challenge_method'];

/** `@MinLength(22)` on `nonce` in `authorize-params.dto.ts`. */
export const MIN_NONCE_LENGTH = 22;

/**
 * `OidcProvider.allowedPrompt` in `back/instances/core-fcp-{high,low}/src/config/oidc-provider.ts`, checked
 * by `IsValidPrompt` (`back/libs/oidc-provider/src/validators/prompt.validator.ts`, an
 * `ArrayAtLeastOneStringConstraint`: at least one of the values must be allowed).
 */
const ALLOWED_PROMPTS: readonly string[] = ['login', 'consent'];

/** `OidcProviderAuthorizeParamsException`: scope 3, code 7 (`back/libs/oidc-provider/src/exceptions/oidc-provider-authorize-params.exception.ts`). */
export const AUTHORIZE_PARAMS_ERROR = 'Y030007';

/** `CoreClaimAmrException`: scope 10, code 9 (`back/libs/core/src/exceptions/core-claim-amr.exception.ts`). */
export const CLAIM_AMR_ERROR = 'Y100009';

/**
 * Nest's `BadRequestException` rendered by `HttpExceptionFilter` (`back/libs/exceptions/src/filters/http-exception.filter.ts`):
 * scope 0, the HTTP status as code.
 */
export const BAD_REQUEST_ERROR = 'Y000400';

function authorizeRefusal(description: string): CoreRefusal {
  return { code: AUTHORIZE_PARAMS_ERROR, status: 400, error: 'invalid_request', description };
}

/** What {@link checkAuthorizeParameters} needs beside the request. */
export interface AuthorizeCheckOptions {
  /** Let PKCE's parameters through (the emulator's `acceptPkce` option). FranceConnect refuses them. */
  readonly acceptPkce: boolean;
}

/**
 * `AuthorizeParamsDto`'s rules, in `back/apps/core-fcp/src/dto/authorize-params.dto.ts`. Empty `state`,
 * `response_type`, `scope` and `acr_values` pass, as `@IsString()` lets them: oidc-provider and the acr
 * rule then decide.
 */
export function checkAuthorizeParameters(parameters: URLSearchParams, options: AuthorizeCheckOptions): CoreRefusal | undefined {
  const names = [...new Set(parameters.keys())];
  const unknown = names.filter((name) => !AUTHORIZE_PARAMETERS.includes(name) && !(options.acceptPkce && PKCE_PARAMETERS.includes(name)));
  if (unknown.length > 0) {
    return authorizeRefusal(`parameter${unknown.length > 1 ? 's' : ''} not accepted by FranceConnect: ${unknown.join(', ')} (accepted: ${AUTHORIZE_PARAMETERS.join(', ')})`);
  }
  const repeated = names.filter((name) => parameters.getAll(name).length > 1);
  if (repeated.length > 0) {
    return authorizeRefusal(`parameter given more than once: ${repeated.join(', ')}`);
  }
  const missing = REQUIRED_AUTHORIZE_PARAMETERS.filter((name) => !parameters.has(name));
  if (missing.length > 0) {
    return authorizeRefusal(`missing parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }
  // `@IsString() @MinLength(1)`.
  if (parameters.get('client_id') === '') return authorizeRefusal('client_id is empty');
  const nonce = parameters.get('nonce') ?? '';
  if (nonce.length < MIN_NONCE_LENGTH) {
    return authorizeRefusal(`nonce must be at least ${MIN_NONCE_LENGTH} characters long, got ${nonce.length}`);
  }
  // `@IsUrlRequiredTldFromConfig` (`back/libs/common/src/validators/is-url-required-tld-from-config.ts`):
  // an absolute http(s) URL. FranceConnect+ (and FranceConnect's docker stack) also require https and a
  // top-level domain; the emulator runs on localhost, so it takes the FranceConnect integration's setting.
  const redirectUri = parameters.get('redirect_uri') ?? '';
  if (!isHttpUrl(redirectUri)) return authorizeRefusal(`redirect_uri "${redirectUri}" is not an absolute http(s) URL`);
  const prompt = parameters.get('prompt');
  if (prompt !== null) {
    const values = prompt.split(/[ ]+/).filter(Boolean);
    if (!values.some((value) => ALLOWED_PROMPTS.includes(value))) {
      return authorizeRefusal(`prompt "${prompt}" is not accepted: use login and/or consent, or leave it out`);
    }
  }
  return undefined;
}

/**
 * FranceConnect's core rewrites two parameters before oidc-provider reads them
 * (`back/libs/core/src/services/core-oidc-provider-middleware.service.ts`):
 * - `acr_values` becomes the single level `pickAcr` keeps (`overrideAuthorizeAcrValues`);
 * - `prompt` becomes `login consent` whatever was sent (`overrideAuthorizePrompt`, with `forcedPrompt` of
 *   `back/instances/core-fcp-{high,low}/src/config/oidc-provider.ts`): oidc-provider always starts an
 *   interaction, and single sign-on is FranceConnect's own decision (see interactions.ts).
 */
export function rewriteAuthorizeParameters(parameters: URLSearchParams, platform: PlatformDefinition): URLSearchParams {
  const rewritten = new URLSearchParams(parameters);
  rewritten.set('acr_values', pickAcr(platform, parameters.get('acr_values') ?? ''));
  rewritten.set('prompt', 'login consent');
  return rewritten;
}

/**
 * `overrideClaimAmrMiddleware` (`back/libs/core/src/services/core-oidc-provider-middleware.service.ts`): a
 * `claims` request naming `amr` (in `id_token` or `userinfo`) from a service whose registration does not
 * list the `amr` claim stops on the error page Y100009. The `amr` scope does not trigger it.
 */
export function checkAmrClaim(parameters: URLSearchParams, client: EmulatorClientConfig | undefined): CoreRefusal | undefined {
  if (client === undefined || (client.claims ?? []).includes('amr')) return undefined;
  if (!requestedClaimNames(parameters.get('claims')).includes('amr')) return undefined;
  return {
    code: CLAIM_AMR_ERROR,
    status: 400,
    error: 'server_error',
    description: `the claims parameter asks for amr, but the registration of ${client.client_id} does not list the amr claim`,
  };
}

/** Names of the claims asked for with the `claims` request parameter, in either container. */
export function requestedClaimNames(claimsParameter: unknown): string[] {
  if (typeof claimsParameter !== 'string') return [];
  try {
    const parsed = JSON.parse(claimsParameter) as Record<string, unknown>;
    return ['id_token', 'userinfo'].flatMap((container) => {
      const members = parsed?.[container];
      return members !== null && typeof members === 'object' ? Object.keys(members) : [];
    });
  } catch {
    // oidc-provider refuses a malformed claims parameter itself.
    return [];
  }
}

/**
 * `RevocationTokenParamsDTO` (`back/libs/oidc-provider/src/dto/revocation-token-params.dto.ts`), validated
 * with `whitelist` and `forbidNonWhitelisted` in `back/libs/oidc-provider/src/oidc-provider.controller.ts`
 * (`revokeToken`): exactly `token` (at least 43 characters, none of `.*?{}()|[]\` nor white space),
 * `client_id` and `client_secret` (at least 32 ASCII characters). `token_type_hint` and client
 * assertions are refused, so a `private_key_jwt` client cannot revoke.
 */
export function checkRevocationBody(body: URLSearchParams): CoreRefusal | undefined {
  const refusal = (description: string): CoreRefusal => ({ code: BAD_REQUEST_ERROR, status: 400, error: 'invalid_request', description });
  const allowed = ['token', 'client_id', 'client_secret'];
  const names = [...new Set(body.keys())];
  const unknown = names.filter((name) => !allowed.includes(name));
  if (unknown.length > 0) return refusal(`parameter${unknown.length > 1 ? 's' : ''} not accepted: ${unknown.join(', ')} (accepted: ${allowed.join(', ')})`);
  const missing = allowed.filter((name) => !body.has(name));
  if (missing.length > 0) return refusal(`missing parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  const token = body.get('token') ?? '';
  if (token.length < 43 || !/^[^.*?{}()|[\]\s\\]*$/.test(token)) {
    return refusal('token must be at least 43 characters long, without dots, brackets or white space');
  }
  const secret = body.get('client_secret') ?? '';
  // eslint-disable-next-line no-control-regex
  if (secret.length < 32 || !/^[\x00-\x7f]*$/.test(secret)) return refusal('client_secret must be at least 32 ASCII characters long');
  return undefined;
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}
