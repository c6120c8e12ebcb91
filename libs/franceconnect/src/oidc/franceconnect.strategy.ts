import { createHash } from 'node:crypto';
import type { Request } from 'express';
import * as client from 'openid-client';
import { Strategy, type AuthenticateOptions, type VerifyFunctionWithRequest } from 'openid-client/passport';
import type { StrategyCreated, StrategyCreatedStatic } from 'passport';
import type { EidasLevel } from '../acr/eidas.js';
import type { PlatformId } from '../platforms.js';
import type { ResolvedPlatform } from '../options/resolve-options.js';

const AMR_CLAIMS_REQUEST = JSON.stringify({ id_token: { amr: { essential: true } } });

/**
 * The only parameters FranceConnect's `/authorize` takes (`AuthorizeParamsDto` in
 * `back/apps/core-fcp/src/dto/authorize-params.dto.ts` of `france-connect/sources`, validated with
 * `forbidNonWhitelisted`): any other one ends on FranceConnect's error page Y030007, and the person never
 * comes back to the service.
 */
export const FRANCECONNECT_AUTHORIZE_PARAMETERS: readonly string[] = Object.freeze([
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

/** Session slot where the strategy keeps a transaction when used on its own with `passport.authenticate()`. */
export function strategySessionKey(platform: PlatformId): string {
  return `franceconnect:${platform}`;
}

/** What the strategy asked the platform for, read by the service that stores the transaction. */
export interface AuthorizationDraft {
  readonly state: string;
  readonly nonce: string;
  /** The PKCE verifier whose S256 challenge was sent, when the platform's `pkce` option is on. */
  readonly codeVerifier?: string;
  readonly acr: EidasLevel;
  readonly returnTo: string;
}

/** What a callback checks the platform's answer against: the values its authorization request sent. */
export interface AuthorizationChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier?: string;
}

/** `prompt` values FranceConnect accepts (any other ends on its error page Y030007). */
export type FranceConnectPrompt = 'login' | 'consent';

/** Options of one authentication attempt, on top of openid-client's. */
export interface FranceConnectAuthenticateOptions extends AuthenticateOptions {
  /** Level to ask for; default the platform's `acrValues`. */
  acr?: EidasLevel;
  /** Same-site path to return to after sign-in; validated by the caller. */
  returnTo?: string;
  /**
   * `prompt` sent to the platform. Default none. FranceConnect forces `login consent` itself; a service
   * whose registration allows it may send `login` alone to skip FranceConnect's consent page.
   */
  franceConnectPrompt?: readonly FranceConnectPrompt[];
  /** `idp_hint`: the identity provider to send the person to directly, as FranceConnect names it. Default none. */
  idpHint?: string;
  /** `ui_locales`, accepted and not used by FranceConnect. Default none. */
  uiLocales?: string;
  /**
   * Receives what was asked for, so the caller can store the transaction. Without it, the strategy keeps
   * the transaction in the session, where its callback reads it (use with `passport.authenticate()`).
   */
  onAuthorizationRequest?: (draft: AuthorizationDraft) => void;
  /**
   * On a callback, the values the authorization request sent, from wherever the caller kept them. Without
   * it, the strategy takes them from the session slot `onAuthorizationRequest`'s absence filled.
   */
  checks?: AuthorizationChecks;
}

/**
 * Passport strategy for one platform, over openid-client's.
 *
 * FranceConnect's core takes a closed list of authorization parameters and ends on its error page for
 * anything else (`back/apps/core-fcp/src/dto/authorize-params.dto.ts` in `france-connect/sources`), PKCE's
 * `code_challenge` included, and it requires `state`, a `nonce` of at least 22 characters and
 * `acr_values`. openid-client's strategy always adds PKCE, sends `state` only when the provider does not
 * advertise PKCE and `nonce` only in implicit or hybrid flows, and its callback requires a PKCE verifier.
 * So this strategy builds the authorization request itself, in one step (`state`, `nonce`, `acr_values`,
 * `redirect_uri`, `scope`, and only when configured the `amr` claims request, `prompt`, `idp_hint`,
 * `ui_locales` and PKCE), and runs the callback's code grant with openid-client's functions.
 *
 * Without PKCE, the code is still bound to this browser and this service: the service is a confidential
 * client (its secret or signed assertion at the token endpoint), `state` is single-use and bound to the
 * browser that started the sign-in (the sign-in service's transaction and browser cookie), and `nonce`
 * binds the ID token to the same transaction.
 *
 * What it asked for (with the level and the return path) goes to `onAuthorizationRequest` when given
 * (the library's sign-in service keeps it as the sign-in's transaction), else to the session.
 */
export class FranceConnectStrategy extends Strategy {
  constructor(
    private readonly config: client.Configuration,
    private readonly platform: ResolvedPlatform,
    private readonly verify: VerifyFunctionWithRequest,
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
    const attempt = this as unknown as StrategyCreated<FranceConnectStrategy, FranceConnectStrategy & StrategyCreatedStatic> & FranceConnectStrategy;
    if (isPlatformAnswer(req)) {
      void attempt.codeGrant(attempt, req, options as FranceConnectAuthenticateOptions);
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

  /**
   * The authorization request of one sign-in, exactly as the platform receives it, and what it asked for.
   * Only parameters in FranceConnect's list ({@link FRANCECONNECT_AUTHORIZE_PARAMETERS}) are sent.
   */
  buildAuthorizationRequest(options: FranceConnectAuthenticateOptions = {}): { readonly url: URL; readonly draft: AuthorizationDraft } {
    const { acr = this.platform.acrValues, returnTo = '/' } = options;
    const codeVerifier = this.platform.pkce ? client.randomPKCECodeVerifier() : undefined;
    const draft: AuthorizationDraft = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, acr, returnTo };
    const parameters: Record<string, string> = {
      redirect_uri: this.platform.redirectUri,
      scope: this.platform.scope,
      state: draft.state,
      nonce: draft.nonce,
      acr_values: acr,
    };
    // Asking for amr is refused (error page Y100009) unless the registration lists the amr claim.
    if (this.platform.requestAmr) parameters.claims = AMR_CLAIMS_REQUEST;
    if (options.franceConnectPrompt !== undefined && options.franceConnectPrompt.length > 0) parameters.prompt = options.franceConnectPrompt.join(' ');
    if (options.idpHint !== undefined) parameters.idp_hint = options.idpHint;
    if (options.uiLocales !== undefined) parameters.ui_locales = options.uiLocales;
    if (codeVerifier !== undefined) {
      parameters.code_challenge = pkceChallenge(codeVerifier);
      parameters.code_challenge_method = 'S256';
    }
    return { url: client.buildAuthorizationUrl(this.config, parameters), draft };
  }

  private authorizationUrl(req: Request, options: FranceConnectAuthenticateOptions): string {
    const { url, draft } = this.buildAuthorizationRequest(options);
    if (options.onAuthorizationRequest) {
      options.onAuthorizationRequest(draft);
    } else {
      // Used on its own with passport.authenticate(): the transaction goes to the session, where the
      // callback reads it back.
      if (!req.session) throw new Error('FranceConnect sign-in needs a session (express-session) before passport.authenticate()');
      const { state, nonce, codeVerifier } = draft;
      const checks: AuthorizationChecks = { state, nonce, ...(codeVerifier === undefined ? {} : { codeVerifier }) };
      (req.session as unknown as Record<string, unknown>)[strategySessionKey(this.platform.id)] = checks;
    }
    return url.href;
  }

  /**
   * The callback: the code exchanged at the token endpoint (openid-client checks `state`, `iss`, then the
   * ID token's signature, `iss`, `aud`, `exp` and `nonce`), then the verify function with the tokens.
   */
  private async codeGrant(attempt: PassportAttempt, req: Request, options: FranceConnectAuthenticateOptions): Promise<void> {
    const checks = options.checks ?? this.takeSessionChecks(req);
    if (checks === undefined) {
      attempt.fail({ message: 'Unable to verify authorization request state' });
      return;
    }
    try {
      const tokens = await client.authorizationCodeGrant(this.config, this.callbackUrl(req), {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        ...(checks.codeVerifier === undefined ? {} : { pkceCodeVerifier: checks.codeVerifier }),
      });
      this.verify(req, tokens, (error, user, info) => {
        if (error) attempt.error(error as Error);
        else if (!user) attempt.fail(info);
        else attempt.success(user);
      });
    } catch (error) {
      // As openid-client's strategy: a person who cancelled is a failure, not an error.
      if (error instanceof client.AuthorizationResponseError && error.error === 'access_denied') {
        attempt.fail({ message: error.error_description || error.error, ...Object.fromEntries(error.cause.entries()) });
        return;
      }
      attempt.error(error as Error);
    }
  }

  /** The transaction a `passport.authenticate()` start left in the session, taken once. */
  private takeSessionChecks(req: Request): AuthorizationChecks | undefined {
    const session = req.session as unknown as Record<string, unknown> | undefined;
    const key = strategySessionKey(this.platform.id);
    const stored = session?.[key] as Partial<AuthorizationChecks> | undefined;
    if (session) delete session[key];
    if (typeof stored?.state !== 'string' || typeof stored.nonce !== 'string') return undefined;
    return { state: stored.state, nonce: stored.nonce, ...(typeof stored.codeVerifier === 'string' ? { codeVerifier: stored.codeVerifier } : {}) };
  }

  /**
   * The registered callback URL with the answer's query: the token request's `redirect_uri` is the
   * registered one, whatever host or proxy the request came through (as openid-client's strategy does
   * with `callbackURL`).
   */
  private callbackUrl(req: Request): URL {
    const url = new URL(this.platform.redirectUri);
    for (const [name, value] of new URL(req.originalUrl ?? req.url ?? '/', 'http://callback.invalid').searchParams) {
      url.searchParams.append(name, value);
    }
    return url;
  }
}

/** Passport's completion actions on a per-request strategy object. */
type PassportAttempt = Pick<StrategyCreated<FranceConnectStrategy>, 'success' | 'fail' | 'error'>;

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
