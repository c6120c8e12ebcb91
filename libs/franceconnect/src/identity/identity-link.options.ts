import { IdentityConfigurationError } from './identity.errors.js';
import type { AmbiguousSignIn } from './identity-link.types.js';
import { pivotHashSecretProblem } from './pivot-identity.js';

/** Options of {@link IdentityLinkService}. */
export interface IdentityLinkOptions {
  /**
   * The service registered for FranceConnect's common identifier ("identifiant commun"): FC and FC+
   * then give the same person the same `sub`, and an identity whose `sub` is known on the other
   * platform joins that account. Default `false`.
   */
  readonly commonIdentifier?: boolean;
  /**
   * Attach a new identity to the one account (and only one) whose stored pivot hash equals its own.
   * Off by default: pivot identities are not guaranteed unique, so turn it on only where the service
   * accepts that risk and handles `ambiguous` results. Default `false`.
   */
  readonly matchOnPivotIdentity?: boolean;
  /**
   * Key of the pivot identity HMAC; at least 32 characters, kept outside the database. Required,
   * even with matching off: hashes are stored from the first sign-in so that matching can be
   * turned on later.
   */
  readonly pivotHashSecret: string;
  /** Called (and awaited) before `resolve()` returns an `ambiguous` result. Default: none. */
  readonly onAmbiguous?: (signIn: AmbiguousSignIn) => void | Promise<void>;
  /** Clock used for `first_seen_at` / `last_seen_at`. Default: `() => new Date()`. */
  readonly clock?: () => Date;
}

/** Defaults of {@link IdentityLinkOptions}, as initialised fields. */
export class IdentityLinkOptionDefaults {
  readonly commonIdentifier: boolean = false;
  readonly matchOnPivotIdentity: boolean = false;
  readonly clock: () => Date = () => new Date();
}

/** {@link IdentityLinkOptions} once validated: every default applied, frozen. */
export interface ResolvedIdentityLinkOptions {
  readonly commonIdentifier: boolean;
  readonly matchOnPivotIdentity: boolean;
  readonly pivotHashSecret: string;
  readonly onAmbiguous?: (signIn: AmbiguousSignIn) => void | Promise<void>;
  readonly clock: () => Date;
}

/**
 * Validates the options once and applies the defaults.
 *
 * @throws {IdentityConfigurationError} listing every problem and how to fix it.
 */
export function resolveIdentityLinkOptions(raw: IdentityLinkOptions): ResolvedIdentityLinkOptions {
  if (typeof raw !== 'object' || raw === null) {
    throw new IdentityConfigurationError([
      'identity linking options are missing: provide at least { pivotHashSecret } (IDENTITY_LINK_OPTIONS).',
    ]);
  }
  const defaults = new IdentityLinkOptionDefaults();
  const problems: string[] = [];
  for (const flag of ['commonIdentifier', 'matchOnPivotIdentity'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') {
      problems.push(`${flag} must be true or false (got ${typeof raw[flag]}); leave it out for false.`);
    }
  }
  const secretProblem = pivotHashSecretProblem(raw.pivotHashSecret);
  if (secretProblem) problems.push(secretProblem);
  for (const hook of ['onAmbiguous', 'clock'] as const) {
    if (raw[hook] !== undefined && typeof raw[hook] !== 'function') {
      problems.push(`${hook} must be a function (got ${typeof raw[hook]}); leave it out for the default.`);
    }
  }
  if (problems.length > 0) throw new IdentityConfigurationError(problems);

  return Object.freeze({
    commonIdentifier: raw.commonIdentifier ?? defaults.commonIdentifier,
    matchOnPivotIdentity: raw.matchOnPivotIdentity ?? defaults.matchOnPivotIdentity,
    pivotHashSecret: raw.pivotHashSecret,
    onAmbiguous: raw.onAmbiguous,
    clock: raw.clock ?? defaults.clock,
  });
}
