import * as client from 'openid-client';
import {
  CallbackError,
  FranceConnectError,
  IdTokenError,
  InternalSignInError,
  ProviderUnavailableError,
  TokenRequestError,
  type PlatformId,
} from '../errors/franceconnect.errors.js';

/**
 * Turns whatever openid-client, jose or the network threw during a sign-in into one of the library's
 * errors, keeping the original as `cause` for the server log.
 */
export function toFranceConnectError(error: unknown, platform: PlatformId): FranceConnectError {
  if (error instanceof FranceConnectError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new CallbackError(error.error, error.error_description, { platform, cause: error });
  }
  if (isNetworkFailure(error)) {
    return new ProviderUnavailableError('The platform did not answer in time', { platform, cause: error });
  }
  if (error instanceof client.ResponseBodyError) {
    if (error.error === 'server_error' || error.error === 'temporarily_unavailable' || error.status >= 500) {
      return new ProviderUnavailableError(`The platform's token endpoint failed (${error.status})`, { platform, cause: error });
    }
    return new TokenRequestError(`The platform refused the authorization code (${error.error})`, { platform, cause: error });
  }
  if (isProtocolCheckFailure(error)) {
    return new IdTokenError(`The platform's answer failed a check: ${describe(error)}`, { platform, cause: error });
  }
  return new InternalSignInError('The sign-in failed unexpectedly', { platform, cause: error });
}

/** Errors thrown by openid-client's checks (`OAUTH_*`) or by jose (`ERR_J*`). */
function isProtocolCheckFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('OAUTH_') || code.startsWith('ERR_J'));
}

/** A message fit for the log: the check that failed, never the token or the claims it carried. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}

/** Timeouts, refused connections and DNS failures, wherever they sit in the `cause` chain. */
export function isNetworkFailure(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    const { name, code, message } = current as { name?: string; code?: string; message?: string };
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (code && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'].includes(code)) {
      return true;
    }
    if (name === 'TypeError' && message === 'fetch failed') return true;
  }
  return false;
}
