import type { KeySet } from './key-set.js';
import type { KeySetSource } from './key-source.js';
import type { EncryptionAlg, PLATFORM_OPTIONS, PlatformId, SigningAlg } from '../platforms.js';

/**
 * What the configured platforms need of the service's keys: where the keys come from, the algorithm
 * registered with FranceConnect+, and the signing algorithm of each platform that authenticates with
 * `private_key_jwt`. The module derives it from its options; {@link KeyService} loads and checks against it.
 */
export interface ServiceKeyNeeds {
  /** Where the private JWKS comes from (the module option `keys`); `generate` in development only. */
  readonly source: Exclude<KeySetSource, { generate: unknown }> | { readonly generate: { readonly file: string } };
  /** Whether this is a production deployment: `generate` is then refused. */
  readonly production: boolean;
  /** How long a retired key still decrypts, in seconds. */
  readonly gracePeriodSeconds?: number;
  /** The key-management algorithm registered with FranceConnect+, when FranceConnect+ is configured. */
  readonly encryptionAlg?: EncryptionAlg;
  /** Each platform registered with `private_key_jwt`: the option that configures it and the algorithm it signs with. */
  readonly signers: readonly { readonly option: (typeof PLATFORM_OPTIONS)[PlatformId]; readonly label: string; readonly alg: SigningAlg }[];
}

/**
 * What the configured platforms need of a key set, checked at start-up and at each reload: an
 * encryption key of the algorithm registered with FranceConnect+, and a current signing key for each
 * platform that authenticates with `private_key_jwt`. One problem per missing key, each saying how to add it.
 */
export function missingServiceKeys(keySet: KeySet, needs: ServiceKeyNeeds): string[] {
  const problems: string[] = [];
  const { encryptionAlg } = needs;
  if (encryptionAlg && !keySet.hasEncryptionKeyFor(encryptionAlg)) {
    problems.push(
      `the key set publishes no encryption key for "${encryptionAlg}", the algorithm registered with FranceConnect+: add one (use "enc", alg "${encryptionAlg}")`,
    );
  }
  for (const { option, label, alg } of needs.signers) {
    // A next key is not enough: it signs only once a rotation makes it current, after the platform has
    // had time to see it in the published JWKS.
    if (keySet.currentSigningKey(alg)) continue;
    problems.push(
      `no current signing key for "${alg}", which ${option}.tokenEndpointAuthMethod "private_key_jwt" signs its client assertions with: add one (\`franceconnect keys generate --use sig --alg ${alg}\`, or a key with use "sig", alg "${alg}" and state "current"), published at the JWKS URL registered with ${label}`,
    );
  }
  return problems;
}
