import { CONTENT_ENCRYPTION } from '../platforms.js';

/**
 * JWE key management algorithms FranceConnect+ can encrypt with. One of them is chosen when the
 * service provider is registered, and the public key FranceConnect+ encrypts to must carry it as `alg`.
 */
export const ENCRYPTION_ALGS = Object.freeze(['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'] as const);

/** A JWE key management algorithm accepted by FranceConnect+: one of {@link ENCRYPTION_ALGS}. */
export type EncryptionAlg = (typeof ENCRYPTION_ALGS)[number];

/**
 * JWS algorithms a service provider signing key may have, for when the service provider signs
 * something itself (`private_key_jwt`, signed request objects).
 */
export const SIGNING_ALGS = Object.freeze(['ES256', 'RS256'] as const);

/** A JWS algorithm for a service provider signing key: one of {@link SIGNING_ALGS}. */
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/**
 * JWE content encryption algorithms accepted by default: FranceConnect+ only uses `A256GCM`, and
 * pinning it means a token cannot be downgraded to a weaker or differently-behaving cipher.
 */
export const DEFAULT_CONTENT_ENCRYPTION_ALGS = Object.freeze([CONTENT_ENCRYPTION] as const);

/** Whether `value` is one of {@link ENCRYPTION_ALGS}. */
export function isEncryptionAlg(value: unknown): value is EncryptionAlg {
  return (ENCRYPTION_ALGS as readonly unknown[]).includes(value);
}

/** Whether `value` is one of {@link SIGNING_ALGS}. */
export function isSigningAlg(value: unknown): value is SigningAlg {
  return (SIGNING_ALGS as readonly unknown[]).includes(value);
}
