import type { Request } from 'express';
import * as client from 'openid-client';
import { Strategy, type AuthenticateOptions, type VerifyFunctionWithRequest } from 'openid-client/passport';
import type { EidasLevel } from '../acr/eidas.js';
import type { PlatformId } from '../errors/franceconnect.errors.js';
import type { ResolvedPlatform } from '../options/resolve-options.js';

const AMR_CLAIMS_REQUEST = JSON.stringify({ id_token: { amr: { essential: true } } });

/** Session slot where openid-client's strategy expects the transaction of a platform during a callback. */
export function strategySessionKey(platform: PlatformId): string {
  return `franceconnect:${platform}`;
}

/** What the strategy asked the platform for, read by the service that stores the transaction. */
export interface AuthorizationDraft {
  readonly state: string;
  readonly acr: EidasLevel;
  readonly returnTo: string;
}

/** Options of one authentication attempt, on top of openid-client's. */
export interface FranceConnectAuthenticateOptions extends AuthenticateOptions {
  /** Level to ask for; default the platform's `acrValues`. */
  acr?: EidasLevel;
  /** Same-site path to return to after sign-in; validated by the caller. */
  returnTo?: string;
  /** Receives what was asked for, so the caller can store the transaction. */
  onAuthorizationRequest?: (draft: AuthorizationDraft) => void;
}

/**
 * Passport strategy for one platform, a thin adapter over openid-client's: it adds what FranceConnect
 * requires and openid-client's strategy leaves out.
 *
 * openid-client only sends `state` when the provider does not advertise PKCE and `nonce` only in implicit
 * or hybrid flows; FranceConnect requires both on every request (at least 32 characters; 32 random bytes
 * give 43) and rejects a request without `acr_values`. The `state` is also recorded with the level asked
 * for and the return path (through `onAuthorizationRequest`), so the callback can check the level it gets
 * against the level it asked for.
 */
export class FranceConnectStrategy extends Strategy {
  constructor(
    config: client.Configuration,
    private readonly platform: ResolvedPlatform,
    verify: VerifyFunctionWithRequest,
  ) {
    super(
      {
        config,
        name: platform.strategyName,
        // One transaction slot per platform: a sign-in with FranceConnect and one with FranceConnect+ in
        // two tabs of one browser never overwrite each other.
        sessionKey: strategySessionKey(platform.id),
        callbackURL: platform.redirectUri,
        scope: platform.scope,
        passReqToCallback: true,
      },
      verify,
    );
  }

  override authorizationRequestParams<TOptions extends AuthenticateOptions>(req: Request, options: TOptions): URLSearchParams {
    const { acr = this.platform.acrValues, returnTo = '/', onAuthorizationRequest } = options as FranceConnectAuthenticateOptions;
    const params = new URLSearchParams(super.authorizationRequestParams(req, options));
    const state = client.randomState();
    params.set('state', state);
    params.set('nonce', client.randomNonce());
    params.set('acr_values', acr);
    // The only use FranceConnect makes of the claims parameter: without it, the ID token carries no amr.
    params.set('claims', AMR_CLAIMS_REQUEST);
    onAuthorizationRequest?.({ state, acr, returnTo });
    return params;
  }
}
