import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { CONTENT_ENCRYPTION } from '../platforms.js';
import type { EncryptionAlg, SigningAlg } from './keys.constants.js';

const PROBE = new TextEncoder().encode('key pair check');

/**
 * Whether the public members of a JWK belong to its private key, proven by a round trip: encrypt
 * to the public key and decrypt with the private one (or sign and verify).
 *
 * WebCrypto refuses an EC JWK whose `x`/`y` do not match `d`, but imports an RSA JWK whose `n` was
 * pasted from another key. Such a key set would publish a key FranceConnect+ encrypts to and that
 * nothing can decrypt: every sign-in would fail, long after start-up. This finds it at start-up.
 */
export async function keyPairMatches(
  publicJwk: JWK,
  privateKey: CryptoKey,
  use: 'enc' | 'sig',
  alg: EncryptionAlg | SigningAlg,
): Promise<boolean> {
  try {
    const publicKey = await importJWK(publicJwk, alg);
    if (use === 'enc') {
      const jwe = await new CompactEncrypt(PROBE).setProtectedHeader({ alg, enc: CONTENT_ENCRYPTION }).encrypt(publicKey);
      await compactDecrypt(jwe, privateKey);
    } else {
      const jws = await new CompactSign(PROBE).setProtectedHeader({ alg }).sign(privateKey);
      await compactVerify(jws, publicKey);
    }
    return true;
  } catch {
    return false;
  }
}
