import type { JWK } from 'jose';
import { ENCRYPTION_ALGS, SIGNING_ALGS, isEncryptionAlg, isSigningAlg } from './keys.constants.js';
import type { EncryptionAlg, SigningAlg } from './keys.constants.js';
import { EC_CURVE, MIN_RSA_MODULUS_BITS } from './keys.internal-constants.js';
import { KEY_RETIRED_AT_MEMBER, KEY_STATES, KEY_STATE_MEMBER, keyStateOf } from './key-states.js';
import type { KeyState } from './key-states.js';

/** A private JWK that passed every structural check, ready to be imported. */
export type CheckedPrivateJwk = {
  /** Position in the input `keys` array, to name the key in later messages. */
  readonly index: number;
  /** The private JWK as given. */
  readonly jwk: JWK;
  readonly kid: string;
  /** The key's state (`fc:state`); `current` when the key declares none. */
  readonly state: KeyState;
  /** When a retired key was retired (`fc:retiredAt`), epoch seconds; only set on retired keys. */
  readonly retiredAt?: number;
} & (
  | { readonly use: 'enc'; readonly alg: EncryptionAlg }
  | { readonly use: 'sig'; readonly alg: SigningAlg }
);

/** Result of {@link checkPrivateJwks}: `keys` is only meaningful when `problems` is empty. */
export interface PrivateJwksCheck {
  readonly problems: string[];
  readonly keys: CheckedPrivateJwk[];
}

/**
 * Checks the shape of a private JWKS without importing anything, and lists every problem found
 * with how to fix it. Messages name keys by position and `kid` and quote only public,
 * non-secret members (`kty`, `use`, `alg`, `crv`, `kid`): never key material.
 */
export function checkPrivateJwks(input: unknown): PrivateJwksCheck {
  const problems: string[] = [];
  const keys: CheckedPrivateJwk[] = [];

  if (!isPlainObject(input)) {
    problems.push(
      `The key set must be a JSON object of the form { "keys": [ ...private JWKs ] } (a private JWKS); got ${describeType(input)}.`,
    );
    return { problems, keys };
  }
  const list = input['keys'];
  if (!Array.isArray(list)) {
    problems.push(
      `The key set has no "keys" array (got ${describeType(list)}): give { "keys": [ ...private JWKs ] }.`,
    );
    return { problems, keys };
  }
  if (list.length === 0) {
    problems.push(
      `The key set's "keys" array is empty: add at least one private key, e.g. one made with generateEncryptionKey('RSA-OAEP-256').`,
    );
    return { problems, keys };
  }

  const firstIndexByKid = new Map<string, number>();
  list.forEach((candidate: unknown, index) => {
    const before = problems.length;
    const checked = checkKey(candidate, index, firstIndexByKid, problems);
    if (checked && problems.length === before) keys.push(checked);
  });
  checkCurrentKeys(list, problems);
  return { problems, keys };
}

/**
 * Two keys of one `use` and `alg` both marked `"fc:state": "current"` leave it to the file order to say
 * which one FranceConnect+ encrypts to: refused, so that the state alone decides. Keys without a state
 * are `current` too but keep their file order, as before states existed.
 */
function checkCurrentKeys(list: readonly unknown[], problems: string[]): void {
  const firstByGroup = new Map<string, number>();
  list.forEach((candidate, index) => {
    if (!isPlainObject(candidate) || candidate[KEY_STATE_MEMBER] !== 'current') return;
    const { use, alg } = candidate;
    if (typeof use !== 'string' || typeof alg !== 'string') return;
    const group = `${use} ${alg}`;
    const first = firstByGroup.get(group);
    if (first === undefined) {
      firstByGroup.set(group, index);
      return;
    }
    const kid = typeof candidate['kid'] === 'string' ? ` (kid ${quote(candidate['kid'])})` : '';
    problems.push(
      `keys[${index}]${kid}: keys[${first}] is also the current "${use}" key for ${quote(alg)}: only one key per algorithm can be current (the one FranceConnect+ encrypts to); mark the other "fc:state": "next" or "retired".`,
    );
  });
}

function checkKey(
  candidate: unknown,
  index: number,
  firstIndexByKid: Map<string, number>,
  problems: string[],
): CheckedPrivateJwk | undefined {
  if (!isPlainObject(candidate)) {
    problems.push(`keys[${index}] must be a JSON object (a JWK); got ${describeType(candidate)}.`);
    return undefined;
  }
  const jwk = candidate as JWK & Record<string, unknown>;
  const { kid, kty, use, alg } = jwk;
  const hasKid = typeof kid === 'string' && kid !== '';
  const label = hasKid ? `keys[${index}] (kid ${quote(kid)})` : `keys[${index}]`;
  const report = (problem: string): void => {
    problems.push(`${label}: ${problem}`);
  };

  // The kid is how a JWE is matched to exactly one private key (openid-client selects the decryption key by the JWE header's kid): it must exist
  // and be unique, or decryption would have to guess.
  if (!hasKid) {
    report(
      'no "kid": give every key a unique, non-empty "kid". FranceConnect+ copies it into the JWE header, and it is how the decryption key is chosen.',
    );
  } else {
    const first = firstIndexByKid.get(kid);
    if (first === undefined) {
      firstIndexByKid.set(kid, index);
    } else {
      report(`"kid" is also used by keys[${first}]: every "kid" must be unique, rename one of them.`);
    }
  }

  if (kty === 'oct') {
    report(
      'symmetric ("oct") keys are not accepted: FranceConnect+ encrypts to a published public key, and a shared secret must never be published. Use an RSA (2048 bits or more) or EC P-256 key pair.',
    );
  } else if (kty !== 'RSA' && kty !== 'EC') {
    report(`"kty" must be "RSA" or "EC"; got ${describeValue(kty)}.`);
  }

  // A symmetric key has no "d": it was already reported above.
  if (kty !== 'oct' && (typeof jwk.d !== 'string' || jwk.d === '')) {
    report(
      'no private part ("d"): this is a public key. The key set must hold the private keys; the public JWKS to publish is derived from it.',
    );
  }

  if (use === undefined) {
    report('"use" is missing: set "use": "enc" on a key FranceConnect+ encrypts to, or "sig" on a signing key.');
  } else if (use !== 'enc' && use !== 'sig') {
    report(`"use" must be "enc" or "sig"; got ${describeValue(use)}.`);
  }

  if (use === 'enc') {
    if (alg === undefined) {
      report(
        `an encryption key needs "alg": the key management algorithm registered with FranceConnect+, one of ${ENCRYPTION_ALGS.join(', ')}.`,
      );
    } else if (!isEncryptionAlg(alg)) {
      report(
        `"alg" ${describeValue(alg)} is not a FranceConnect+ key management algorithm: use one of ${ENCRYPTION_ALGS.join(', ')}.`,
      );
    }
  } else if (use === 'sig') {
    if (alg === undefined) {
      report(`a signing key needs "alg": one of ${SIGNING_ALGS.join(', ')}.`);
    } else if (!isSigningAlg(alg)) {
      report(`"alg" ${describeValue(alg)} is not a supported signing algorithm: use one of ${SIGNING_ALGS.join(', ')}.`);
    }
  }

  const knownAlg = isEncryptionAlg(alg) || isSigningAlg(alg) ? alg : undefined;
  if (knownAlg && (kty === 'RSA' || kty === 'EC')) {
    const expectedKty = knownAlg === 'ECDH-ES' || knownAlg === 'ES256' ? 'EC' : 'RSA';
    if (kty !== expectedKty) {
      report(`"alg" "${knownAlg}" needs an ${expectedKty} key, but "kty" is "${kty}": fix "alg" or use an ${expectedKty} key.`);
    }
  }

  if (kty === 'RSA') {
    const bits = modulusBits(jwk.n);
    if (bits === undefined) {
      report('"n" (the RSA modulus) is missing or not base64url: export the key again as a JWK.');
    } else if (bits < MIN_RSA_MODULUS_BITS) {
      report(
        `the RSA modulus is ${bits} bits: use at least ${MIN_RSA_MODULUS_BITS} bits (generate a new key, e.g. with generateEncryptionKey('RSA-OAEP-256')).`,
      );
    }
  } else if (kty === 'EC' && jwk.crv !== EC_CURVE) {
    report(`curve ${describeValue(jwk.crv)} is not supported: use an EC key on ${EC_CURVE}.`);
  }

  const lifecycle = checkState(jwk, report);

  if (!hasKid || !knownAlg || !lifecycle) return undefined;
  const { state, retiredAt } = lifecycle;
  const common = { index, jwk, kid, state, ...(retiredAt === undefined ? {} : { retiredAt }) };
  if (use === 'enc' && isEncryptionAlg(knownAlg)) return { ...common, use: 'enc', alg: knownAlg };
  if (use === 'sig' && isSigningAlg(knownAlg)) return { ...common, use: 'sig', alg: knownAlg };
  return undefined;
}

/** Checks `fc:state` and `fc:retiredAt` (see key-states.ts). */
function checkState(
  jwk: Record<string, unknown>,
  report: (problem: string) => void,
): { state: KeyState; retiredAt?: number } | undefined {
  const state = keyStateOf(jwk);
  const retiredAt = jwk[KEY_RETIRED_AT_MEMBER];
  if (state === undefined) {
    report(
      `"${KEY_STATE_MEMBER}" must be one of ${KEY_STATES.map((value) => `"${value}"`).join(', ')} (or absent, meaning "current"); got ${describeValue(jwk[KEY_STATE_MEMBER])}.`,
    );
    return undefined;
  }
  if (state !== 'retired') {
    if (retiredAt === undefined) return { state };
    report(
      `"${KEY_RETIRED_AT_MEMBER}" is set on a "${state}" key: it only belongs on a retired key. Remove it, or set "${KEY_STATE_MEMBER}": "retired".`,
    );
    return undefined;
  }
  if (typeof retiredAt !== 'number' || !Number.isSafeInteger(retiredAt) || retiredAt < 0) {
    report(
      `a retired key needs "${KEY_RETIRED_AT_MEMBER}", the time it was retired in epoch seconds (a non-negative integer; got ${typeof retiredAt === 'number' ? String(retiredAt) : describeType(retiredAt)}): it decrypts for a grace period after that time. Retire keys with the "keys retire" command.`,
    );
    return undefined;
  }
  return { state, retiredAt };
}

/** Bit length of a base64url big-endian unsigned integer, or `undefined` if it is not one. */
function modulusBits(n: unknown): number | undefined {
  if (typeof n !== 'string' || !/^[A-Za-z0-9_-]+$/.test(n)) return undefined;
  const bytes = Buffer.from(n, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start += 1;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start] as number));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names the type of a value without printing it (it could be key material). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** Quotes a public, short member value (`kty`, `use`, `alg`, `crv`); other types are only named. */
function describeValue(value: unknown): string {
  return typeof value === 'string' ? quote(value) : describeType(value);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
