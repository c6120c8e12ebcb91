/**
 * Errors raised by the library: one root, {@link FranceConnectError}, and one class per stable `code`, as
 * `jose` does. How each code is answered over HTTP (status, OAuth `error` of JSON bodies) is written once,
 * in {@link ERROR_ANSWERS}, which the exception filter and the README's error table follow. Messages say
 * what happened and what to do; they never contain a token or personal data.
 */

import type { PlatformId } from '../platforms.js';

/** How an error is answered: where it surfaces, its HTTP status and the OAuth 2.0 `error` of JSON bodies. */
export interface ErrorAnswer {
  /** `http`: answered to a request; `start-up`: stops the application; `cli`: the command line; `call`: thrown to the calling code. */
  readonly surfaces: 'http' | 'start-up' | 'cli' | 'call';
  readonly status: number;
  readonly oauthError: string;
}

const answer = (status: number, oauthError: string): ErrorAnswer => ({ surfaces: 'http', status, oauthError });
const notAnswered = (surfaces: ErrorAnswer['surfaces']): ErrorAnswer => ({ surfaces, status: 500, oauthError: 'server_error' });

/**
 * Every code the library raises and how it is answered. A code raised outside a request (start-up, the
 * command line, a call to the library) is answered 500 `server_error` should it ever reach the exception
 * filter. `FC_CALLBACK_ERROR` takes its status from the platform's error (see {@link CallbackError}).
 */
export const ERROR_ANSWERS = Object.freeze({
  FC_ERROR: answer(500, 'server_error'),
  FC_CONFIGURATION_INVALID: notAnswered('start-up'),
  FC_KEYS_INVALID: notAnswered('start-up'),
  FC_KEY_ROTATION_REFUSED: notAnswered('cli'),
  FC_KEY_FILE_INVALID: notAnswered('cli'),
  FC_CLI_USAGE: notAnswered('cli'),
  FC_CONFIG_FILE_INVALID: notAnswered('cli'),
  FC_IDENTITY_CONFIGURATION_INVALID: notAnswered('start-up'),
  FC_IDENTITY_SIGN_IN_INVALID: notAnswered('call'),
  FC_PROVIDER_UNAVAILABLE: answer(503, 'temporarily_unavailable'),
  FC_SESSION_STORE_UNAVAILABLE: answer(503, 'temporarily_unavailable'),
  FC_IDENTITY_STORE_UNAVAILABLE: answer(503, 'temporarily_unavailable'),
  FC_TOO_MANY_SIGN_INS: answer(429, 'temporarily_unavailable'),
  FC_PLATFORM_ANSWER_TOO_LARGE: answer(502, 'server_error'),
  FC_STATE_INVALID: answer(400, 'invalid_request'),
  FC_ISSUER_MISMATCH: answer(400, 'invalid_request'),
  FC_TRANSACTION_EXPIRED: answer(400, 'invalid_request'),
  FC_CALLBACK_ERROR: answer(400, 'server_error'),
  FC_ACR_INVALID: answer(401, 'invalid_grant'),
  FC_ACR_TOO_LOW: answer(401, 'invalid_grant'),
  FC_ID_TOKEN_INVALID: answer(401, 'invalid_grant'),
  FC_ENCRYPTION_REQUIRED: answer(401, 'invalid_grant'),
  FC_USERINFO_INVALID: answer(401, 'invalid_grant'),
  FC_TOKEN_REQUEST_FAILED: answer(401, 'invalid_grant'),
  FC_CLIENT_AUTHENTICATION_FAILED: answer(500, 'server_error'),
  FC_CLIENT_METADATA_INVALID: answer(500, 'server_error'),
  FC_NOT_AUTHENTICATED: answer(401, 'login_required'),
  FC_EIDAS_LEVEL_TOO_LOW: answer(403, 'insufficient_user_authentication'),
  FC_CROSS_SITE_REQUEST: answer(403, 'access_denied'),
  FC_LOGOUT_STATE_INVALID: answer(400, 'invalid_request'),
  FC_SESSION_MISSING: answer(500, 'server_error'),
  FC_SESSION_COOKIE_NOT_SENT: answer(500, 'server_error'),
  FC_INTERNAL_ERROR: answer(500, 'server_error'),
} satisfies Record<string, ErrorAnswer>);

/** A stable code of the library's errors. */
export type FranceConnectErrorCode = keyof typeof ERROR_ANSWERS;

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

/** Root of every error the library raises: `error instanceof FranceConnectError`, then switch on `code`. */
export class FranceConnectError extends Error {
  /** Stable machine-readable code, e.g. `FC_STATE_INVALID`. */
  readonly code: FranceConnectErrorCode = 'FC_ERROR';
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

  /** HTTP status sent to the client, from {@link ERROR_ANSWERS}. */
  get status(): number {
    return answerFor(this.code).status;
  }

  /** OAuth 2.0 `error` value used in JSON bodies, from {@link ERROR_ANSWERS}. */
  get oauthError(): string {
    return answerFor(this.code).oauthError;
  }
}

/** The answer of a code; a code of no row (a subclass outside the library) is answered as the root's. */
function answerFor(code: string): ErrorAnswer {
  // Own keys only: a code such as `__proto__` or `constructor` must not reach the prototype.
  return Object.hasOwn(ERROR_ANSWERS, code) ? ERROR_ANSWERS[code as FranceConnectErrorCode] : ERROR_ANSWERS.FC_ERROR;
}

/**
 * A configuration that cannot be used, with every problem found (not only the first one), each saying
 * how to fix it, so that it can be corrected in one go. The base of the module's, the keys' and identity
 * linking's configuration errors.
 */
export class ConfigurationError extends FranceConnectError {
  /** One sentence per problem, each saying how to fix it. */
  readonly problems: readonly string[];

  /**
   * @param subject what is configured, for the first line: "Invalid {subject} configuration (n problems):".
   * @param problems every problem found; the message lists them all.
   */
  constructor(subject: string, problems: readonly string[], options: FranceConnectErrorOptions = {}) {
    super(
      `Invalid ${subject} configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
      options,
    );
    this.problems = Object.freeze([...problems]);
  }
}

/** The module options are invalid. Raised at start-up with every problem listed. */
export class FranceConnectConfigurationError extends ConfigurationError {
  override readonly code = 'FC_CONFIGURATION_INVALID';

  constructor(problems: readonly string[], options?: FranceConnectErrorOptions) {
    super('FranceConnect', problems, options);
  }
}

/** The platform could not be reached (discovery, token or userinfo endpoint down or too slow). */
export class ProviderUnavailableError extends FranceConnectError {
  override readonly code = 'FC_PROVIDER_UNAVAILABLE';
}

/** The session or transaction store (e.g. Redis) cannot be reached: the library fails closed. */
export class SessionStoreUnavailableError extends FranceConnectError {
  override readonly code = 'FC_SESSION_STORE_UNAVAILABLE';
}

/** The identity link store (the database) cannot be reached: the sign-in fails, nothing is half-written. */
export class IdentityStoreUnavailableError extends FranceConnectError {
  override readonly code = 'FC_IDENTITY_STORE_UNAVAILABLE';
}

/**
 * This client started more sign-ins than `signInRateLimit` allows: it waits `retryAfterSeconds`. Sign-ins
 * already started, and people already signed in, are not affected.
 */
export class TooManySignInsError extends FranceConnectError {
  override readonly code = 'FC_TOO_MANY_SIGN_INS';
}

/**
 * An answer of the platform (discovery, JWKS, token, userinfo) was larger than `maxAnswerBytes`: it is
 * not read. No platform answer comes near the limit; something between the service and the platform is
 * wrong.
 */
export class PlatformAnswerTooLargeError extends FranceConnectError {
  override readonly code = 'FC_PLATFORM_ANSWER_TOO_LARGE';
}

/** The callback carried no sign-in transaction: missing, unknown, already used or from another browser. */
export class StateMismatchError extends FranceConnectError {
  override readonly code = 'FC_STATE_INVALID';
}

/**
 * The callback's `iss` names another issuer than the platform whose callback it reached: an answer of one
 * platform delivered to the other (mix-up attack, RFC 9207), refused before any token request.
 */
export class IssuerMismatchError extends FranceConnectError {
  override readonly code = 'FC_ISSUER_MISMATCH';
}

/** The sign-in transaction is older than the allowed lifetime. */
export class TransactionExpiredError extends FranceConnectError {
  override readonly code = 'FC_TRANSACTION_EXPIRED';
}

/** The platform answered the callback with an OAuth error (`access_denied`, `invalid_acr`, ...). */
export class CallbackError extends FranceConnectError {
  override readonly code = 'FC_CALLBACK_ERROR';
  /** The platform's `error`, sanitised; also the OAuth `error` of the JSON body. */
  readonly platformError: string;
  /** The platform's `error_description`, sanitised (control characters removed, length capped). */
  readonly description?: string;

  constructor(error: string, description: string | undefined, options: FranceConnectErrorOptions = {}) {
    const safeError = sanitiseProviderText(error, 64) || 'server_error';
    const safeDescription = description === undefined ? undefined : sanitiseProviderText(description, 300);
    super(`The platform answered the sign-in with "${safeError}"${safeDescription ? `: ${safeDescription}` : ''}`, options);
    this.platformError = safeError;
    this.description = safeDescription;
  }

  /** 401 for `access_denied`, 502 for `server_error`, 503 for `temporarily_unavailable`, 400 for the others. */
  override get status(): number {
    // Own keys only: an error named `__proto__` or `constructor` must not reach the prototype.
    return Object.hasOwn(CALLBACK_ERROR_STATUS, this.platformError) ? CALLBACK_ERROR_STATUS[this.platformError]! : super.status;
  }

  override get oauthError(): string {
    return this.platformError;
  }
}

const CALLBACK_ERROR_STATUS: Readonly<Record<string, number>> = {
  access_denied: 401,
  server_error: 502,
  temporarily_unavailable: 503,
};

/** The returned eIDAS level (`acr`) is missing, unknown, or lower than the level that was asked for. */
export class AcrError extends FranceConnectError {
  override readonly code: FranceConnectErrorCode = 'FC_ACR_INVALID';
}

/** The returned eIDAS level is known but lower than the level that was asked for. */
export class AcrTooLowError extends AcrError {
  override readonly code = 'FC_ACR_TOO_LOW';
}

/** An ID token failed a check: signature, algorithm, issuer, audience, expiry, nonce or encryption. */
export class IdTokenError extends FranceConnectError {
  override readonly code: FranceConnectErrorCode = 'FC_ID_TOKEN_INVALID';
}

/** A FranceConnect+ answer (ID token or userinfo) arrived unencrypted. */
export class EncryptionRequiredError extends IdTokenError {
  override readonly code = 'FC_ENCRYPTION_REQUIRED';
}

/** The userinfo answer failed a check: signature, encryption, format, or `sub` different from the ID token's. */
export class UserInfoError extends FranceConnectError {
  override readonly code = 'FC_USERINFO_INVALID';
}

/** The token endpoint refused the authorization code (expired, replayed, or issued to another client). */
export class TokenRequestError extends FranceConnectError {
  override readonly code = 'FC_TOKEN_REQUEST_FAILED';
}

/**
 * The platform refused the service's credentials at the token endpoint (`invalid_client`): the client id,
 * the client secret, or with `private_key_jwt` the signing key, do not match the registration. A
 * configuration problem of the service, not of the person.
 */
export class ClientAuthenticationError extends FranceConnectError {
  override readonly code = 'FC_CLIENT_AUTHENTICATION_FAILED';
}

/**
 * The platform refused the service's registration at the token endpoint (`invalid_client_metadata`):
 * on FranceConnect+, most often because it could not read the service's public keys at the JWKS URL
 * registered (not served there, not reachable from the internet, or without a key of the registered
 * algorithm). A configuration problem of the service, not of the person.
 */
export class ClientMetadataError extends FranceConnectError {
  override readonly code = 'FC_CLIENT_METADATA_INVALID';
}

/** A protected route was reached without a signed-in identity. */
export class NotAuthenticatedError extends FranceConnectError {
  override readonly code = 'FC_NOT_AUTHENTICATED';
}

/** The person is signed in, but with an eIDAS level lower than the route requires. */
export class EidasLevelTooLowError extends FranceConnectError {
  override readonly code = 'FC_EIDAS_LEVEL_TOO_LOW';
}

/** A logout request did not come from this site (cross-site POST). */
export class CrossSiteRequestError extends FranceConnectError {
  override readonly code = 'FC_CROSS_SITE_REQUEST';
}

/** The return from the platform's logout carried no `state`, or not the one sent. */
export class LogoutStateError extends FranceConnectError {
  override readonly code = 'FC_LOGOUT_STATE_INVALID';
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
