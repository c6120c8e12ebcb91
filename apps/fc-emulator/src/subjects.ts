/**
 * `sub` values. FranceConnect gives each person an opaque identifier of 64 hex characters followed by
 * `v1`, different on FC and FC+ unless the service asked for the common identifier (docs/franceconnect-contract.md §5).
 */
import { createHmac } from 'node:crypto';

import type { TestIdentity } from './identities.js';
import type { PlatformId } from './platforms.js';

/**
 * Fixed salts, so that a person keeps the same `sub` across restarts of the emulator: a service that
 * links accounts on `sub` must find its users again, as it would with the real platforms.
 */
const SALTS: Readonly<Record<PlatformId | 'common', string>> = {
  fc: 'fc-emulator/sub/fc',
  fcp: 'fc-emulator/sub/fcp',
  common: 'fc-emulator/sub/common',
};

/**
 * The `sub` of `person` on `platform`: HMAC-SHA256 of the identity id with a per-platform salt, in hex,
 * followed by `v1`. With `sameSubject`, both platforms use one salt and so return the same value.
 */
export function subjectFor(person: Pick<TestIdentity, 'id'>, platform: PlatformId, sameSubject: boolean): string {
  const salt = sameSubject ? SALTS.common : SALTS[platform];
  return `${createHmac('sha256', salt).update(person.id).digest('hex')}v1`;
}
