import * as client from 'openid-client';
import { CallbackError, ClientAuthenticationError, ClientMetadataError, FranceConnectError, IdTokenError, InternalSignInError, PlatformAnswerTooLargeError, ProviderUnavailableError, TokenRequestError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';

/**
 * Turns whatever openid-client, jose or the network threw during a sign-in into one of the library's
 * errors, keeping the original as `cause` for the server log.
 */
export function toFranceConnectError(error: unknown, platform: PlatformId): FranceConnectError {
  if (error instanceof FranceConnectError) return error;
  const tooLarge = answerTooLarge(error);
  if (tooLarge) return tooLarge;
  if (error instanceof client.AuthorizationResponseError) {
    return new CallbackError(error.error, error.error_description, { platform, cause: error });
  }
  if (isNetworkFailure(error)) {
    return new ProviderUnavailableError('The platform did not answer in time', { platform, cause: error });
  }
  const status = unexpectedStatus(error);
  if (status !== undefined && status >= 500) {
    return new ProviderUnavailableError(`The platform failed (HTTP ${status})`, { platform, cause: error });
  }
  if (status !== undefined) {
    return new TokenRequestError(`The platform's token endpoint refused the request (HTTP ${status})`, { platform, cause: error });
  }
  if (error instanceof client.ResponseBodyError) {
    if (error.error === 'server_error' || error.error === 'temporarily_unavailable' || error.status >= 500) {
      return new ProviderUnavailableError(`The platform's token endpoint failed (${error.status})`, { platform, cause: error });
    }
    if (error.error === 'invalid_client') {
      return new ClientAuthenticationError(
        "The platform refused the service's credentials (invalid_client): check the client id and the client secret (or, with private_key_jwt, the signing key published at the registered JWKS URL) against the registration",
        { platform, cause: error },
      );
    }
    if (error.error === 'invalid_client_metadata') {
      return new ClientMetadataError(
        "The platform refused the service's registration (invalid_client_metadata): it could not read the service's public keys at the JWKS URL registered with it; check that this URL serves the JWKS (jwksPath, behind any global prefix) and is reachable by the platform",
        { platform, cause: error },
      );
    }
    return new TokenRequestError(`The platform refused the authorization code (${error.error})`, { platform, cause: error });
  }
  if (isProtocolCheckFailure(error)) {
    return new IdTokenError(`The platform's answer failed a check: ${failureReason(error)}`, { platform, cause: error });
  }
  return new InternalSignInError('The sign-in failed unexpectedly', { platform, cause: error });
}

/**
 * The HTTP error status (4xx, 5xx) of an answer openid-client could not read as an OAuth error, or
 * `undefined`. oauth4webapi only reads an error body (`{ error }`) from a 4xx JSON answer: a 5xx, or an
 * error page, arrives as a non-conform (`OAUTH_RESPONSE_IS_NOT_CONFORM`) or non-JSON
 * (`OAUTH_RESPONSE_IS_NOT_JSON`) response carrying the response, whatever its body says.
 */
export function unexpectedStatus(error: unknown): number | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  if (code !== 'OAUTH_RESPONSE_IS_NOT_CONFORM' && code !== 'OAUTH_RESPONSE_IS_NOT_JSON') return undefined;
  const status = (cause as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 ? status : undefined;
}

/** Errors thrown by openid-client's checks (`OAUTH_*`) or by jose (`ERR_J*`). */
function isProtocolCheckFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('OAUTH_') || code.startsWith('ERR_J'));
}

/** What a decryption failure usually means, and where to look: said after it in the log. */
const UNDECRYPTABLE =
  "it was encrypted to a key this service does not decrypt with (not in its key set, or retired past its grace period), or altered: check that the JWKS published at the URL registered with FranceConnect+ comes from this service's keys (`franceconnect doctor` compares them)";

/**
 * The reason of a failed check, fit for the log: the check that failed and, when openid-client names it,
 * the claim it checked (`nonce`, `iss`…), never the token or the values it carried; after a decryption
 * failure, what usually causes it.
 */
export function failureReason(error: unknown): string {
  return isDecryptionFailure(error) ? `${describe(error)}; ${UNDECRYPTABLE}` : describe(error);
}

/** openid-client's (`OAUTH_DECRYPTION_FAILED`) or jose's (`ERR_JWE_DECRYPTION_FAILED`) failure to decrypt, wherever it sits in the `cause` chain. */
function isDecryptionFailure(error: unknown): boolean {
  return causes(error).some(({ code }) => code === 'OAUTH_DECRYPTION_FAILED' || code === 'ERR_JWE_DECRYPTION_FAILED');
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const claim = causes(error).find((cause) => cause.claim !== undefined)?.claim;
  const named = typeof claim === 'string' && /^[a-z_]{1,32}$/.test(claim) ? `${message} (${claim})` : message;
  return named.slice(0, 200);
}

/** The {@link PlatformAnswerTooLargeError} a size-limited answer failed with, wherever it sits in the `cause` chain. */
export function answerTooLarge(error: unknown): PlatformAnswerTooLargeError | undefined {
  return causes(error).find((cause): cause is PlatformAnswerTooLargeError => cause instanceof PlatformAnswerTooLargeError);
}

/** Timeouts, refused connections and DNS failures, wherever they sit in the `cause` chain. */
export function isNetworkFailure(error: unknown): boolean {
  for (const { name, code, message } of causes(error)) {
    if (name === 'TypeError' && message === 'fetch failed') return true;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  }
  return false;
}

/** Error codes of a connection that failed or timed out. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);

/** An error and its causes, outermost first, at most six deep (a loop of causes ends there too). */
function causes(error: unknown): { name?: unknown; code?: unknown; message?: unknown; claim?: unknown }[] {
  const chain: { name?: unknown; code?: unknown; message?: unknown; claim?: unknown }[] = [];
  for (let current = error; current && typeof current === 'object' && chain.length < 6; current = (current as { cause?: unknown }).cause) {
    chain.push(current as { name?: unknown; code?: unknown; message?: unknown; claim?: unknown });
  }
  return chain;
}
