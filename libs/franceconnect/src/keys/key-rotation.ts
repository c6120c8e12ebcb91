import { KeyRotationError } from './keys.errors.js';
import { KEY_RETIRED_AT_MEMBER, KEY_STATE_MEMBER, keyStateOf, retiredKeyExpiry } from './key-states.js';
import type { KeyState } from './key-states.js';

/** A private JWKS as stored in a file: `keys`, and any other top-level member, kept as is. */
export interface PrivateJwksDocument {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
  readonly [member: string]: unknown;
}

/** One key whose state a change set, added or removed. */
export interface KeyStateChange {
  readonly kid: string;
  readonly use: string;
  readonly alg: string;
  /** The state before; `absent` for an added key. */
  readonly from: KeyState | 'absent';
  /** The state after; `removed` for a pruned key. */
  readonly to: KeyState | 'removed';
}

/** Result of a change: the new document (the input is not modified) and what changed. */
export interface KeySetChange {
  readonly jwks: PrivateJwksDocument;
  readonly changes: readonly KeyStateChange[];
}

/** Options of {@link rotateKeys}. */
export interface RotateKeysOptions {
  /** Only rotate keys of this `alg`. Default: every `alg` that has a `next` key. */
  readonly alg?: string;
  /** Only rotate keys of this `use`. Default: both. */
  readonly use?: 'enc' | 'sig';
  /** Time of the rotation, epoch seconds: the `fc:retiredAt` of the keys it retires. */
  readonly now: number;
}

/** Options of {@link retireKey}. */
export interface RetireKeyOptions {
  /** Time of the retirement, epoch seconds. */
  readonly now: number;
  /**
   * Retire the key even when that leaves its algorithm without a published key, or skips its `next`
   * key (for a key that must stop being used at once, e.g. a leaked one). Default `false`.
   */
  readonly force?: boolean;
}

/** Options of {@link pruneRetiredKeys}. */
export interface PruneRetiredKeysOptions {
  /** Current time, epoch seconds. */
  readonly now: number;
  /** Grace period of retired keys, seconds: keys retired longer ago than this are removed. */
  readonly gracePeriodSeconds: number;
}

type Jwk = Readonly<Record<string, unknown>>;

/**
 * Adds a new private key to a key set: `current` when no published key of its `use` and `alg` exists
 * (the first key of an algorithm), `next` otherwise, so it is published after the current key and
 * FranceConnect+ keeps encrypting to the current key until {@link rotateKeys} promotes it.
 *
 * @throws {KeyRotationError} if the key has no `kid`, `use` or `alg`, or its `kid` is already used.
 */
export function addKey(jwks: PrivateJwksDocument, jwk: Jwk): KeySetChange {
  const keys = keysOf(jwks);
  const { kid, use, alg } = identify(jwk);
  if (keys.some((key) => key['kid'] === kid)) {
    throw new KeyRotationError(`The key set already has a key with kid ${JSON.stringify(kid)}: choose another kid.`);
  }
  const hasPublished = keys.some((key) => sameGroup(key, use, alg) && isPublished(key));
  const state: KeyState = hasPublished ? 'next' : 'current';
  const added = withState(jwk, state);
  return {
    jwks: { ...jwks, keys: orderKeysByState([...keys, added]) },
    changes: [{ kid, use, alg, from: 'absent', to: state }],
  };
}

/**
 * Promotes keys: for each `use` and `alg` that has a `next` key, the first `next` key becomes
 * `current` and the keys that were current become `retired` at `now`. FranceConnect+ encrypts to the
 * new key as soon as it fetches the JWKS again; the retired key still decrypts for the grace period.
 *
 * @throws {KeyRotationError} when there is no `next` key to promote (for `alg`, when given).
 */
export function rotateKeys(jwks: PrivateJwksDocument, options: RotateKeysOptions): KeySetChange {
  const keys = keysOf(jwks).map((key) => ({ ...key }));
  const { alg, use, now } = options;
  checkTime(now);
  const changes: KeyStateChange[] = [];
  const groups = new Set<string>();
  for (const key of keys) {
    if (keyStateOf(key) !== 'next') continue;
    if ((alg !== undefined && key['alg'] !== alg) || (use !== undefined && key['use'] !== use)) continue;
    groups.add(groupOf(key));
  }
  if (groups.size === 0) {
    const which = alg ?? (use === undefined ? undefined : `"${use}"`);
    throw new KeyRotationError(
      `There is no next ${which ? `${which} ` : ''}key to promote: add one first (keys generate${alg ? ` --alg ${alg}` : ''}), publish it, and rotate once platforms have fetched the new JWKS.`,
    );
  }
  for (const group of groups) {
    const members = keys.filter((key) => groupOf(key) === group);
    for (const key of members) {
      if (keyStateOf(key) !== 'current') continue;
      changes.push({ ...describe(key), from: 'current', to: 'retired' });
      key[KEY_STATE_MEMBER] = 'retired';
      key[KEY_RETIRED_AT_MEMBER] = now;
    }
    const promoted = members.find((key) => keyStateOf(key) === 'next');
    if (promoted) {
      changes.push({ ...describe(promoted), from: 'next', to: 'current' });
      promoted[KEY_STATE_MEMBER] = 'current';
    }
  }
  return { jwks: { ...jwks, keys: orderKeysByState(keys) }, changes };
}

/**
 * Retires one key at `now`: it is no longer published and decrypts for the grace period only.
 *
 * Refused, unless `force`, for the last published key of its `use` and `alg` (FranceConnect+ would
 * have nothing to encrypt to) and for a current key that has a `next` key (use {@link rotateKeys}, which
 * marks the successor current).
 *
 * @throws {KeyRotationError} for an unknown kid, a key already retired, or a refused retirement.
 */
export function retireKey(jwks: PrivateJwksDocument, kid: string, options: RetireKeyOptions): KeySetChange {
  const keys = keysOf(jwks).map((key) => ({ ...key }));
  checkTime(options.now);
  const target = keys.find((key) => key['kid'] === kid);
  if (target === undefined) {
    const kids = keys.map((key) => JSON.stringify(key['kid'])).join(', ');
    throw new KeyRotationError(`No key has kid ${JSON.stringify(kid)} (the key set holds ${kids || 'no key'}).`);
  }
  const state = keyStateOf(target);
  if (state === 'retired') {
    throw new KeyRotationError(`Key ${JSON.stringify(kid)} is already retired.`);
  }
  const { use, alg } = describe(target);
  const peers = keys.filter((key) => key !== target && sameGroup(key, use, alg) && isPublished(key));
  if (!options.force) {
    if (peers.length === 0) {
      throw new KeyRotationError(
        `Key ${JSON.stringify(kid)} is the only published "${use}" key for ${alg}: retiring it leaves FranceConnect+ nothing to encrypt to. Add a key first (keys generate --alg ${alg}), then rotate; or pass --force if this key must stop being used now.`,
      );
    }
    if (state === 'current' && peers.some((key) => keyStateOf(key) === 'next')) {
      throw new KeyRotationError(
        `Key ${JSON.stringify(kid)} is the current ${alg} key and a next key is waiting: use keys rotate --alg ${alg}, which promotes the next key and retires this one; or pass --force.`,
      );
    }
  }
  target[KEY_STATE_MEMBER] = 'retired';
  target[KEY_RETIRED_AT_MEMBER] = options.now;
  const changes: KeyStateChange[] = [{ kid, use, alg, from: state ?? 'current', to: 'retired' }];
  // With the current key gone, the first next key is the one published first: say so in the file.
  if (state === 'current' && !peers.some((key) => keyStateOf(key) === 'current')) {
    const successor = peers.find((key) => keyStateOf(key) === 'next');
    if (successor) {
      successor[KEY_STATE_MEMBER] = 'current';
      changes.push({ ...describe(successor), from: 'next', to: 'current' });
    }
  }
  return { jwks: { ...jwks, keys: orderKeysByState(keys) }, changes };
}

/**
 * Removes the retired keys whose grace period has ended: they no longer decrypt anything, and keeping
 * private keys around that serve no purpose only adds to what can leak.
 */
export function pruneRetiredKeys(jwks: PrivateJwksDocument, options: PruneRetiredKeysOptions): KeySetChange {
  checkTime(options.now);
  const keys = keysOf(jwks);
  const expired = (key: Jwk): boolean => {
    if (keyStateOf(key) !== 'retired') return false;
    const retiredAt = key[KEY_RETIRED_AT_MEMBER];
    return typeof retiredAt === 'number' && options.now >= retiredKeyExpiry(retiredAt, options.gracePeriodSeconds);
  };
  const removed = keys.filter(expired);
  return {
    jwks: { ...jwks, keys: keys.filter((key) => !expired(key)) },
    changes: removed.map((key) => ({ ...describe(key), from: 'retired', to: 'removed' })),
  };
}

/**
 * Orders keys as they are published: current, then next, then retired, each in its given order. The
 * file then reads like the public JWKS, and a reader that ignores `fc:state` still finds the current
 * key first.
 */
export function orderKeysByState<T extends Jwk>(keys: readonly T[]): T[] {
  const rank = (key: Jwk): number => ({ current: 0, next: 1, retired: 2 })[keyStateOf(key) ?? 'current'];
  return keys.toSorted((a, b) => rank(a) - rank(b));
}

function keysOf(jwks: PrivateJwksDocument): Jwk[] {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    throw new KeyRotationError('The key set must be a private JWKS, { "keys": [ ... ] }.');
  }
  jwks.keys.forEach((key, index) => {
    if (typeof key !== 'object' || key === null || Array.isArray(key)) {
      throw new KeyRotationError(`keys[${index}] is not a JSON object: fix the key set file first.`);
    }
  });
  return [...jwks.keys];
}

function identify(jwk: Jwk): { kid: string; use: string; alg: string } {
  const { kid, use, alg } = jwk;
  if (typeof kid !== 'string' || kid === '' || typeof use !== 'string' || typeof alg !== 'string') {
    throw new KeyRotationError('A key added to the key set needs a "kid", a "use" and an "alg".');
  }
  return { kid, use, alg };
}

function describe(key: Jwk): { kid: string; use: string; alg: string } {
  return { kid: String(key['kid']), use: String(key['use']), alg: String(key['alg']) };
}

function withState(jwk: Jwk, state: KeyState): Record<string, unknown> {
  const { [KEY_STATE_MEMBER]: _state, [KEY_RETIRED_AT_MEMBER]: _retiredAt, ...rest } = jwk;
  return { ...rest, [KEY_STATE_MEMBER]: state };
}

function groupOf(key: Jwk): string {
  return `${String(key['use'])} ${String(key['alg'])}`;
}

function sameGroup(key: Jwk, use: string, alg: string): boolean {
  return key['use'] === use && key['alg'] === alg;
}

function isPublished(key: Jwk): boolean {
  const state = keyStateOf(key);
  return state === 'current' || state === 'next';
}

function checkTime(now: number): void {
  if (!Number.isSafeInteger(now) || now < 0) throw new TypeError('now must be a time in epoch seconds (an integer).');
}
