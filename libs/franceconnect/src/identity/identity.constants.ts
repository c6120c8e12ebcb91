import { PLATFORM_IDS, type PlatformId } from '../platforms.js';

/** Injection token of the {@link IdentityStore} used by {@link IdentityLinkService}. */
export const IDENTITY_STORE = Symbol('IDENTITY_STORE');

/** Injection token of the raw {@link IdentityLinkOptions}; the service validates them once. */
export const IDENTITY_LINK_OPTIONS = Symbol('IDENTITY_LINK_OPTIONS');

/**
 * Injection token of an optional listener of {@link IdentityLinkEvent}s (a function). Events carry no
 * personal data and no `sub`, so a listener may write them to ordinary logs.
 */
export const IDENTITY_LINK_EVENTS = Symbol('IDENTITY_LINK_EVENTS');

/** The two platforms of the FranceConnect federation, in the order used everywhere ({@link PLATFORM_IDS}). */
export const IDENTITY_PLATFORMS = PLATFORM_IDS;

/** A platform of the FranceConnect federation: the same as {@link PlatformId}, under the identity module's name. */
export type IdentityPlatform = PlatformId;

/** Minimum length of the pivot hash secret, in characters. */
export const PIVOT_HASH_SECRET_MIN_LENGTH = 32;

/** Longest `sub` accepted (FranceConnect sends 64 hex characters and a `v1` suffix). */
export const SUB_MAX_LENGTH = 255;

/** Longest `acr` accepted. */
export const ACR_MAX_LENGTH = 64;
