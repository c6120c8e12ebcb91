import { importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { EncryptionAlg, SigningAlg } from './keys.constants.js';
import { KeyConfigurationError } from './keys.errors.js';
import { keyPairMatches } from './key-pair.check.js';
import { PUBLIC_JWK_MEMBERS } from './keys.internal-constants.js';
import { checkPrivateJwks } from './private-jwks.validation.js';
import { DEFAULT_RETIRED_KEY_GRACE_SECONDS, retiredKeyExpiry } from './key-states.js';
import type { KeyState } from './key-states.js';

/** A public JWK as published: only the members listed in the allow list, frozen. */
export type PublicJwk = Readonly<
  Pick<JWK, 'kty' | 'crv' | 'x' | 'y' | 'n' | 'e' | 'kid' | 'alg' | 'use'>
>;

/** The public JWKS to publish at the `jwks_uri` registered with FranceConnect+. Frozen. */
export interface PublicJwks {
  readonly keys: readonly PublicJwk[];
}

/**
 * A private decryption key in the shape openid-client's `enableDecryptingResponses` takes
 * (its `DecryptionKey`), with `alg` and `kid` always set so it selects by both.
 */
export interface JweDecryptionKey {
  readonly key: CryptoKey;
  readonly alg: EncryptionAlg;
  readonly kid: string;
}

/** A private signing key, for when the service provider signs something itself. */
export interface SigningKey {
  readonly key: CryptoKey;
  readonly alg: SigningAlg;
  readonly kid: string;
}

/** Options of {@link KeySet.fromJwks}. */
export interface KeySetOptions {
  /**
   * How long a retired key still decrypts after its `fc:retiredAt`, in seconds. Default: 24 hours
   * ({@link DEFAULT_RETIRED_KEY_GRACE_SECONDS}).
   */
  readonly gracePeriodSeconds?: number;
  /** The clock, in epoch milliseconds, that ends grace periods. Default: `Date.now`. */
  readonly now?: () => number;
}

/** What a key set holds, one entry per key, without key material: for listings and diagnostics. */
export interface KeyDescription {
  readonly kid: string;
  readonly use: 'enc' | 'sig';
  readonly alg: EncryptionAlg | SigningAlg;
  readonly state: KeyState;
  /** Whether the key is in the public JWKS (current and next keys). */
  readonly published: boolean;
  /** Whether the key decrypts (encryption keys: current, next, and retired ones within their grace period). */
  readonly decrypts: boolean;
  /** When a retired key was retired, epoch seconds. */
  readonly retiredAt?: number;
  /** When a retired key stops decrypting, epoch seconds. */
  readonly decryptsUntil?: number;
}

type KeyEntry = {
  readonly kid: string;
  readonly key: CryptoKey;
  readonly state: KeyState;
  readonly retiredAt?: number;
} & (
  | { readonly use: 'enc'; readonly alg: EncryptionAlg }
  | { readonly use: 'sig'; readonly alg: SigningAlg }
);

type EncryptionEntry = Extract<KeyEntry, { use: 'enc' }>;

/**
 * The service provider's private keys, validated and imported once.
 *
 * Built from a private JWKS with {@link KeySet.fromJwks}. It publishes the public half
 * ({@link KeySet.publicJwks}), hands the decryption keys to openid-client
 * ({@link KeySet.decryptionKeys}), which decrypts FranceConnect+'s answers during sign-in: the key set
 * itself never decrypts.
 * Private keys are held only as non-extractable `CryptoKey`s: the private JWK members are not kept.
 *
 * Keys may carry a state (`fc:state`, see key-states.ts): `current` keys are published first, `next`
 * keys after them, `retired` keys are not published and decrypt only during a grace period.
 */
export class KeySet {
  /** Every key, published ones first (current, then next, each in file order), then retired ones. */
  readonly #entries: readonly KeyEntry[];
  readonly #publicJwks: PublicJwks;
  readonly #gracePeriodSeconds: number;
  readonly #now: () => number;

  private constructor(entries: readonly KeyEntry[], publicJwks: PublicJwks, options: Required<KeySetOptions>) {
    this.#entries = entries;
    this.#publicJwks = publicJwks;
    this.#gracePeriodSeconds = options.gracePeriodSeconds;
    this.#now = options.now;
  }

  /**
   * Validates a private JWKS (`{ keys: JWK[] }`) and imports every key once.
   *
   * Each key needs a unique `kid`, its private part `d`, `use` (`enc` or `sig`) and an `alg`
   * (`RSA-OAEP`, `RSA-OAEP-256` or `ECDH-ES` for `enc`; `ES256` or `RS256` for `sig`); RSA keys need
   * at least 2048 bits and EC keys the P-256 curve; symmetric keys are refused. FranceConnect+
   * encrypts to the first published key of the registered `alg`: keys are published by state
   * (`current` first, then `next`; `retired` ones not at all) and, within a state, in the order given.
   * Each key's public and private parts are checked to belong together by a round trip.
   *
   * @throws {KeyConfigurationError} listing every problem found, with how to fix each.
   * @throws {TypeError} if `options.gracePeriodSeconds` is not a non-negative number.
   */
  static async fromJwks(jwks: unknown, options: KeySetOptions = {}): Promise<KeySet> {
    const { gracePeriodSeconds = DEFAULT_RETIRED_KEY_GRACE_SECONDS, now = () => Date.now() } = options;
    if (typeof gracePeriodSeconds !== 'number' || !Number.isFinite(gracePeriodSeconds) || gracePeriodSeconds < 0) {
      throw new TypeError('gracePeriodSeconds must be a non-negative number of seconds.');
    }
    const { problems, keys: checkedKeys } = checkPrivateJwks(jwks);
    // Published order: current keys, then next keys, then (unpublished) retired keys; the sort is stable.
    const keys = checkedKeys.toSorted((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state]);
    // Taken now, from the checked keys, before anything is awaited.
    const publicKeys = keys.map((checked) => toPublicJwk(checked.jwk));
    // Import even when other keys have problems, so one error lists them all.
    const imported = await Promise.all(
      keys.map(async (checked, position) => {
        try {
          const key = await importJWK(checked.jwk, checked.alg, { extractable: false });
          // importJWK returns bytes only for "oct" keys, which the check above already refused.
          if (key instanceof Uint8Array) throw new TypeError('not an asymmetric key');
          const { kid } = checked;
          if (!(await keyPairMatches(publicKeys[position] as JWK, key, checked.use, checked.alg))) {
            problems.push(
              `keys[${checked.index}] (kid ${JSON.stringify(kid)}): its public members (${checked.jwk.kty === 'RSA' ? 'n, e' : 'x, y'}) do not belong to its private key: FranceConnect+ would encrypt to a key that cannot be decrypted. Export the whole key pair again from one source.`,
            );
            return undefined;
          }
          const lifecycle = { state: checked.state, ...(checked.retiredAt === undefined ? {} : { retiredAt: checked.retiredAt }) };
          const entry: KeyEntry =
            checked.use === 'enc'
              ? { use: 'enc', alg: checked.alg, kid, key, ...lifecycle }
              : { use: 'sig', alg: checked.alg, kid, key, ...lifecycle };
          return entry;
        } catch (error) {
          // Some Node.js versions (24) refuse an RSA key whose modulus is not p·q at import already: said
          // as the mismatch it is, as on the versions that import it and fail the round trip below.
          if (rsaModulusMismatch(checked.jwk)) {
            problems.push(
              `keys[${checked.index}] (kid ${JSON.stringify(checked.kid)}): its public members (n, e) do not belong to its private key: FranceConnect+ would encrypt to a key that cannot be decrypted. Export the whole key pair again from one source.`,
            );
            return undefined;
          }
          problems.push(
            `keys[${checked.index}] (kid ${JSON.stringify(checked.kid)}): the key could not be imported (${importFailureReason(error)}): check that it is a complete private JWK (for RSA: n, e, d, p, q, dp, dq, qi; for EC: crv, x, y, d), base64url-encoded, as exported by a JOSE library.`,
          );
          return undefined;
        }
      }),
    );
    if (problems.length > 0) throw new KeyConfigurationError(problems);

    const entries = Object.freeze(imported.filter((entry) => entry !== undefined));
    const published = Object.freeze(publicKeys.filter((_jwk, position) => keys[position]?.state !== 'retired'));
    return new KeySet(entries, Object.freeze({ keys: published }), { gracePeriodSeconds, now });
  }

  /**
   * The public JWKS to serve at the registered `jwks_uri`: public members only, `current` keys first,
   * then `next` keys, each in the order of the private JWKS; `retired` keys are not published.
   * FranceConnect+ encrypts to the first key of the registered `alg`. Computed once and frozen.
   */
  publicJwks(): PublicJwks {
    return this.#publicJwks;
  }

  /**
   * The private encryption keys that decrypt now, for `enableDecryptingResponses(config, ['A256GCM'], ...keys)`:
   * current and next keys, and retired keys until their grace period ends. Each carries `kid` and
   * `alg`, so openid-client picks the key named by the JWE header.
   *
   * Pass the registered `alg`: openid-client accepts exactly the JWE `alg` values of the keys it is
   * given, so handing it keys of other algorithms would widen what it accepts. Default: every
   * encryption key. Signing keys are never included. A new array each call, of the keys imported once;
   * a retired key drops out of it when its grace period ends.
   */
  decryptionKeys(alg?: EncryptionAlg): JweDecryptionKey[] {
    const now = this.#nowSeconds();
    return this.#encryptionEntries()
      .filter((entry) => (alg === undefined || entry.alg === alg) && this.#decryptsAt(entry, now))
      .map(({ key, alg: keyAlg, kid }) => ({ key, alg: keyAlg, kid }));
  }

  /** Whether the set publishes an encryption key for `alg` (a retired key does not count). */
  hasEncryptionKeyFor(alg: EncryptionAlg): boolean {
    return this.firstEncryptionKey(alg) !== undefined;
  }

  /**
   * The encryption key FranceConnect+ will encrypt to for `alg`: the first one published with that
   * `alg` (the current one, or the first next one when none is current). `undefined` if there is none.
   */
  firstEncryptionKey(alg: EncryptionAlg): { readonly kid: string; readonly alg: EncryptionAlg } | undefined {
    const entry = this.#encryptionEntries().find((candidate) => candidate.alg === alg && candidate.state !== 'retired');
    return entry && { kid: entry.kid, alg: entry.alg };
  }

  /** The first published signing key for `alg` (the current one first), or `undefined` if there is none. */
  firstSigningKey(alg: SigningAlg): SigningKey | undefined {
    const entry = this.#entries.find(
      (candidate) => candidate.use === 'sig' && candidate.alg === alg && candidate.state !== 'retired',
    );
    return entry && { key: entry.key, alg, kid: entry.kid };
  }

  /**
   * The signing key in state `current` for `alg`, the one the service signs with (a `private_key_jwt`
   * client assertion), or `undefined` if there is none. A `next` key is published so that the platforms
   * know it before it signs anything, and is never used to sign until a rotation makes it current.
   */
  currentSigningKey(alg: SigningAlg): SigningKey | undefined {
    const entry = this.#entries.find((candidate) => candidate.use === 'sig' && candidate.alg === alg && candidate.state === 'current');
    return entry && { key: entry.key, alg, kid: entry.kid };
  }

  /** How long a retired key still decrypts after it was retired, in seconds. */
  get gracePeriodSeconds(): number {
    return this.#gracePeriodSeconds;
  }

  /**
   * Every key with its state, in published order (retired keys last), without key material: for
   * listings, health checks and logs.
   */
  describeKeys(): KeyDescription[] {
    const now = this.#nowSeconds();
    return this.#entries.map((entry) => {
      const retired =
        entry.retiredAt === undefined
          ? {}
          : { retiredAt: entry.retiredAt, decryptsUntil: retiredKeyExpiry(entry.retiredAt, this.#gracePeriodSeconds) };
      return {
        kid: entry.kid,
        use: entry.use,
        alg: entry.alg,
        state: entry.state,
        published: entry.state !== 'retired',
        decrypts: entry.use === 'enc' && this.#decryptsAt(entry, now),
        ...retired,
      };
    });
  }

  #encryptionEntries(): EncryptionEntry[] {
    return this.#entries.filter((entry): entry is EncryptionEntry => entry.use === 'enc');
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** Whether a key decrypts at `now` (epoch seconds): published keys always, retired ones within their grace period. */
  #decryptsAt(entry: KeyEntry, now: number): boolean {
    if (entry.state !== 'retired') return true;
    return now < retiredKeyExpiry(entry.retiredAt ?? 0, this.#gracePeriodSeconds);
  }
}

/** Rank of each state in the published order. */
const STATE_ORDER: Readonly<Record<KeyState, number>> = Object.freeze({ current: 0, next: 1, retired: 2 });

/**
 * Copies the allow-listed public members of a JWK. Private members are never deleted from a copy:
 * they are simply never copied, so a member this code does not know about cannot leak.
 */
function toPublicJwk(jwk: JWK): PublicJwk {
  const source = jwk as Record<string, unknown>;
  const publicJwk: Record<string, unknown> = {};
  for (const member of PUBLIC_JWK_MEMBERS) {
    if (source[member] !== undefined) publicJwk[member] = source[member];
  }
  return Object.freeze(publicJwk) as PublicJwk;
}

/** The name and message of an import failure; WebCrypto and jose messages carry no key material. */
function importFailureReason(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}

/** Whether an RSA private JWK's modulus `n` is not the product of its primes `p` and `q` (when all three are there). */
function rsaModulusMismatch(jwk: JWK): boolean {
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.p !== 'string' || typeof jwk.q !== 'string') return false;
  const integer = (value: string): bigint => {
    const hex = Buffer.from(value, 'base64url').toString('hex');
    return hex ? BigInt(`0x${hex}`) : 0n;
  };
  return integer(jwk.p) * integer(jwk.q) !== integer(jwk.n);
}
