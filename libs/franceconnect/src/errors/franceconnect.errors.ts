/**
 * Errors raised by the library. Every class carries a stable `code` (documented in the README's error
 * table), the HTTP status a browser or API client receives, and the OAuth `error` value used in JSON
 * bodies. Messages say what happened and what to do; they never contain a token or personal data.
 */

import type { PlatformId } from '../platforms.js';

export type { PlatformId };

/** Options shared by every {@link FranceConnectError}. */
export interface FranceConnectErrorOptions {
  /** The underlying error, kept for server-side diagnosis; never rendered to the client. */
  cause?: unknown;
  /** The platform involved, when there is one. */
  platform?: PlatformId;
  /** Extra fields for the JSON body (no personal data), e.g. the required and current eIDAS levels. */
  details?: Readonly<Record<string, string | number | boolean | null>>;
  /** Seconds after which the client may try again (`Retry-After`). */
  retryAfterSeconds?: number;
}

/** Base class of every error the library raises. */
export class FranceConnectError extends Error {
  /** Stable machine-readable code, e.g. `FC_STATE_INVALID`. */
  readonly code: string = 'FC_ERROR';
  /** HTTP status sent to the client. */
  readonly status: number = 500;
  /** OAuth 2.0 `error` value used in JSON bodies. */
  readonly oauthError: string = 'server_error';
  /** The platform involved, when there is one. */
  readonly platform?: PlatformId;
  /** Extra fields added to the JSON body. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
  /** Seconds after which the client may try again, sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, options: FranceConnectErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.platform = options.platform;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The module options are invalid. Raised at start-up with every problem listed. */
export class FranceConnectConfigurationError extends FranceConnectError {
  override readonly code = 'FC_CONFIGURATION_INVALID';
  /** One line per problem, each saying how to fix it. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid FranceConnect configuration (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.problems = Object.freeze([...problems]);
  }
}

/** The platform could not be reached (discovery, token or userinfo endpoint down or too slow). */
export class ProviderUnavailableError extends FranceConnectError {
  override readonly code = 'FC_PROVIDER_UNAVAILABLE';
  override readonly status = 503;
  override readonly oauthError = 'temporarily_unavailable';
}

/** The session or transaction store (e.g. Redis) cannot be reached: the library fails closed. */
export class SessionStoreUnavailableError extends FranceConnectError {
  override readonly code = 'FC_SESSION_STORE_UNAVAILABLE';
  override readonly status = 503;
  override readonly oauthError = 'temporarily_unavailable';
}

/** The identity link store (the database) cannot be reached: the sign-in fails, nothing is half-written. */
export class IdentityStoreUnavailableError extends FranceConnectError {
  override readonly code = 'FC_IDENTITY_STORE_UNAVAILABLE';
  override readonly status = 503;
  override readonly oauthError = 'temporarily_unavailable';
}

/**
 * This client started more sign-ins than `signInRateLimit` allows: it waits `retryAfterSeconds`. Sign-ins
 * already started, and people already signed in, are not affected.
 */
export class TooManySignInsError extends FranceConnectError {
  override readonly code = 'FC_TOO_MANY_SIGN_INS';
  override readonly status = 429;
  override readonly oauthError = 'temporarily_unavailable';
}

/**
 * An answer of the platform (discovery, JWKS, token, userinfo) was larger than `maxAnswerBytes`: it is
 * not read. No platform answer comes near the limit; something between the service and the platform is
 * wrong.
 */
export class PlatformAnswerTooLargeError extends FranceConnectError {
  override readonly code = 'FC_PLATFORM_ANSWER_TOO_LARGE';
  override readonly status = 502;
}

/** The callback carried no sign-in transaction: missing, unknown, already used or from another browser. */
export class StateMismatchError extends FranceConnectError {
  override readonly code = 'FC_STATE_INVALID';
  override readonly status = 400;
  override readonly oauthError = 'invalid_request';
}

/**
 * The callback's `iss` names another issuer than the platform whose callback it reached: an answer of one
 * platform delivered to the other (mix-up attack, RFC 9207), refused before any token request.
 */
export class IssuerMismatchError extends FranceConnectError {
  override readonly code = 'FC_ISSUER_MISMATCH';
  override readonly status = 400;
  override readonly oauthError = 'invalid_request';
}

/** The sign-in transaction is older than the allowed lifetime. */
export class TransactionExpiredError extends FranceConnectError {
  override readonly code = 'FC_TRANSACTION_EXPIRED';
  override readonly status = 400;
  override readonly oauthError = 'invalid_request';
}

/** The platform answered the callback with an OAuth error (`access_denied`, `invalid_acr`, ...). */
export class CallbackError extends FranceConnectError {
  override readonly code = 'FC_CALLBACK_ERROR';
  override readonly status: number;
  override readonly oauthError: string;
  /** The platform's `error_description`, sanitised (control characters removed, length capped). */
  readonly description?: string;

  constructor(error: string, description: string | undefined, options: FranceConnectErrorOptions = {}) {
    const safeError = sanitiseProviderText(error, 64) || 'server_error';
    const safeDescription = description === undefined ? undefined : sanitiseProviderText(description, 300);
    super(`The platform answered the sign-in with "${safeError}"${safeDescription ? `: ${safeDescription}` : ''}`, options);
    this.oauthError = safeError;
    this.description = safeDescription;
    // Own keys only: an error named `__proto__` or `constructor` must not reach the prototype.
    this.status = Object.hasOwn(CALLBACK_ERROR_STATUS, safeError) ? CALLBACK_ERROR_STATUS[safeError]! : 400;
  }
}

const CALLBACK_ERROR_STATUS: Readonly<Record<string, number>> = {
  access_denied: 401,
  server_error: 502,
  temporarily_unavailable: 503,
};

/** The returned eIDAS level (`acr`) is missing, unknown, or lower than the level that was asked for. */
export class AcrError extends FranceConnectError {
  override readonly code: string = 'FC_ACR_INVALID';
  override readonly status = 401;
  override readonly oauthError = 'invalid_grant';
}

/** The returned eIDAS level is known but lower than the level that was asked for. */
export class AcrTooLowError extends AcrError {
  override readonly code = 'FC_ACR_TOO_LOW';
}

/** An ID token failed a check: signature, algorithm, issuer, audience, expiry, nonce or encryption. */
export class IdTokenError extends FranceConnectError {
  override readonly code: string = 'FC_ID_TOKEN_INVALID';
  override readonly status = 401;
  override readonly oauthError = 'invalid_grant';
}

/** A FranceConnect+ answer (ID token or userinfo) arrived unencrypted. */
export class EncryptionRequiredError extends IdTokenError {
  override readonly code = 'FC_ENCRYPTION_REQUIRED';
}

/** The userinfo answer failed a check: signature, encryption, format, or `sub` different from the ID token's. */
export class UserInfoError extends FranceConnectError {
  override readonly code = 'FC_USERINFO_INVALID';
  override readonly status = 401;
  override readonly oauthError = 'invalid_grant';
}

/** The token endpoint refused the authorization code (expired, replayed, or issued to another client). */
export class TokenRequestError extends FranceConnectError {
  override readonly code = 'FC_TOKEN_REQUEST_FAILED';
  override readonly status = 401;
  override readonly oauthError = 'invalid_grant';
}

/**
 * The platform refused the service's credentials at the token endpoint (`invalid_client`): the client id,
 * the client secret, or with `private_key_jwt` the signing key, do not match the registration. A
 * configuration problem of the service, not of the person.
 */
export class ClientAuthenticationError extends FranceConnectError {
  override readonly code = 'FC_CLIENT_AUTHENTICATION_FAILED';
  override readonly status = 500;
  override readonly oauthError = 'server_error';
}

/**
 * The platform refused the service's registration at the token endpoint (`invalid_client_metadata`):
 * on FranceConnect+, most often because it could not read the service's public keys at the JWKS URL
 * registered (not served there, not reachable from the internet, or without a key of the registered
 * algorithm). A configuration problem of the service, not of the person.
 */
export class ClientMetadataError extends FranceConnectError {
  override readonly code = 'FC_CLIENT_METADATA_INVALID';
  override readonly status = 500;
  override readonly oauthError = 'server_error';
}

/** A protected route was reached without a signed-in identity. */
export class NotAuthenticatedError extends FranceConnectError {
  override readonly code = 'FC_NOT_AUTHENTICATED';
  override readonly status = 401;
  override readonly oauthError = 'login_required';
}

/** The person is signed in, but with an eIDAS level lower than the route requires. */
export class EidasLevelTooLowError extends FranceConnectError {
  override readonly code = 'FC_EIDAS_LEVEL_TOO_LOW';
  override readonly status = 403;
  override readonly oauthError = 'insufficient_user_authentication';
}

/** A logout request did not come from this site (cross-site POST). */
export class CrossSiteRequestError extends FranceConnectError {
  override readonly code = 'FC_CROSS_SITE_REQUEST';
  override readonly status = 403;
  override readonly oauthError = 'access_denied';
}

/** The return from the platform's logout carried no `state`, or not the one sent. */
export class LogoutStateError extends FranceConnectError {
  override readonly code = 'FC_LOGOUT_STATE_INVALID';
  override readonly status = 400;
  override readonly oauthError = 'invalid_request';
}

/**
 * No session middleware ran before the route: the library keeps the signed-in identity in a server-side
 * session (`franceConnectSession()`, or express-session). A configuration problem of the application.
 */
export class SessionMissingError extends FranceConnectError {
  override readonly code = 'FC_SESSION_MISSING';
}

/**
 * The session cookie cannot come back: it is `Secure` and the request reached the application over http
 * (or through a proxy Express does not trust), so express-session does not even send it. Refused before
 * the person is sent to the platform, instead of a sign-in that would start over forever.
 */
export class SessionCookieNotSentError extends FranceConnectError {
  override readonly code = 'FC_SESSION_COOKIE_NOT_SENT';
}

/** An unexpected failure inside the library; details stay in the server log. */
export class InternalSignInError extends FranceConnectError {
  override readonly code = 'FC_INTERNAL_ERROR';
}

/**
 * Makes text that came from the platform or the query string safe to log and render: control characters
 * are dropped and the length is capped, so a hostile callback cannot forge log lines or flood a page.
 */
export function sanitiseProviderText(value: string, maxLength: number): string {
  // eslint-disable-next-line no-control-regex
  const printable = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '');
  return printable.length > maxLength ? `${printable.slice(0, maxLength)}…` : printable;
}
