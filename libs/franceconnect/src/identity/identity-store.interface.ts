import type { IdentityPlatform } from './identity.constants.js';

/** One platform identity (`platform`, `sub`) attached to an account, as stored. */
export interface IdentityLinkRecord {
  /** Link id (a UUID). */
  readonly id: string;
  /** Id of the account the identity belongs to. */
  readonly accountId: string;
  readonly platform: IdentityPlatform;
  /** The platform's pairwise subject identifier. */
  readonly sub: string;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  /** `acr` of the most recent sign-in with this identity. */
  readonly lastAcr: string;
  /** Keyed hash of the pivot identity last seen with this identity, `null` when it was not matchable. */
  readonly pivotHash: string | null;
}

/** A platform identity to attach, as given to {@link IdentityStore.createAccountWithLink} and {@link IdentityStore.addLink}. */
export interface NewIdentityLink {
  readonly platform: IdentityPlatform;
  readonly sub: string;
  readonly acr: string;
  /** Keyed hash of the pivot identity, or `null` when the claims were not matchable. */
  readonly pivotHash: string | null;
  /** Time of the sign-in: becomes `firstSeenAt` and `lastSeenAt`. */
  readonly seenAt: Date;
}

/** What {@link IdentityStore.recordSignIn} records when a known identity signs in again. */
export interface IdentityLinkTouch {
  readonly seenAt: Date;
  readonly acr: string;
  /** New pivot hash; `null` keeps the stored one (claims not matchable this time). */
  readonly pivotHash: string | null;
}

/**
 * Outcome of an insert guarded by the store's unique constraints.
 * - `created`: the link is new.
 * - `sub-taken`: (`platform`, `sub`) was already linked, possibly a moment ago by a concurrent
 *   sign-in; `link` is the stored one (its account may differ from the one asked for).
 * - `platform-taken`: the account already holds another identity of that platform
 *   (only from {@link IdentityStore.addLink}); nothing was written.
 */
export type LinkInsertOutcome =
  | { readonly outcome: 'created'; readonly link: IdentityLinkRecord }
  | { readonly outcome: 'sub-taken'; readonly link: IdentityLinkRecord }
  | { readonly outcome: 'platform-taken' };

/** Options of {@link IdentityStore.createAccountWithLink}. */
export interface AccountCreationOptions {
  /**
   * The service uses FranceConnect's common identifier: the account is the one of `link.sub` on both
   * platforms, and must stay the only one when the other platform's first sign-in creates one at the same
   * moment (`twin-taken`). A store that ignores it leaves that race open.
   */
  readonly commonIdentifier?: boolean;
}

/**
 * The outcome of creating an account with its first link: created; `sub-taken` (a concurrent first
 * sign-in of the same identity won); `twin-taken` (with the common identifier, a concurrent first sign-in
 * on the other platform created the person's account: its link is returned, to attach to).
 */
export type AccountInsertOutcome =
  | Extract<LinkInsertOutcome, { outcome: 'created' | 'sub-taken' }>
  | { readonly outcome: 'twin-taken'; readonly link: IdentityLinkRecord };

/**
 * Persistence of accounts and their platform identities, the seam behind {@link IdentityLinkService}.
 *
 * Invariants every implementation keeps, whatever the concurrency:
 * - one (`platform`, `sub`) belongs to at most one account;
 * - an account holds at most one identity per platform;
 * - deleting an account deletes its links and every pivot hash with them.
 *
 * Only keyed pivot hashes are stored, never claims.
 */
export interface IdentityStore {
  /** The link of (`platform`, `sub`), if any. */
  findLink(platform: IdentityPlatform, sub: string): Promise<IdentityLinkRecord | undefined>;

  /**
   * Ids of the accounts whose pivot hash, or one of whose links' pivot hash, equals `pivotHash`:
   * at most `limit` (2 by default, enough to tell "one" from "several").
   */
  findAccountIdsByPivotHash(pivotHash: string, limit?: number): Promise<string[]>;

  /**
   * Creates an account, whose pivot hash is `link.pivotHash`, with `link` as its first identity,
   * atomically. When (`platform`, `sub`) is already linked, even by a concurrent call, nothing is
   * created and the existing link is returned as `sub-taken`; never throws for that race.
   */
  createAccountWithLink(link: NewIdentityLink, options?: AccountCreationOptions): Promise<AccountInsertOutcome>;

  /** Attaches `link` to an existing account. See {@link LinkInsertOutcome} for the races. */
  addLink(accountId: string, link: NewIdentityLink): Promise<LinkInsertOutcome>;

  /**
   * Records a new sign-in of (`platform`, `sub`) when that identity is linked, and returns its link as
   * updated; `undefined`, with nothing written, when it is not. One atomic step: the usual sign-in, of an
   * identity seen before, costs the store a single write and no read before it.
   */
  recordSignIn(platform: IdentityPlatform, sub: string, touch: IdentityLinkTouch): Promise<IdentityLinkRecord | undefined>;

  /** Links of an account, FranceConnect first. Empty when the account does not exist. */
  listLinks(accountId: string): Promise<IdentityLinkRecord[]>;

  /** Deletes an account with its links and hashes. `false` when there was no such account. */
  deleteAccount(accountId: string): Promise<boolean>;

  /**
   * Deletes the account's identity on `platform`, unless it is the account's last identity, atomically
   * (two concurrent calls on a two-identity account delete one identity, not both). `not-found` when
   * the account holds no identity of that platform.
   */
  deleteLink(accountId: string, platform: IdentityPlatform): Promise<'deleted' | 'not-found' | 'last-link'>;
}
