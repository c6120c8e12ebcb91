import { createHash } from 'node:crypto';
import type { Request } from 'express';
import * as client from 'openid-client';
import { Strategy, type AuthenticateOptions, type VerifyFunctionWithRequest } from 'openid-client/passport';
import type { StrategyCreated, StrategyCreatedStatic } from 'passport';
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
  readonly nonce: string;
  /** The PKCE verifier whose S256 challenge was sent. */
  readonly codeVerifier: string;
  readonly acr: EidasLevel;
  readonly returnTo: string;
}

/** Options of one authentication attempt, on top of openid-client's. */
export interface FranceConnectAuthenticateOptions extends AuthenticateOptions {
  /** Level to ask for; default the platform's `acrValues`. */
  acr?: EidasLevel;
  /** Same-site path to return to after sign-in; validated by the caller. */
  returnTo?: string;
  /**
   * Receives what was asked for, so the caller can store the transaction. Without it, the strategy keeps
   * the transaction in the session, where its callback reads it (use with `passport.authenticate()`).
   */
  onAuthorizationRequest?: (draft: AuthorizationDraft) => void;
}

/**
 * Passport strategy for one platform, over openid-client's: it starts a sign-in as FranceConnect requires,
 * and leaves the callback (code exchange, token checks) to openid-client's strategy.
 *
 * openid-client's strategy only sends `state` when the provider does not advertise PKCE and `nonce` only in
 * implicit or hybrid flows; FranceConnect requires both on every request (at least 32 characters; 32
 * random bytes give 43) and rejects a request without `acr_values`. So this strategy builds the
 * authorization request itself, in one step: `state`, `nonce`, PKCE S256, `acr_values`, the `amr` claims
 * request, `redirect_uri` and `scope`. What it asked for (with the level and the return path) goes to
 * `onAuthorizationRequest` when given (the library's sign-in service keeps it as the sign-in's transaction,
 * and its callback checks the level it gets against the level it asked for), else to the session, as
 * openid-client's strategy does.
 */
export class FranceConnectStrategy extends Strategy {
  constructor(
    private readonly config: client.Configuration,
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

  /**
   * Passport's entry point. Passport (or the library's sign-in service) calls it on a per-request object
   * whose prototype is this strategy, with the completion actions (`redirect`, `success`, `fail`, `error`).
   */
  override authenticate<TOptions extends AuthenticateOptions>(req: Request, options: TOptions): void {
    const attempt = this as unknown as StrategyCreated<FranceConnectStrategy, FranceConnectStrategy & StrategyCreatedStatic>;
    if (isPlatformAnswer(req)) {
      Strategy.prototype.authenticate.call(attempt, req, options);
      return;
    }
    try {
      attempt.redirect(this.authorizationUrl(req, options as FranceConnectAuthenticateOptions));
    } catch (error) {
      attempt.error(error as Error);
    }
  }

  /** A sign-in starts on any request that does not carry the platform's answer. */
  override shouldInitiateAuthRequest(req: Request): boolean {
    return !isPlatformAnswer(req);
  }

  private authorizationUrl(req: Request, options: FranceConnectAuthenticateOptions): string {
    const { acr = this.platform.acrValues, returnTo = '/', onAuthorizationRequest } = options;
    const codeVerifier = client.randomPKCECodeVerifier();
    const draft: AuthorizationDraft = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, acr, returnTo };
    const url = client.buildAuthorizationUrl(this.config, {
      redirect_uri: this.platform.redirectUri,
      scope: this.platform.scope,
      state: draft.state,
      nonce: draft.nonce,
      acr_values: acr,
      // The only use FranceConnect makes of the claims parameter: without it, the ID token carries no amr.
      claims: AMR_CLAIMS_REQUEST,
      code_challenge: pkceChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    if (onAuthorizationRequest) {
      onAuthorizationRequest(draft);
    } else {
      // Used on its own with passport.authenticate(): the transaction goes where openid-client's strategy
      // reads it back at the callback.
      if (!req.session) throw new Error('FranceConnect sign-in needs a session (express-session) before passport.authenticate()');
      (req.session as unknown as Record<string, unknown>)[strategySessionKey(this.platform.id)] = {
        code_verifier: codeVerifier,
        nonce: draft.nonce,
        state: draft.state,
      };
    }
    return url.href;
  }
}

/**
 * Whether a request carries a platform's answer (a callback: `code`, `error` or `response`, or any method
 * but GET) rather than starting a sign-in.
 */
export function isPlatformAnswer(req: Request): boolean {
  const query = (req.query ?? {}) as Record<string, unknown>;
  return req.method !== 'GET' || 'code' in query || 'error' in query || 'response' in query;
}

/** The PKCE S256 challenge of a verifier (RFC 7636 §4.2), computed in place rather than on the thread pool. */
function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}
