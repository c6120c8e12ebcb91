/**
 * The life cycle of a key in the private JWKS, written as private members of each JWK so that it
 * travels with the key (copied to a vault, reordered, merged from another file) and is ignored by JOSE
 * libraries, which skip members they do not know:
 *
 * ```json
 * { "kid": "2025-06", "use": "enc", "alg": "RSA-OAEP-256", "kty": "RSA", …, "fc:state": "next" }
 * { "kid": "2024-06", "use": "enc", "alg": "RSA-OAEP-256", "kty": "RSA", …, "fc:state": "retired", "fc:retiredAt": 1750000000 }
 * ```
 *
 * - `current`: published first among the keys of its `use` and `alg`: the key FranceConnect+ encrypts to.
 *   A key without `fc:state` is `current`, so a key set written before states existed keeps working.
 * - `next`: published after the current keys, so platforms that cache the JWKS already hold it when it is
 *   promoted; it decrypts too.
 * - `retired`: no longer published, still decrypts for a grace period after `fc:retiredAt` (epoch
 *   seconds), so tokens encrypted to it just before the rotation are not lost; then it is ignored and can
 *   be pruned.
 *
 * These members are never published: the public JWKS is built from an allow list of public members.
 */

/** Private JWK member holding the key's state. */
export const KEY_STATE_MEMBER = 'fc:state';

/** Private JWK member holding when the key was retired, in epoch seconds. */
export const KEY_RETIRED_AT_MEMBER = 'fc:retiredAt';

/** The states a key can be in, in the order keys are published (retired keys are not). */
export const KEY_STATES = Object.freeze(['current', 'next', 'retired'] as const);

/** A key's state: see {@link KEY_STATES}. */
export type KeyState = (typeof KEY_STATES)[number];

/**
 * How long a retired key still decrypts, in seconds: 24 hours. An ID token lives 60 s and a platform
 * caches a JWKS for minutes; a day leaves room for clocks, caches and a slow deployment.
 */
export const DEFAULT_RETIRED_KEY_GRACE_SECONDS = 24 * 60 * 60;

/** Whether `value` is one of {@link KEY_STATES}. */
export function isKeyState(value: unknown): value is KeyState {
  return (KEY_STATES as readonly unknown[]).includes(value);
}

/** The state a private JWK declares, `current` when it declares none; `undefined` if the value is not a state. */
export function keyStateOf(jwk: Readonly<Record<string, unknown>>): KeyState | undefined {
  const state = jwk[KEY_STATE_MEMBER];
  if (state === undefined) return 'current';
  return isKeyState(state) ? state : undefined;
}

/** Epoch seconds at which a retired key stops decrypting. */
export function retiredKeyExpiry(retiredAt: number, gracePeriodSeconds: number): number {
  return retiredAt + gracePeriodSeconds;
}
