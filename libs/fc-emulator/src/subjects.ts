/**
 * `sub` values, computed as FranceConnect's core does (`computeIdentityHash` and `computeSubV1` in
 * `back/libs/cryptography-fcp/src/cryptography-fcp.service.ts`, called by `getSub` in
 * `back/apps/core-fcp/src/handlers/verify/core-fcp-default-verify.handler.ts`): the SHA-256, in hex, of the
 * service's entity id, a hash of the person's pivot identity and the platform's secret, followed by `v1`.
 * So a person has one `sub` per service (services registered with the same entity id share it), stable
 * as long as their civil status is, and different on FC and FC+ unless the platforms share their secret
 * (the emulator's `sameSubject`, standing for FranceConnect's common identifier).
 */
import { createHash } from 'node:crypto';

import type { EmulatorClientConfig } from './clients.js';
import type { TestIdentity } from './identities.js';
import type { PlatformId } from './platforms.js';

/** The platforms' secrets (`subSecretKey`); fixed, so that a person keeps their `sub` across restarts. */
const SECRETS: Readonly<Record<PlatformId | 'common', string>> = {
  fc: 'fc-emulator/sub/fc',
  fcp: 'fc-emulator/sub/fcp',
  common: 'fc-emulator/sub/common',
};

/** The person fields `sub` depends on. */
export type SubjectPerson = Pick<TestIdentity, 'given_name' | 'family_name' | 'birthdate' | 'gender' | 'birthplace' | 'birthcountry'>;

/**
 * `computeIdentityHash`: the base64 SHA-256 of the pivot identity's fields end to end (latin1), the
 * birthplace left out for a person born abroad.
 */
export function identityHash(person: SubjectPerson): string {
  const birthplace = person.birthcountry === '99100' ? person.birthplace : '';
  const serial = `${person.given_name}${person.family_name}${person.birthdate}${person.gender}${birthplace}${person.birthcountry}`;
  return createHash('sha256').update(serial, 'latin1').digest('base64');
}

/**
 * The entity id of a registration: its `entity_id`, else the host of its first redirect URI, so that the
 * same service registered on both platforms is one entity.
 */
export function entityIdOf(client: Pick<EmulatorClientConfig, 'entity_id' | 'redirect_uris'>): string {
  return client.entity_id ?? new URL(client.redirect_uris[0] ?? 'http://unknown.invalid').host;
}

/** The `sub` of `person` for the service `entityId` on `platform`. */
export function subjectFor(person: SubjectPerson, entityId: string, platform: PlatformId, sameSubject: boolean): string {
  const secret = sameSubject ? SECRETS.common : SECRETS[platform];
  return `${createHash('sha256').update(`${entityId}${identityHash(person)}${secret}`).digest('hex')}v1`;
}
