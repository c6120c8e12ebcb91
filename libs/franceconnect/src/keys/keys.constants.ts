import { ENCRYPTION_ALGS, SIGNING_ALGS, type EncryptionAlg, type SigningAlg } from '../platforms.js';

// The algorithms are facts of the platforms; the key code and its entry give them under their key names.
export { ENCRYPTION_ALGS, SIGNING_ALGS, type EncryptionAlg, type SigningAlg };

/** Whether `value` is one of {@link ENCRYPTION_ALGS}. */
export function isEncryptionAlg(value: unknown): value is EncryptionAlg {
  return (ENCRYPTION_ALGS as readonly unknown[]).includes(value);
}

/** Whether `value` is one of {@link SIGNING_ALGS}. */
export function isSigningAlg(value: unknown): value is SigningAlg {
  return (SIGNING_ALGS as readonly unknown[]).includes(value);
}
