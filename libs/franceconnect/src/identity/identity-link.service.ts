import { Inject, Injectable, Optional } from '@nestjs/common';
import { FranceConnectError, IdentityStoreUnavailableError, SessionStoreUnavailableError } from '../errors/franceconnect.errors.js';
import { endSessionsOfAccount } from '../session/session-ending.js';
import {
  ACR_MAX_LENGTH,
  IDENTITY_LINK_EVENTS,
  IDENTITY_LINK_OPTIONS,
  IDENTITY_PLATFORMS,
  IDENTITY_STORE,
  type IdentityPlatform,
  SUB_MAX_LENGTH,
} from './identity.constants.js';
import { InvalidSignInError } from './identity.errors.js';
import {
  type IdentityLinkOptions,
  type ResolvedIdentityLinkOptions,
  resolveIdentityLinkOptions,
} from './identity-link.options.js';
import type {
  AmbiguousReason,
  IdentityLinkEvent,
  IdentitySignIn,
  IdentitySignInContext,
  LinkReason,
  LinkResult,
  SessionIdentity,
  UnlinkResult,
} from './identity-link.types.js';
import type { IdentityLinkRecord, IdentityStore, NewIdentityLink } from './identity-store.interface.js';
import { isDiscriminatingPivotIdentity, normalisePivotIdentity, pivotHash } from './pivot-identity.js';

/**
 * Decides which account a FranceConnect or FranceConnect+ sign-in belongs to: one account per person
 * across both platforms, never two accounts for one person when that can be proven, and never one
 * account for two people.
 *
 * Rules of {@link IdentityLinkService.resolve}, in order:
 * 1. Known (`platform`, `sub`) → that account (`existing`).
 * 2. `commonIdentifier` on and the same `sub` known on the other platform → that account.
 * 3. The browser already holds the other platform's identity (`otherIdentityInSession`): same
 *    normalised pivot identity → that identity's account; different or not comparable →
 *    `ambiguous` (`session-identity-mismatch`): one browser holding two people is suspicious.
 * 4. `matchOnPivotIdentity` on: exactly one account with the same pivot hash → that account; two or
 *    more → `ambiguous` (`multiple-pivot-matches`).
 * 5. Otherwise a new account (`created`).
 * An account never receives a second identity of the same platform (`platform-already-linked`).
 * `email` is never used. Concurrent first sign-ins of one identity end with one account.
 *
 * @example
 * ```ts
 * providers: [
 *   { provide: IDENTITY_STORE, useClass: TypeOrmIdentityStore },
 *   { provide: IDENTITY_LINK_OPTIONS, useValue: { pivotHashSecret: process.env.PIVOT_HASH_SECRET } },
 *   { provide: IDENTITY_LINK_EVENTS, useValue: (event) => logger.log(event) },
 *   IdentityLinkService,
 * ]
 * ```
 */
@Injectable()
export class IdentityLinkService {
  private readonly options: ResolvedIdentityLinkOptions;

  /**
   * @param store where accounts and links live.
   * @param options validated here, once ({@link resolveIdentityLinkOptions}).
   * @param events listener of every decision; an exception it throws is ignored, because the decision
   *   is already stored by then.
   * @throws {IdentityConfigurationError} when the options are invalid.
   */
  constructor(
    @Inject(IDENTITY_STORE) private readonly store: IdentityStore,
    @Inject(IDENTITY_LINK_OPTIONS) options: IdentityLinkOptions,
    @Optional() @Inject(IDENTITY_LINK_EVENTS) private readonly events?: (event: IdentityLinkEvent) => void,
  ) {
    this.options = resolveIdentityLinkOptions(options);
  }

  /**
   * Finds, links or creates the account of a verified sign-in. See the class documentation for the
   * rules. `ambiguous` creates and links nothing: the service must ask the person.
   *
   * @throws {InvalidSignInError} when `signIn` (or the session identity) is malformed.
   */
  async resolve(signIn: IdentitySignIn, context: IdentitySignInContext = {}): Promise<LinkResult> {
    this.assertSignIn(signIn, context);
    const { platform, sub, acr } = signIn;
    const normalised = normalisePivotIdentity(signIn.claims);
    const hash = normalised === undefined ? null : pivotHash(normalised, this.options.pivotHashSecret);
    const seenAt = this.options.clock();

    const known = await this.store.recordSignIn(platform, sub, { seenAt, acr, pivotHash: hash });
    if (known) return this.existing(platform, known.accountId);

    const link: NewIdentityLink = { platform, sub, acr, pivotHash: hash, seenAt };

    // FranceConnect vouches that an equal `sub` is the same person only with the common identifier.
    if (this.options.commonIdentifier) {
      const twin = await this.store.findLink(otherPlatform(platform), sub);
      if (twin) return this.attach(twin.accountId, link, 'common-identifier');
    }

    const session = context?.otherIdentityInSession;
    if (session) {
      const decision = await this.resolveWithSession(link, normalised, session);
      if (decision) return decision;
    }

    // Pivot matching hands an existing account over on the pivot identity alone: only when it tells the
    // person apart from namesakes (a birthplace, a birth date that is not presumed).
    if (this.options.matchOnPivotIdentity && hash !== null && isDiscriminatingPivotIdentity(signIn.claims)) {
      const candidates = await this.store.findAccountIdsByPivotHash(hash, 2);
      // Two accounts with one pivot identity: linking to either could merge two citizens.
      if (candidates.length > 1) return this.ambiguous(platform, 'multiple-pivot-matches', candidates);
      if (candidates.length === 1) return this.attach(candidates[0]!, link, 'pivot-identity');
    }

    const created = await this.store.createAccountWithLink(link, { commonIdentifier: this.options.commonIdentifier });
    if (created.outcome === 'sub-taken') return this.existing(platform, created.link.accountId);
    if (created.outcome === 'twin-taken') return this.attach(created.link.accountId, link, 'common-identifier');
    this.emit({ type: 'created', platform, accountId: created.link.accountId });
    return { status: 'created', accountId: created.link.accountId };
  }

  /**
   * Detaches the account's identity on `platform`. Refused for the account's last identity, since
   * the account could never be signed in to again (and the person would get a second one): erase the
   * account with {@link deleteAccount} instead.
   *
   * @throws {InvalidSignInError} when `platform` is neither `fc` nor `fcp`.
   */
  async unlink(accountId: string, platform: IdentityPlatform): Promise<UnlinkResult> {
    if (!IDENTITY_PLATFORMS.includes(platform)) throw new InvalidSignInError(`platform must be 'fc' or 'fcp'.`);
    const outcome = await storeCall(() => this.store.deleteLink(accountId, platform));
    if (outcome === 'deleted') {
      this.emit({ type: 'unlinked', platform, accountId });
      return { status: 'unlinked' };
    }
    const reason = outcome === 'last-link' ? 'last-link' : 'not-linked';
    this.emit({ type: 'refused', platform, accountId, reason });
    return { status: 'refused', reason };
  }

  /**
   * The identities linked to an account (platform, `sub`, first and last seen, last `acr`).
   *
   * @throws {IdentityStoreUnavailableError} while the database cannot be reached (503 through the module's filter).
   */
  async links(accountId: string): Promise<IdentityLinkRecord[]> {
    return storeCall(() => this.store.listLinks(accountId));
  }

  /**
   * Right to erasure: deletes the account, its identities and every pivot hash stored with them, then
   * ends the account's live sessions in the stores of `franceConnectSession()` (the person's next request
   * is signed out, on every instance sharing the store).
   *
   * @returns `false` when there was no such account (its sessions, if any, are ended all the same).
   * @throws {IdentityStoreUnavailableError} while the database cannot be reached (nothing deleted).
   * @throws {SessionStoreUnavailableError} when the sessions could not all be ended (the account is deleted): call it again.
   */
  async deleteAccount(accountId: string): Promise<boolean> {
    const deleted = await storeCall(() => this.store.deleteAccount(accountId));
    if (deleted) this.emit({ type: 'account-deleted', accountId });
    try {
      await endSessionsOfAccount(accountId);
    } catch (error) {
      throw new SessionStoreUnavailableError(`The account is deleted, but its sessions could not all be ended; call deleteAccount() again: ${(error as Error).message}`, { cause: error });
    }
    return deleted;
  }

  private async resolveWithSession(
    link: NewIdentityLink,
    normalised: string | undefined,
    session: SessionIdentity,
  ): Promise<LinkResult | undefined> {
    // The same identity again (its link was erased in between): nothing to compare.
    if (session.platform === link.platform && session.sub === link.sub) return undefined;
    const sessionLink = await this.store.findLink(session.platform, session.sub);
    const candidates = sessionLink ? [sessionLink.accountId] : [];
    // Two subs of one platform are two people for that platform, whatever their claims say.
    if (session.platform === link.platform) {
      return this.ambiguous(link.platform, 'session-identity-mismatch', candidates);
    }
    // Exact equality of the normalised pivot identities, nothing fuzzier: a near miss may be a
    // namesake. Claims that cannot be compared count as a mismatch.
    if (normalised === undefined || normalisePivotIdentity(session.claims) !== normalised) {
      return this.ambiguous(link.platform, 'session-identity-mismatch', candidates);
    }
    if (!sessionLink) return undefined;
    return this.attach(sessionLink.accountId, link, 'session');
  }

  private async attach(accountId: string, link: NewIdentityLink, reason: LinkReason): Promise<LinkResult> {
    const inserted = await this.store.addLink(accountId, link);
    switch (inserted.outcome) {
      case 'created':
        this.emit({ type: 'linked', platform: link.platform, accountId, reason });
        return { status: 'linked', accountId, reason };
      case 'sub-taken':
        // A concurrent sign-in of the same identity got there first: follow it.
        return this.existing(link.platform, inserted.link.accountId);
      case 'platform-taken':
        return this.ambiguous(link.platform, 'platform-already-linked', [accountId]);
    }
  }

  private existing(platform: IdentityPlatform, accountId: string): LinkResult {
    this.emit({ type: 'existing', platform, accountId });
    return { status: 'existing', accountId };
  }

  private async ambiguous(
    platform: IdentityPlatform,
    reason: AmbiguousReason,
    candidateAccountIds: readonly string[],
  ): Promise<LinkResult> {
    const candidates = Math.min(candidateAccountIds.length, 2);
    await this.options.onAmbiguous?.({ platform, reason, candidates, candidateAccountIds });
    this.emit({ type: 'ambiguous', platform, reason });
    return { status: 'ambiguous', candidates, reason };
  }

  private emit(event: IdentityLinkEvent): void {
    try {
      this.events?.(event);
    } catch {
      // Observability must not turn a stored decision into a failed sign-in.
    }
  }

  private assertSignIn(signIn: IdentitySignIn, context: IdentitySignInContext): void {
    const problems = signInProblems('signIn', signIn, true);
    const session = context?.otherIdentityInSession;
    if (session) problems.push(...signInProblems('otherIdentityInSession', session, false));
    if (problems.length === 0) return;
    const platform = IDENTITY_PLATFORMS.includes(signIn?.platform) ? signIn.platform : undefined;
    this.emit({ type: 'refused', platform, reason: 'invalid-sign-in' });
    throw new InvalidSignInError(`Invalid sign-in: ${problems.join('; ')}.`);
  }
}

function otherPlatform(platform: IdentityPlatform): IdentityPlatform {
  return platform === 'fc' ? 'fcp' : 'fc';
}

function signInProblems(name: string, value: IdentitySignIn | SessionIdentity, withAcr: boolean): string[] {
  if (typeof value !== 'object' || value === null) return [`${name} must be an object`];
  const problems: string[] = [];
  if (!IDENTITY_PLATFORMS.includes(value.platform)) problems.push(`${name}.platform must be 'fc' or 'fcp'`);
  if (typeof value.sub !== 'string' || value.sub.length === 0 || value.sub.length > SUB_MAX_LENGTH) {
    problems.push(`${name}.sub must be a non-empty string of at most ${SUB_MAX_LENGTH} characters`);
  }
  if (withAcr) {
    const { acr } = value as IdentitySignIn;
    if (typeof acr !== 'string' || acr.length === 0 || acr.length > ACR_MAX_LENGTH) {
      problems.push(`${name}.acr must be a non-empty string of at most ${ACR_MAX_LENGTH} characters`);
    }
  }
  if (typeof value.claims !== 'object' || value.claims === null) problems.push(`${name}.claims must be an object`);
  return problems;
}

/**
 * Runs a call to the identity store for an application's own use of the service: a failure of the
 * database (down, restarting) is an {@link IdentityStoreUnavailableError}, which the module's exception
 * filter answers with a 503 and `Retry-After`, as during a sign-in, rather than an unexplained 500.
 */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof FranceConnectError) throw error;
    throw new IdentityStoreUnavailableError('The account store is unavailable', { cause: error });
  }
}
