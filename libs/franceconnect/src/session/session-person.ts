import { isDiscriminatingPivotIdentity, normalisePivotIdentity } from '../identity/pivot-identity.js';
import type { FcIdentity, FranceConnectSessionState, SessionAccount } from './session-state.js';

/**
 * Whether a new sign-in is provably the person the session already holds, so that what the session holds
 * (identities on the other platform, access tokens, the account, the application's own data) may be kept
 * beside it. A session holds one person: otherwise a level proven by one person (FranceConnect+ at
 * `eidas2`) would open routes to the identity of another (signed in afterwards with FranceConnect), and
 * the application would read one person's data as another's.
 *
 * Provably the same person:
 * - the session holds no identity yet;
 * - with identity linking, the new identity is linked to the account the session holds (linking decides
 *   across platforms on the common identifier or an equal pivot identity, and answers `ambiguous` when
 *   the session's identity and the new one disagree);
 * - without linking, every identity the session holds has the same `sub` on the same platform, or an equal
 *   pivot identity (names, birth date, gender, birthplace, birth country, normalised) on the other one.
 *   An incomplete pivot identity, or one that does not tell namesakes apart (no birthplace, a presumed
 *   birth date), proves nothing.
 */
export function isSessionPerson(
  previous: FranceConnectSessionState,
  identity: FcIdentity,
  account: SessionAccount | undefined,
  linking: boolean,
): boolean {
  const held = Object.values(previous.identities ?? {}).filter((candidate): candidate is FcIdentity => candidate !== undefined);
  if (held.length === 0) return true;
  if (linking) {
    return account?.status === 'linked' && previous.account?.status === 'linked' && previous.account.accountId === account.accountId;
  }
  const pivot = isDiscriminatingPivotIdentity(identity.claims) ? normalisePivotIdentity(identity.claims) : undefined;
  return held.every((other) =>
    other.platform === identity.platform ? other.sub === identity.sub : pivot !== undefined && normalisePivotIdentity(other.claims) === pivot,
  );
}
