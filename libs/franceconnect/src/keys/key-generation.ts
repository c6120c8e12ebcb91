import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';
import {
  ENCRYPTION_ALGS,
  SIGNING_ALGS,
  isEncryptionAlg,
  isSigningAlg,
} from './keys.constants.js';
import type { EncryptionAlg, SigningAlg } from './keys.constants.js';
import { EC_CURVE, MIN_RSA_MODULUS_BITS } from './keys.internal-constants.js';

/** Options of {@link generateEncryptionKey} and {@link generateSigningKey}. */
export interface GenerateKeyOptions {
  /** Key id. Default: the key's RFC 7638 JWK thumbprint (SHA-256, base64url). */
  readonly kid?: string;
}

/**
 * Generates a private encryption JWK for FranceConnect+: RSA 2048 bits for `RSA-OAEP` and
 * `RSA-OAEP-256`, EC P-256 for `ECDH-ES`, with `kid`, `alg` and `use: "enc"` set.
 *
 * The result holds private key material: store it like a password (file mode 0600, a vault), never
 * in the repository. Publish only what `KeySet.publicJwks()` derives from it.
 *
 * @throws {TypeError} if `alg` is not one of {@link ENCRYPTION_ALGS}, or `kid` is given but empty.
 */
export async function generateEncryptionKey(
  alg: EncryptionAlg,
  options: GenerateKeyOptions = {},
): Promise<JWK> {
  if (!isEncryptionAlg(alg)) {
    throw new TypeError(
      `Cannot generate an encryption key for alg ${String(alg)}: use one of ${ENCRYPTION_ALGS.join(', ')}.`,
    );
  }
  return generatePrivateJwk(alg, 'enc', checkKid(options.kid));
}

/**
 * Generates a private signing JWK: EC P-256 for `ES256`, RSA 2048 bits for `RS256`, with `kid`,
 * `alg` and `use: "sig"` set. Only needed when the service provider signs something itself
 * (`private_key_jwt`, signed request objects).
 *
 * @throws {TypeError} if `alg` is not one of {@link SIGNING_ALGS}, or `kid` is given but empty.
 */
export async function generateSigningKey(
  alg: SigningAlg,
  options: GenerateKeyOptions = {},
): Promise<JWK> {
  if (!isSigningAlg(alg)) {
    throw new TypeError(
      `Cannot generate a signing key for alg ${String(alg)}: use one of ${SIGNING_ALGS.join(', ')}.`,
    );
  }
  return generatePrivateJwk(alg, 'sig', checkKid(options.kid));
}

async function generatePrivateJwk(
  alg: EncryptionAlg | SigningAlg,
  use: 'enc' | 'sig',
  kid: string | undefined,
): Promise<JWK> {
  const isRsa = alg.startsWith('RS');
  const { privateKey } = await generateKeyPair(alg, {
    // The private key has to leave WebCrypto once, to be written as a JWK.
    extractable: true,
    ...(isRsa ? { modulusLength: MIN_RSA_MODULUS_BITS } : { crv: EC_CURVE }),
  });
  const { kty, crv, x, y, n, e, d, p, q, dp, dq, qi } = await exportJWK(privateKey);
  const material = { kty, crv, x, y, n, e, d, p, q, dp, dq, qi };
  // Drop absent members (crv/x/y for RSA, n/e/p/... for EC) so the JWK is exactly what it holds.
  const jwk = Object.fromEntries(
    Object.entries(material).filter(([, value]) => value !== undefined),
  ) as JWK;
  return {
    kid: kid ?? (await calculateJwkThumbprint(jwk, 'sha256')),
    use,
    alg,
    ...jwk,
  };
}

function checkKid(kid: string | undefined): string | undefined {
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
    throw new TypeError('"kid" must be a non-empty string; leave it out to use the key thumbprint.');
  }
  return kid;
}
