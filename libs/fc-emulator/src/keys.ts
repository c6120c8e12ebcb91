/**
 * Keys made at start: each platform signs with its own keys, as FranceConnect does, and publishes only
 * their public halves at `/jwks` (oidc-provider strips the private members).
 */
import { randomBytes } from 'node:crypto';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

import type { SigningAlg } from './platforms.js';

/** A private JSON Web Key Set, in the form oidc-provider's `jwks` option takes. */
export interface PrivateJwks {
  keys: JWK[];
}

/** One private signing key per algorithm: P-256 for ES256, RSA 2048 for RS256. */
export async function generateSigningKeys(algs: readonly SigningAlg[]): Promise<PrivateJwks> {
  const keys = await Promise.all(
    algs.map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
      const jwk = await exportJWK(privateKey);
      return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
    }),
  );
  return { keys };
}

/**
 * Keys that sign the session and interaction cookies. They stay fixed for the life of the process so a
 * browser's cookies remain valid while the emulator runs; a restart forgets every session anyway.
 */
export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
