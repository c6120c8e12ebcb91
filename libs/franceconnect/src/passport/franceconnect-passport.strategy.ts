import type { Request } from 'express';
import passport from 'passport';
import type { EidasLevel } from '../acr/eidas.js';
import { InternalSignInError } from '../errors/franceconnect.errors.js';
import { PLATFORM_STRATEGY_NAMES, type PlatformId } from '../platforms.js';
import type { FranceConnectPrompt } from '../oidc/franceconnect.strategy.js';
import type { FcIdentity } from '../session/session-state.js';

/** The names the two platforms' strategies are registered under with Passport. */
export const FRANCECONNECT_STRATEGY_NAMES: Readonly<Record<PlatformId, string>> = PLATFORM_STRATEGY_NAMES;

/** Options a guard passes to the strategy through `passport.authenticate()` (`getAuthenticateOptions`). */
export interface FranceConnectGuardOptions {
  /** The level the route requires; default the platform's `acrValues`. */
  readonly acr?: EidasLevel;
  /** Where a browser sent to sign in comes back; default the page it asked for. Same-site paths only. */
  readonly returnTo?: string;
  /**
   * A login route (`@SignInRoute()`): a person signed in is sent to `returnTo` (default `defaultReturnTo`)
   * rather than let through, and a sign-in comes back there rather than to the login route.
   */
  readonly signInRoute?: boolean;
  /** `prompt` values (named so as not to clash with Passport's own `prompt` option). */
  readonly prompts?: readonly FranceConnectPrompt[];
  readonly idpHint?: string;
  readonly uiLocales?: string;
}

/** What a strategy asks of the application that received the request. */
export interface FranceConnectAuthenticator {
  /**
   * The person the request may go on as, or a raised `SignInRedirect` (to sign in, or back after a
   * sign-in) or `FranceConnectError` (401, 403, or the failure of a sign-in).
   */
  authenticate(platform: PlatformId, req: Request, options: FranceConnectGuardOptions): Promise<FcIdentity>;
}

const AUTHENTICATOR = Symbol('nest-franceconnect.authenticator');

/** Marks a request as handled by this application's module (its middleware calls it on every request). */
export function bindAuthenticator(req: Request, authenticator: FranceConnectAuthenticator): void {
  (req as unknown as Record<symbol, FranceConnectAuthenticator>)[AUTHENTICATOR] = authenticator;
}

/**
 * The Passport strategy of one platform. Passport keeps one registry per process, but a process may run
 * several Nest applications with their own configuration (tests do, and so do servers that mount two
 * services): so the strategy registered under a name holds no configuration. It hands the request to the
 * application that received it, which its module's middleware bound to the request; `AuthGuard(name)`
 * from `@nestjs/passport` therefore works in each application with that application's settings.
 */
class FranceConnectPassportStrategy implements passport.Strategy {
  constructor(
    readonly name: string,
    readonly platform: PlatformId,
  ) {}

  authenticate(this: passport.StrategyCreated<FranceConnectPassportStrategy>, req: Request, options?: FranceConnectGuardOptions): void {
    const authenticator = (req as unknown as Record<symbol, FranceConnectAuthenticator | undefined>)[AUTHENTICATOR];
    if (authenticator === undefined) {
      this.error(new InternalSignInError(`The "${this.name}" strategy runs only in an application that imports FranceConnectPlusModule.`));
      return;
    }
    authenticator.authenticate(this.platform, req, options ?? {}).then(
      (user) => this.success(user),
      (error: unknown) => this.error(error as Error),
    );
  }
}

/** Registers the two strategies with Passport's process-wide registry (idempotent). */
export function registerFranceConnectStrategies(): void {
  for (const platform of ['fc', 'fcp'] as const) {
    const name = FRANCECONNECT_STRATEGY_NAMES[platform];
    passport.use(name, new FranceConnectPassportStrategy(name, platform));
  }
}
