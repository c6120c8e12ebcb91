import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey, generateSigningKey } from './key-generation.js';
import { KeySet } from './key-set.js';
import { KeyConfigurationError } from './keys.errors.js';

const HOUR = 3600;
/** A fixed "now", epoch seconds, so grace periods are computed against a known clock. */
const NOW = 1_800_000_000;

function state(jwk: JWK, value: string, retiredAt?: number): JWK {
  return { ...jwk, 'fc:state': value, ...(retiredAt === undefined ? {} : { 'fc:retiredAt': retiredAt }) } as JWK;
}

async function problemsOf(jwks: unknown): Promise<readonly string[]> {
  const error = await KeySet.fromJwks(jwks).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeyConfigurationError);
  return (error as KeyConfigurationError).problems;
}

let current: JWK;
let next: JWK;
let retired: JWK;
let ecCurrent: JWK;
let ecNext: JWK;
let signing: JWK;

beforeAll(async () => {
  [current, next, retired, ecCurrent, ecNext, signing] = await Promise.all([
    generateEncryptionKey('RSA-OAEP-256', { kid: 'rsa-current' }),
    generateEncryptionKey('RSA-OAEP-256', { kid: 'rsa-next' }),
    generateEncryptionKey('RSA-OAEP-256', { kid: 'rsa-retired' }),
    generateEncryptionKey('ECDH-ES', { kid: 'ec-current' }),
    generateEncryptionKey('ECDH-ES', { kid: 'ec-next' }),
    generateSigningKey('ES256', { kid: 'sig' }),
  ]);
});

describe('KeySet with key states', () => {
  let clock: number;
  let keySet: KeySet;

  beforeAll(async () => {
    clock = NOW * 1000;
    // Written in the "wrong" order on purpose: the state decides what is published first, not the file.
    keySet = await KeySet.fromJwks(
      {
        keys: [
          state(retired, 'retired', NOW - HOUR),
          state(ecNext, 'next'),
          state(next, 'next'),
          state(current, 'current'),
          ecCurrent,
          signing,
        ],
      },
      { now: () => clock },
    );
  });

  it('publishes current keys first, then next keys, and never a retired key', () => {
    expect(keySet.publicJwks().keys.map((key) => key.kid)).toEqual(['rsa-current', 'ec-current', 'sig', 'ec-next', 'rsa-next']);
  });

  it('publishes no state member', () => {
    const text = JSON.stringify(keySet.publicJwks());
    expect(text).not.toContain('fc:');
  });

  it('names the current key as the one FranceConnect+ encrypts to, a key without state being current', () => {
    expect(keySet.firstEncryptionKey('RSA-OAEP-256')?.kid).toBe('rsa-current');
    expect(keySet.firstEncryptionKey('ECDH-ES')?.kid).toBe('ec-current');
  });

  it('gives openid-client every key that decrypts now: current, next and retired within its grace period', () => {
    expect(keySet.decryptionKeys('RSA-OAEP-256').map((key) => key.kid)).toEqual(['rsa-current', 'rsa-next', 'rsa-retired']);
    expect(keySet.decryptionKeys().map((key) => key.kid)).toEqual(['rsa-current', 'ec-current', 'ec-next', 'rsa-next', 'rsa-retired']);
  });

  it('describes every key without key material', () => {
    const described = keySet.describeKeys();
    expect(described.map(({ kid, state: keyState, published, decrypts }) => ({ kid, state: keyState, published, decrypts }))).toEqual([
      { kid: 'rsa-current', state: 'current', published: true, decrypts: true },
      { kid: 'ec-current', state: 'current', published: true, decrypts: true },
      { kid: 'sig', state: 'current', published: true, decrypts: false },
      { kid: 'ec-next', state: 'next', published: true, decrypts: true },
      { kid: 'rsa-next', state: 'next', published: true, decrypts: true },
      { kid: 'rsa-retired', state: 'retired', published: false, decrypts: true },
    ]);
    expect(described[5]).toMatchObject({ retiredAt: NOW - HOUR, decryptsUntil: NOW - HOUR + 24 * HOUR });
    expect(JSON.stringify(described)).not.toMatch(/"(d|p|q|dp|dq|qi|n|x|y)":/);
  });

  describe('once the grace period of the retired key has ended', () => {
    let later: KeySet;

    beforeAll(async () => {
      let laterClock = (NOW + 23 * HOUR) * 1000;
      later = await KeySet.fromJwks({ keys: [current, state(retired, 'retired', NOW)] }, { now: () => laterClock });
      expect(later.decryptionKeys().map((key) => key.kid)).toEqual(['rsa-current', 'rsa-retired']);
      // The clock moves on while the key set is in use: no reload is needed for the key to expire.
      laterClock = (NOW + 24 * HOUR) * 1000;
    });

    it('no longer gives the retired key to openid-client', () => {
      expect(later.decryptionKeys().map((key) => key.kid)).toEqual(['rsa-current']);
      expect(later.describeKeys()[1]).toMatchObject({ kid: 'rsa-retired', decrypts: false });
    });
  });

  it('takes the grace period from the options', async () => {
    const clockAt = (NOW + 2 * HOUR) * 1000;
    const short = await KeySet.fromJwks({ keys: [current, state(retired, 'retired', NOW)] }, { gracePeriodSeconds: HOUR, now: () => clockAt });
    const long = await KeySet.fromJwks({ keys: [current, state(retired, 'retired', NOW)] }, { gracePeriodSeconds: 3 * HOUR, now: () => clockAt });
    expect(short.gracePeriodSeconds).toBe(HOUR);
    expect(short.decryptionKeys().map((key) => key.kid)).toEqual(['rsa-current']);
    expect(long.decryptionKeys().map((key) => key.kid)).toEqual(['rsa-current', 'rsa-retired']);
    await expect(KeySet.fromJwks({ keys: [current] }, { gracePeriodSeconds: -1 })).rejects.toThrow(TypeError);
  });

  it('publishes a next key first for its alg when no key of that alg is current', async () => {
    const keySetWithNextOnly = await KeySet.fromJwks({ keys: [current, state(ecNext, 'next')] });
    expect(keySetWithNextOnly.firstEncryptionKey('ECDH-ES')?.kid).toBe('ec-next');
  });

  it('does not count a retired key as a key FranceConnect+ can encrypt to', async () => {
    const onlyRetired = await KeySet.fromJwks({ keys: [current, state(ecCurrent, 'retired', NOW)] });
    expect(onlyRetired.hasEncryptionKeyFor('ECDH-ES')).toBe(false);
    expect(onlyRetired.firstEncryptionKey('ECDH-ES')).toBeUndefined();
  });

  it('keeps the file order of keys without state, as before states existed', async () => {
    const legacy = await KeySet.fromJwks({ keys: [next, current] });
    expect(legacy.publicJwks().keys.map((key) => key.kid)).toEqual(['rsa-next', 'rsa-current']);
    expect(legacy.firstEncryptionKey('RSA-OAEP-256')?.kid).toBe('rsa-next');
  });

  it('does not publish a retired signing key, nor use it', async () => {
    const withRetiredSigning = await KeySet.fromJwks({ keys: [current, state(signing, 'retired', NOW)] });
    expect(withRetiredSigning.publicJwks().keys.map((key) => key.kid)).toEqual(['rsa-current']);
    expect(withRetiredSigning.firstSigningKey('ES256')).toBeUndefined();
    expect(withRetiredSigning.currentSigningKey('ES256')).toBeUndefined();
  });

  it('signs with the current signing key only: a next one is published, not used', async () => {
    const nextSigning = await generateSigningKey('ES256', { kid: 'sig-next' });
    const rotating = await KeySet.fromJwks({ keys: [current, state(nextSigning, 'next'), signing] });
    expect(rotating.publicJwks().keys.map((key) => key.kid)).toEqual(['rsa-current', 'sig', 'sig-next']);
    expect(rotating.currentSigningKey('ES256')).toMatchObject({ kid: 'sig', alg: 'ES256' });
    expect(rotating.currentSigningKey('RS256')).toBeUndefined();

    const nextOnly = await KeySet.fromJwks({ keys: [current, state(nextSigning, 'next')] });
    expect(nextOnly.currentSigningKey('ES256')).toBeUndefined();
  });
});

describe('KeySet.fromJwks validation of key states', () => {
  it('reports an unknown state', async () => {
    expect(await problemsOf({ keys: [state(current, 'old')] })).toEqual([
      expect.stringMatching(/^keys\[0\] \(kid "rsa-current"\): "fc:state" must be one of "current", "next", "retired" .*got "old"/),
    ]);
  });

  it('reports a retired key without a valid retirement time', async () => {
    expect(await problemsOf({ keys: [current, state(retired, 'retired')] })).toEqual([
      expect.stringMatching(/^keys\[1\] \(kid "rsa-retired"\): a retired key needs "fc:retiredAt".*got nothing/),
    ]);
    expect(await problemsOf({ keys: [current, state(retired, 'retired', 1.5)] })).toEqual([expect.stringMatching(/got 1\.5/)]);
    expect(await problemsOf({ keys: [current, { ...state(retired, 'retired'), 'fc:retiredAt': '2025-01-01' }] })).toEqual([
      expect.stringMatching(/got a string/),
    ]);
  });

  it('reports a retirement time on a key that is not retired', async () => {
    expect(await problemsOf({ keys: [{ ...next, 'fc:state': 'next', 'fc:retiredAt': NOW }] })).toEqual([
      expect.stringMatching(/"fc:retiredAt" is set on a "next" key/),
    ]);
  });

  it('reports two keys of one alg both marked current', async () => {
    expect(await problemsOf({ keys: [state(current, 'current'), state(next, 'current'), state(ecCurrent, 'current')] })).toEqual([
      expect.stringMatching(/^keys\[1\] \(kid "rsa-next"\): keys\[0\] is also the current "enc" key for "RSA-OAEP-256"/),
    ]);
  });
});
