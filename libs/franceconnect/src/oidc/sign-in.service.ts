import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import type { Request } from 'express';
import type { Configuration } from 'openid-client';
import { PLATFORM_LEVELS, satisfiesEidas, type EidasLevel } from '../acr/eidas.js';
import { wantsHtml } from '../errors/content-negotiation.js';
import { SignInRedirect } from '../errors/sign-in-redirect.js';
import type { FranceConnectAuthenticator, FranceConnectGuardOptions } from '../passport/franceconnect-passport.strategy.js';
import { CallbackError, EidasLevelTooLowError, IdentityStoreUnavailableError, NotAuthenticatedError, IssuerMismatchError, SessionStoreUnavailableError, StateMismatchError, TooManySignInsError, TransactionExpiredError, type FranceConnectError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';
import { FRANCECONNECT_OPTIONS } from '../franceconnect.constants.js';
import type { ResolvedFranceConnectOptions } from '../options/resolve-options.js';
import { isSameOriginPath } from '../return-path.js';
import { IdentityLinkService } from '../identity/identity-link.service.js';
import type { LinkResult } from '../identity/identity-link.types.js';
import { isSessionPerson } from '../session/session-person.js';
import { requireDeliverableSession, sessionIdentities, sessionState, storeSignedIn, type FcIdentity, type HeldAccessToken, type SessionAccount } from '../session/session-state.js';
import { PeriodicWarning } from '../transactions/periodic-warning.js';
import { SignInRateLimiter } from '../transactions/sign-in-rate-limit.js';
import { browserBinding, browserKeyForSignIn, readBrowserKey, type BrowserCookieOptions } from '../transactions/browser-binding.js';
import {
  FRANCECONNECT_TRANSACTION_STORE,
  type SignInTransaction,
  type TransactionStore,
} from '../transactions/transaction-store.interface.js';
import {
  FranceConnectStrategy,
  isPlatformAnswer,
  type AuthorizationDraft,
  type FranceConnectAuthenticateOptions,
  type FranceConnectPrompt,
} from './franceconnect.strategy.js';
import { toFranceConnectError } from './map-error.js';
import { PlatformRegistry } from './platform-registry.js';
import { verifySignIn } from './sign-in.verifier.js';

/** What a sign-in step asks the guard to do next. */
export type SignInOutcome =
  | { readonly kind: 'redirect'; readonly url: string }
  | { readonly kind: 'signed-in'; readonly identity: FcIdentity; readonly returnTo: string };

/** Options of a sign-in started by a guard. */
export interface StartSignInOptions {
  /** Level to ask for; default the platform's configured `acrValues`. */
  acr?: EidasLevel;
  /** Same-site path to come back to; anything else is replaced by `defaultReturnTo`. */
  returnTo?: string;
  /**
   * `prompt` to send. Default none: FranceConnect forces `login consent` itself. A service whose
   * registration allows it sends `['login']` to skip FranceConnect's consent page.
   */
  prompt?: readonly FranceConnectPrompt[];
  /** `idp_hint`: send the person straight to this identity provider (its FranceConnect identifier). Default none. */
  idpHint?: string;
  /** `ui_locales`: accepted and not used by FranceConnect. Default none. */
  uiLocales?: string;
}

/**
 * Runs sign-ins for the configured platforms: starts them (redirect to the platform) and completes them
 * (callback), through each platform's Passport strategy. Guards call it; it writes no HTTP response (it
 * only adds the browser-binding cookie to the one of a sign-in's start).
 *
 * Each sign-in is a transaction kept server-side in the {@link TransactionStore}, keyed by its `state`
 * and the browser that started it (a cookie of its own, see browser-binding.ts: starting a sign-in
 * creates no session), and taken atomically by its callback, in that browser only, before anything else.
 */
@Injectable()
export class SignInService implements FranceConnectAuthenticator, OnModuleDestroy {
  private readonly logger = new Logger('FranceConnect');
  /** The per-client limit on sign-in starts, unless turned off. */
  private readonly rateLimiter?: SignInRateLimiter;
  /**
   * The store dropped older pending sign-ins to stay within its limits (a browser starting many, or a
   * flood): the people concerned will have to start again.
   */
  private readonly dropWarning = new PeriodicWarning((dropped) =>
    this.logger.warn(`sign-in transaction store full: ${dropped} oldest pending sign-in(s) dropped since the last such line (see TransactionLimits)`),
  );
  /** One strategy per platform, for the openid-client configuration it was built with. */
  private readonly strategies = new Map<PlatformId, { readonly config: Configuration; readonly strategy: FranceConnectStrategy }>();
  /** The transaction a callback took, handed to the verify step of that same request. */
  private readonly inFlight = new WeakMap<Request, SignInTransaction>();

  constructor(
    @Inject(FRANCECONNECT_OPTIONS) private readonly options: ResolvedFranceConnectOptions,
    private readonly registry: PlatformRegistry,
    @Inject(FRANCECONNECT_TRANSACTION_STORE) private readonly transactions: TransactionStore,
    @Optional() @Inject(IdentityLinkService) private readonly identityLinks?: IdentityLinkService | null,
  ) {
    if (options.signInRateLimit) this.rateLimiter = new SignInRateLimiter(options.signInRateLimit);
  }

  onModuleDestroy(): void {
    this.rateLimiter?.close();
  }

  /** The platforms this module was configured with. */
  get platforms(): PlatformId[] {
    return this.registry.platforms;
  }

  /**
   * What a platform's guard (and its Passport strategy) decides for a request:
   * - the platform's answer (a callback): the sign-in is completed, and the browser sent back to the page
   *   it was started for;
   * - a person signed in with this platform at the level the route requires (`acr`, default the
   *   platform's `acrValues`): that identity, the request goes on (on a login route, the browser goes
   *   straight back to `returnTo`);
   * - otherwise a browser navigating (`GET`, HTML) is sent to sign in at that level and back to this page
   *   (or `returnTo`); an API client gets 401 (no one signed in with this platform) or 403 (too low).
   *
   * @throws {SignInRedirect} to send the browser to the platform, or back after a sign-in.
   * @throws {FranceConnectError} when a sign-in fails, or for the API client's 401 and 403.
   */
  async authenticate(platformId: PlatformId, req: Request, options: FranceConnectGuardOptions): Promise<FcIdentity> {
    if (this.isCallback(req)) {
      const outcome = await this.complete(platformId, req);
      throw new SignInRedirect(outcome.kind === 'redirect' ? outcome.url : outcome.returnTo);
    }
    const platform = this.registry.get(platformId).platform;
    const required = options.acr ?? platform.acrValues;
    const identity = sessionIdentities(req)[platformId];
    // A login route sends a browser on to where it asked to go (or defaultReturnTo); another route is
    // where the browser comes back.
    const returnTo = options.signInRoute ? (isSameOriginPath(options.returnTo) ? options.returnTo : this.options.defaultReturnTo) : (options.returnTo ?? req.originalUrl);
    if (identity !== undefined && satisfiesEidas(identity.acr, required)) {
      if (options.signInRoute) throw new SignInRedirect(returnTo);
      return identity;
    }
    const levels = PLATFORM_LEVELS[platformId];
    // FranceConnect+ serves eidas2 and eidas3 only: eidas1 is asked as eidas2. FranceConnect serves
    // eidas1 only: a route that requires more cannot be reached through it.
    const acr = satisfiesEidas(levels[0], required) ? levels[0] : required;
    const reachable = levels.includes(acr);
    if (reachable && req.method === 'GET' && (wantsHtml(req) || options.signInRoute)) {
      const outcome = await this.start(platformId, req, { acr, returnTo, prompt: options.prompts, idpHint: options.idpHint, uiLocales: options.uiLocales });
      throw new SignInRedirect(outcome.kind === 'redirect' ? outcome.url : outcome.returnTo);
    }
    const details = { required_acr: required, current_acr: identity?.acr ?? null };
    if (identity === undefined) {
      throw new NotAuthenticatedError(`This route requires signing in with ${platform.label}${reachable ? '' : ` (which cannot reach ${required})`}`, { platform: platformId, details });
    }
    throw new EidasLevelTooLowError(`This route requires ${required} on ${platform.label}; the session is at ${identity.acr}`, { platform: platformId, details });
  }

  /** Whether this request is a platform's answer (a callback) rather than the start of a sign-in. */
  isCallback(req: Request): boolean {
    return isPlatformAnswer(req);
  }

  /**
   * Starts a sign-in: stores a transaction and returns the platform's authorization URL.
   *
   * @throws {ProviderUnavailableError} while the platform cannot be discovered.
   * @throws {SessionStoreUnavailableError} when the transaction cannot be stored.
   * @throws {TooManySignInsError} when this client started more sign-ins than `signInRateLimit` allows.
   */
  async start(platformId: PlatformId, req: Request, options: StartSignInOptions = {}): Promise<SignInOutcome> {
    const returnTo = isSameOriginPath(options.returnTo) ? options.returnTo : this.options.defaultReturnTo;
    // The callback stores the identity in the session: a missing session middleware, or a cookie that
    // cannot come back, is said now rather than after the platform.
    requireDeliverableSession(req);
    const wait = this.rateLimiter && (await this.storeCall(platformId, 'sign-in rate limit storage', () => this.rateLimiter!.count(req)));
    if (wait !== undefined) {
      throw new TooManySignInsError('Too many sign-ins started from this client; wait before starting another', { platform: platformId, retryAfterSeconds: wait });
    }
    let draft: AuthorizationDraft | undefined;
    const outcome = await this.run(platformId, req, {
      acr: options.acr,
      returnTo,
      franceConnectPrompt: options.prompt,
      idpHint: options.idpHint,
      uiLocales: options.uiLocales,
      onAuthorizationRequest: (value) => (draft = value),
    });
    if (!draft) {
      throw toFranceConnectError(new Error('The strategy did not produce an authorization request'), platformId);
    }
    const transaction: SignInTransaction = {
      platform: platformId,
      state: draft.state,
      nonce: draft.nonce,
      ...(draft.codeVerifier === undefined ? {} : { codeVerifier: draft.codeVerifier }),
      acr: draft.acr,
      returnTo: draft.returnTo,
      binding: browserBinding(browserKeyForSignIn(req, this.browserCookie(platformId))),
      createdAt: Date.now(),
    };
    // Kept a little longer than its lifetime, so a late callback is told "expired" rather than "unknown".
    const dropped = await this.storeCall(platformId, 'sign-in transaction store', () =>
      this.transactions.put(transactionKey(platformId, draft!.state, transaction.binding), transaction, this.options.transactionTtlSeconds + TRANSACTION_GRACE_SECONDS),
    );
    if (dropped) this.dropWarning.add(dropped);
    return outcome;
  }

  /**
   * Completes a sign-in on the platform's callback: takes the transaction (once, atomically), checks it,
   * then lets openid-client exchange the code and runs every check FranceConnect requires, then stores
   * the identity in a session with a new id.
   *
   * @throws {FranceConnectError} for any failure, with the code of the check that failed.
   */
  async complete(platformId: PlatformId, req: Request): Promise<SignInOutcome> {
    const received = typeof req.query.state === 'string' ? req.query.state : undefined;
    if (!received) {
      throw new StateMismatchError('The callback carries no state', { platform: platformId });
    }
    // The transaction is stored under its state and the browser it was started in: only that browser can
    // take it, so a callback URL opened elsewhere (another browser, a forged link) neither completes nor
    // cancels someone else's sign-in. Taken atomically before anything else: it can never be replayed.
    const browserKey = readBrowserKey(req, this.browserCookie(platformId).secure);
    if (browserKey === undefined) {
      throw new StateMismatchError('This browser started no sign-in (or refuses cookies)', { platform: platformId });
    }
    const binding = browserBinding(browserKey);
    const transaction = await this.storeCall(platformId, 'sign-in transaction store', () => this.transactions.take(transactionKey(platformId, received, binding)));
    if (!transaction || transaction.platform !== platformId || transaction.state !== received || transaction.binding !== binding) {
      throw new StateMismatchError('No sign-in is in progress in this browser for this state (unknown, already used, expired, or started in another browser)', {
        platform: platformId,
      });
    }
    if (Date.now() - transaction.createdAt > this.options.transactionTtlSeconds * 1000) {
      throw new TransactionExpiredError('The sign-in took too long; please start again', { platform: platformId });
    }
    this.checkIssuer(platformId, req);

    this.inFlight.set(req, transaction);
    const checks = { state: transaction.state, nonce: transaction.nonce, codeVerifier: transaction.codeVerifier };
    return this.run(platformId, req, { checks }, transaction);
  }

  /**
   * RFC 9207: the platform names itself in `iss` on the callback, and both platforms always do. An `iss` of
   * the other platform means its answer was delivered here; a missing one is refused too (RFC 9207 §2.4).
   * openid-client would refuse both, but only as a generic failure.
   */
  private checkIssuer(platformId: PlatformId, req: Request): void {
    const iss = req.query.iss;
    const expected = this.options.platforms[platformId]?.issuer;
    if (iss !== expected) {
      throw new IssuerMismatchError('The callback comes from another issuer than this platform', { platform: platformId });
    }
  }

  /**
   * The browser-binding cookie of a platform's sign-ins: `Secure` when the platform sends the browser back
   * over https, and kept as long as a transaction.
   */
  private browserCookie(platformId: PlatformId): BrowserCookieOptions {
    return {
      secure: this.registry.get(platformId).platform.redirectUri.startsWith('https:'),
      maxAgeSeconds: this.options.transactionTtlSeconds + TRANSACTION_GRACE_SECONDS,
    };
  }

  /** Runs a call to a store (transactions, rate-limit counts), failing closed with a 503 when it is unreachable. */
  private async storeCall<T>(platformId: PlatformId, store: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.logger.error(`${store} unavailable platform=${platformId}`);
      throw new SessionStoreUnavailableError('The session store is unavailable', { platform: platformId, cause: error });
    }
  }

  private async run(
    platformId: PlatformId,
    req: Request,
    authenticateOptions: FranceConnectAuthenticateOptions,
    transaction?: SignInTransaction,
  ): Promise<SignInOutcome> {
    const strategy = await this.strategy(platformId);
    const result = await new Promise<StrategyResult>((resolve) => {
      // The same calling convention as passport.authenticate(): a per-request object whose prototype is
      // the strategy, with the five completion actions attached. No HTTP response is written here.
      const attempt = Object.create(strategy) as FranceConnectStrategy & PassportActions;
      attempt.redirect = (url) => resolve({ kind: 'redirect', url });
      attempt.success = (user) => resolve({ kind: 'success', user: user as VerifiedUser });
      attempt.fail = (info) => resolve({ kind: 'fail', info });
      attempt.error = (error) => resolve({ kind: 'error', error });
      attempt.pass = () => resolve({ kind: 'error', error: new Error('strategy passed') });
      attempt.authenticate(req, authenticateOptions);
    });
    switch (result.kind) {
      case 'redirect':
        return { kind: 'redirect', url: result.url };
      case 'success': {
        const { identity, accessToken } = result.user;
        const account = await this.link(req, identity);
        const samePerson = isSessionPerson(sessionState(req), identity, account, this.identityLinks != null);
        if (!samePerson) this.logger.log(`sign-in of another person than the session's: the session starts over platform=${platformId}`);
        await storeSignedIn(req, identity, accessToken, account, samePerson).catch((error: unknown) => {
          throw new SessionStoreUnavailableError('The session could not be saved', { platform: platformId, cause: error });
        });
        this.logger.log(`sign-in completed platform=${platformId} acr=${identity.acr}`);
        return { kind: 'signed-in', identity, returnTo: transaction?.returnTo ?? this.options.defaultReturnTo };
      }
      case 'fail':
        throw this.failure(platformId, result.info);
      case 'error':
        throw toFranceConnectError(result.error, platformId);
    }
  }

  /**
   * Identity linking, when configured: the account of the person, given the identity of the other
   * platform already in this session (the usual step-up from FranceConnect to FranceConnect+).
   * Runs only once every check has passed, so a rejected sign-in never writes an account or a link.
   */
  private async link(req: Request, identity: FcIdentity): Promise<SessionAccount | undefined> {
    if (!this.identityLinks) return undefined;
    const other = sessionIdentities(req)[identity.platform === 'fc' ? 'fcp' : 'fc'];
    let result: LinkResult;
    try {
      result = await this.identityLinks.resolve(
        { platform: identity.platform, sub: identity.sub, acr: identity.acr, claims: identity.claims },
        other ? { otherIdentityInSession: { platform: other.platform, sub: other.sub, claims: other.claims } } : {},
      );
    } catch (error) {
      throw new IdentityStoreUnavailableError('The account store is unavailable', { platform: identity.platform, cause: error });
    }
    return result.status === 'ambiguous' ? { status: 'ambiguous', reason: result.reason } : { status: 'linked', accountId: result.accountId };
  }

  /** openid-client's strategy "fails" on a missing transaction and on `access_denied`. */
  private failure(platformId: PlatformId, info: unknown): FranceConnectError {
    const details = (info ?? {}) as { error?: unknown; error_description?: unknown };
    if (typeof details.error === 'string') {
      const description = typeof details.error_description === 'string' ? details.error_description : undefined;
      return new CallbackError(details.error, description, { platform: platformId });
    }
    return new StateMismatchError('The sign-in transaction could not be verified', { platform: platformId });
  }

  private async strategy(platformId: PlatformId): Promise<FranceConnectStrategy> {
    const platformClient = this.registry.get(platformId);
    const config = await platformClient.configuration();
    const cached = this.strategies.get(platformId);
    // A new configuration (the service's keys were reloaded) needs a strategy that uses it.
    if (cached?.config === config) return cached.strategy;
    const platform = platformClient.platform;
    const strategy = new FranceConnectStrategy(config, platform, (req, tokens, done) => {
      const transaction = this.inFlight.get(req);
      if (!transaction) {
        done(new StateMismatchError('The sign-in transaction could not be verified', { platform: platform.id }));
        return;
      }
      verifySignIn(platform, config, tokens, transaction, { clockToleranceSeconds: this.options.clockToleranceSeconds }).then(
        (verified) => done(null, verified),
        (error: unknown) => done(error),
      );
    });
    this.strategies.set(platformId, { config, strategy });
    return strategy;
  }
}

/** How much longer than its lifetime a transaction (and its browser cookie) is kept, in seconds. */
const TRANSACTION_GRACE_SECONDS = 60;

/** A transaction's key: its platform, its state and the binding of the browser that started it. */
function transactionKey(platformId: PlatformId, state: string, binding: string): string {
  return `${platformId}:${state}:${binding}`;
}

interface VerifiedUser {
  identity: FcIdentity;
  accessToken: HeldAccessToken;
}

type StrategyResult =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; user: VerifiedUser }
  | { kind: 'fail'; info: unknown }
  | { kind: 'error'; error: unknown };

interface PassportActions {
  redirect(url: string, status?: number): void;
  success(user: unknown, info?: unknown): void;
  fail(info?: unknown, status?: number): void;
  error(error: unknown): void;
  pass(): void;
}
