import * as client from 'openid-client';
import { assertAcrSatisfies } from '../acr/eidas.js';
import { EncryptionRequiredError, IdTokenError, UserInfoError } from '../errors/franceconnect.errors.js';
import type { ResolvedPlatform } from '../options/resolve-options.js';
import type { FcIdentity, HeldAccessToken } from '../session/session-state.js';
import type { SignInTransaction } from '../transactions/transaction-store.interface.js';
import { answerTooLarge, failureReason, isNetworkFailure, toFranceConnectError, unexpectedStatus } from './map-error.js';

type Tokens = client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;

/** A verified sign-in: the identity to keep, and the access token kept server-side for revocation. */
export interface VerifiedSignIn {
  readonly identity: FcIdentity;
  readonly accessToken: HeldAccessToken;
}

/** Options of {@link verifySignIn}. */
export interface VerifySignInOptions {
  /**
   * How far in the future an ID token's `iat` may be, in seconds: the module's `clockToleranceSeconds`.
   * Default {@link MAX_IAT_SKEW_SECONDS}.
   */
  readonly clockToleranceSeconds?: number;
}

/**
 * Bound on a future `iat` when no clock tolerance is given: one ID token lifetime (60 s). A token issued
 * further ahead than it lives comes from a clock that disagrees with ours by more than the token's whole
 * validity, or was minted in advance to be used later.
 */
export const MAX_IAT_SKEW_SECONDS = 60;

/**
 * The checks FranceConnect requires on top of what openid-client already did on the token response
 * (signature with the pinned algorithm, `iss`, `aud`, `exp`, `nonce`, presence of `iat`):
 * - on FranceConnect+, the ID token and userinfo must have been encrypted: openid-client decrypts a JWE
 *   when one comes, but would accept a plain signed token just as well;
 * - `iat` must not be in the future: openid-client only checks that it is a number;
 * - the returned `acr` must be at least the level this transaction asked for;
 * - userinfo must be a signed JWT (pinned by `userinfo_signed_response_alg`) about the same `sub`.
 *
 * @throws {FranceConnectError} naming the check that failed.
 */
export async function verifySignIn(
  platform: ResolvedPlatform,
  config: client.Configuration,
  tokens: Tokens,
  transaction: SignInTransaction,
  options: VerifySignInOptions = {},
): Promise<VerifiedSignIn> {
  const claims = tokens.claims();
  if (!claims) {
    throw new IdTokenError('The token response carries no ID token', { platform: platform.id });
  }
  let idToken = tokens.id_token as string;
  if (platform.encryptionAlg) {
    const decrypted = client.getDecryptedResponses(tokens) as client.DecryptedAuthorizationCodeResponses | undefined;
    const inner = decrypted?.id_token?.token_endpoint;
    if (!inner) {
      throw new EncryptionRequiredError('FranceConnect+ sent an ID token that was not encrypted', { platform: platform.id });
    }
    // The platform expects the signed inner token, not the JWE, as `id_token_hint` at logout.
    idToken = inner;
  }
  // OIDC Core §3.1.3.7 lets the client bound `iat`; oauth4webapi checks `exp` and `nbf` but not this. A
  // token dated in the future is not one the platform just issued for this callback.
  const tolerance = options.clockToleranceSeconds ?? MAX_IAT_SKEW_SECONDS;
  if (typeof claims.iat === 'number' && claims.iat > Math.floor(Date.now() / 1000) + tolerance) {
    throw new IdTokenError('The ID token is dated in the future ("iat"): check the clocks, or the token was not issued now', {
      platform: platform.id,
    });
  }
  const acr = assertAcrSatisfies(claims.acr, transaction.acr, platform.id);

  let userinfo: client.UserInfoResponse;
  try {
    // openid-client checks that userinfo's `sub` equals the ID token's.
    userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  } catch (error) {
    // A platform that is down or answers with an error page is unavailable, not a forger.
    if (isNetworkFailure(error) || answerTooLarge(error) || (unexpectedStatus(error) ?? 0) >= 500) throw toFranceConnectError(error, platform.id);
    throw new UserInfoError(`The platform's userinfo answer failed a check: ${failureReason(error)}`, { platform: platform.id, cause: error });
  }
  if (platform.encryptionAlg && client.getDecryptedResponses(userinfo) === undefined) {
    throw new EncryptionRequiredError('FranceConnect+ sent a userinfo answer that was not encrypted', { platform: platform.id });
  }

  // The identity's claims only: the signed answer's own envelope (issuer, audience, times) is checked
  // above and means nothing to the application. Values the platform sent empty stay as sent: an empty
  // `birthplace` says the person was born abroad.
  const { sub, iss: _iss, aud: _aud, exp: _exp, iat: _iat, nbf: _nbf, jti: _jti, ...userClaims } = userinfo as client.UserInfoResponse & Record<string, unknown>;
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : [];
  return {
    identity: {
      platform: platform.id,
      sub,
      acr,
      amr,
      claims: userClaims,
      idToken,
      signedInAt: Date.now(),
    },
    // Kept only as long as it can be revoked: FranceConnect's access tokens live 60 s.
    accessToken: { token: tokens.access_token, expiresAt: Date.now() + (tokens.expires_in ?? 60) * 1000 },
  };
}
