import type { IdentityPlatform } from './identity.constants.js';

/** A verified sign-in, as handed to `IdentityLinkService.resolve()`. */
export interface IdentitySignIn {
  readonly platform: IdentityPlatform;
  /** The `sub` of the verified ID token. */
  readonly sub: string;
  /** The `acr` of the verified ID token (already checked against the level asked for). */
  readonly acr: string;
  /** The userinfo claims; only the pivot identity is read, never `email`. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** An identity of the other platform that the same browser session already holds. */
export interface SessionIdentity {
  readonly platform: IdentityPlatform;
  readonly sub: string;
  readonly claims: Readonly<Record<string, unknown>>;
}

/** What the caller knows about the sign-in's surroundings. */
export interface IdentitySignInContext {
  /**
   * The identity this browser is already signed in with on the other platform, if any (typically:
   * signed in with FranceConnect, now stepping up to FranceConnect+).
   */
  readonly otherIdentityInSession?: SessionIdentity;
}

/** Why a new identity was attached to an existing account. */
export type LinkReason = 'common-identifier' | 'session' | 'pivot-identity';

/**
 * Why no account could be chosen:
 * - `multiple-pivot-matches`: several accounts share this pivot identity;
 * - `session-identity-mismatch`: the browser already holds an identity whose pivot identity differs,
 *   or cannot be compared (one browser, two people: suspicious);
 * - `platform-already-linked`: the account found already holds a different identity of this
 *   platform, which the platform itself says is another person (or a changed civil status).
 */
export type AmbiguousReason = 'multiple-pivot-matches' | 'session-identity-mismatch' | 'platform-already-linked';

/** Result of `IdentityLinkService.resolve()`. */
export type LinkResult =
  /** Known (`platform`, `sub`). */
  | { readonly status: 'existing'; readonly accountId: string }
  /** New identity attached to an existing account. */
  | { readonly status: 'linked'; readonly accountId: string; readonly reason: LinkReason }
  /** New account. */
  | { readonly status: 'created'; readonly accountId: string }
  /**
   * Nothing created or linked: the service must ask the person (for instance to sign in with the
   * identity of the account they already have). `candidates` is the number of accounts in question,
   * capped at 2 ("two or more").
   */
  | { readonly status: 'ambiguous'; readonly candidates: number; readonly reason: AmbiguousReason };

/** Result of `IdentityLinkService.unlink()`. */
export type UnlinkResult =
  | { readonly status: 'unlinked' }
  /**
   * `not-linked`: the account holds no identity of that platform. `last-link`: it is the account's only
   * identity; removing it would leave an account nobody can sign in to (use `deleteAccount()`).
   */
  | { readonly status: 'refused'; readonly reason: 'not-linked' | 'last-link' };

/** Every reason an {@link IdentityLinkEvent} can carry. */
export type IdentityLinkEventReason = LinkReason | AmbiguousReason | 'invalid-sign-in' | 'not-linked' | 'last-link';

/**
 * One decision of {@link IdentityLinkService}, safe to log: no `sub`, no claim, no pivot hash. The
 * account id is the service's own pseudonymous identifier.
 */
export interface IdentityLinkEvent {
  readonly type: 'existing' | 'linked' | 'created' | 'ambiguous' | 'refused' | 'unlinked' | 'account-deleted';
  readonly platform?: IdentityPlatform;
  readonly accountId?: string;
  readonly reason?: IdentityLinkEventReason;
}

/** What the `onAmbiguous` hook receives. */
export interface AmbiguousSignIn {
  readonly platform: IdentityPlatform;
  readonly reason: AmbiguousReason;
  /** Number of accounts in question, capped at 2. */
  readonly candidates: number;
  /** Their ids, for a service that offers to sign in to one of them to confirm. */
  readonly candidateAccountIds: readonly string[];
}
