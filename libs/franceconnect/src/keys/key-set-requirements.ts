import type { ResolvedFranceConnectOptions } from '../options/resolve-options.js';
import type { KeySet } from './key-set.js';

/**
 * What the configured platforms need of a key set, checked at start-up and at each reload: an
 * encryption key of the algorithm registered with FranceConnect+, and a current signing key for each
 * platform that authenticates with `private_key_jwt`. One problem per missing key, each saying how to add it.
 */
export function missingServiceKeys(keySet: KeySet, options: ResolvedFranceConnectOptions): string[] {
  const problems: string[] = [];
  const encryptionAlg = options.platforms.fcp?.encryptionAlg;
  if (encryptionAlg && !keySet.hasEncryptionKeyFor(encryptionAlg)) {
    problems.push(
      `the key set publishes no encryption key for "${encryptionAlg}", the algorithm registered with FranceConnect+: add one (use "enc", alg "${encryptionAlg}")`,
    );
  }
  for (const platform of Object.values(options.platforms)) {
    const alg = platform?.tokenEndpointSigningAlg;
    // A next key is not enough: it signs only once a rotation makes it current, after the platform has
    // had time to see it in the published JWKS.
    if (!platform || !alg || keySet.currentSigningKey(alg)) continue;
    const at = platform.id === 'fcp' ? 'franceConnectPlus' : 'franceConnect';
    problems.push(
      `no current signing key for "${alg}", which ${at}.tokenEndpointAuthMethod "private_key_jwt" signs its client assertions with: add one (\`franceconnect keys generate --use sig --alg ${alg}\`, or a key with use "sig", alg "${alg}" and state "current"), published at the JWKS URL registered with ${platform.label}`,
    );
  }
  return problems;
}
