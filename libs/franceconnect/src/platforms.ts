/**
 * Facts of the FranceConnect federation that every layer of the library uses: which platforms there are,
 * their names, the eIDAS levels each returns, and the algorithms a service registers with them. The bottom
 * of the layers: this file imports nothing of the library.
 */

/** The platforms, in the order used everywhere: FranceConnect, then FranceConnect+. */
export const PLATFORM_IDS = Object.freeze(['fc', 'fcp'] as const);

/** A platform of the FranceConnect federation: `fc` (FranceConnect) or `fcp` (FranceConnect+). */
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** Each platform's name, as people read it. */
export const PLATFORM_LABELS: Readonly<Record<PlatformId, string>> = Object.freeze({ fc: 'FranceConnect', fcp: 'FranceConnect+' });

/** The module option that configures each platform. */
export const PLATFORM_OPTIONS = Object.freeze({ fc: 'franceConnect', fcp: 'franceConnectPlus' } as const);

/** The name each platform's Passport strategy is registered under. */
export const PLATFORM_STRATEGY_NAMES = Object.freeze({ fc: 'franceconnect', fcp: 'franceconnect-plus' } as const);

/** The eIDAS levels of the federation, weakest first. */
export const EIDAS_LEVELS = Object.freeze(['eidas1', 'eidas2', 'eidas3'] as const);

/** An eIDAS level as FranceConnect names it in `acr`. */
export type EidasLevel = (typeof EIDAS_LEVELS)[number];

/** The levels each platform returns: FranceConnect `eidas1`; FranceConnect+ `eidas2` and `eidas3`. */
export const PLATFORM_LEVELS: Readonly<Record<PlatformId, readonly EidasLevel[]>> = Object.freeze({
  fc: Object.freeze(['eidas1'] as const),
  fcp: Object.freeze(['eidas2', 'eidas3'] as const),
});

/**
 * The JWE content encryption FranceConnect+ uses, and the only one accepted: pinning it means an answer
 * cannot be downgraded to a weaker or differently-behaving cipher.
 */
export const CONTENT_ENCRYPTION = 'A256GCM';

/**
 * JWE key management algorithms FranceConnect+ can encrypt with. One of them is chosen when the
 * service provider is registered, and the public key FranceConnect+ encrypts to must carry it as `alg`.
 */
export const ENCRYPTION_ALGS = Object.freeze(['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'] as const);

/** A JWE key management algorithm accepted by FranceConnect+: one of {@link ENCRYPTION_ALGS}. */
export type EncryptionAlg = (typeof ENCRYPTION_ALGS)[number];

/**
 * JWS algorithms a service provider signing key may have, for when the service provider signs
 * something itself (`private_key_jwt` client assertions).
 */
export const SIGNING_ALGS = Object.freeze(['ES256', 'RS256'] as const);

/** A JWS algorithm for a service provider signing key: one of {@link SIGNING_ALGS}. */
export type SigningAlg = (typeof SIGNING_ALGS)[number];
