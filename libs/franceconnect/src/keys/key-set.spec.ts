import { generateKeyPairSync } from 'node:crypto';
import * as client from 'openid-client';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
} from 'jose';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey, generateSigningKey } from './key-generation.js';
import { KeySet } from './key-set.js';
import { ENCRYPTION_ALGS } from './keys.constants.js';
import type { EncryptionAlg } from './keys.constants.js';
import { KeyConfigurationError } from './keys.errors.js';

/** Written out here rather than imported, so the test does not share a mistake with the code. */
const PUBLIC_MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use']);
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

async function configurationError(jwks: unknown): Promise<KeyConfigurationError> {
  const error = await KeySet.fromJwks(jwks).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeyConfigurationError);
  return error as KeyConfigurationError;
}

function expectNoKeyMaterial(text: string, keys: readonly JWK[]): void {
  expect(text).not.toContain('"d":');
  for (const key of keys) {
    for (const member of PRIVATE_MEMBERS) {
      const value = (key as Record<string, unknown>)[member];
      if (typeof value === 'string') expect(text).not.toContain(value.slice(0, 16));
    }
  }
}

/** A copy of `jwk` without `members`. */
function without(jwk: JWK, ...members: string[]): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([member]) => !members.includes(member))) as JWK;
}

const keysByAlg = {} as Record<EncryptionAlg, JWK>;
let signingKey: JWK;

beforeAll(async () => {
  for (const alg of ENCRYPTION_ALGS) keysByAlg[alg] = await generateEncryptionKey(alg);
  signingKey = await generateSigningKey('ES256');
});

describe('generateEncryptionKey', () => {
  it.each(ENCRYPTION_ALGS)('makes a private %s JWK with kid, alg and use "enc"', async (alg) => {
    const jwk = keysByAlg[alg];
    expect(jwk).toMatchObject({ alg, use: 'enc' });
    expect(typeof jwk.d).toBe('string');
    if (alg === 'ECDH-ES') {
      expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    } else {
      expect(jwk.kty).toBe('RSA');
      expect(Buffer.from(jwk.n as string, 'base64url').length * 8).toBe(2048);
    }
    // The default kid is the RFC 7638 thumbprint of the key.
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect(jwk).not.toHaveProperty('ext');
    expect(jwk).not.toHaveProperty('key_ops');
  });

  it('uses the kid given', async () => {
    expect((await generateEncryptionKey('ECDH-ES', { kid: 'enc-2025' })).kid).toBe('enc-2025');
  });

  it('makes signing keys with use "sig"', async () => {
    expect(signingKey).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const rs256 = await generateSigningKey('RS256', { kid: 'sig-rsa' });
    expect(rs256).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: 'sig-rsa' });
  });

  it('refuses an unknown alg and an empty kid', async () => {
    await expect(generateEncryptionKey('A256KW' as EncryptionAlg)).rejects.toThrow(TypeError);
    await expect(generateSigningKey('HS256' as 'ES256')).rejects.toThrow(TypeError);
    await expect(generateEncryptionKey('ECDH-ES', { kid: '' })).rejects.toThrow(TypeError);
  });
});

describe('KeySet.publicJwks', () => {
  it('publishes only allow-listed public members, in order, for RSA and EC keys', async () => {
    const privateKeys = [keysByAlg['ECDH-ES'], keysByAlg['RSA-OAEP-256'], keysByAlg['RSA-OAEP'], signingKey];
    const keySet = await KeySet.fromJwks({ keys: privateKeys });
    const { keys } = keySet.publicJwks();

    expect(keys.map((key) => key.kid)).toEqual(privateKeys.map((key) => key.kid));
    for (const key of keys) {
      for (const member of Object.keys(key)) expect(PUBLIC_MEMBERS.has(member)).toBe(true);
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member);
    }
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: privateKeys[0]?.x,
      y: privateKeys[0]?.y,
      kid: privateKeys[0]?.kid,
      alg: 'ECDH-ES',
      use: 'enc',
    });
    expect(keys[1]).toEqual({
      kty: 'RSA',
      n: privateKeys[1]?.n,
      e: privateKeys[1]?.e,
      kid: privateKeys[1]?.kid,
      alg: 'RSA-OAEP-256',
      use: 'enc',
    });
    expectNoKeyMaterial(JSON.stringify(keySet.publicJwks()), privateKeys);
  });

  it('does not publish unknown members, even private-looking ones', async () => {
    const keySet = await KeySet.fromJwks({
      keys: [{ ...keysByAlg['ECDH-ES'], x5c: ['MII…'], secret_note: 'hunter2', key_ops: ['deriveBits'] }],
    });
    expect(Object.keys(keySet.publicJwks().keys[0] as object).toSorted()).toEqual(
      ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
    );
  });

  it('is computed once and frozen', async () => {
    const keySet = await KeySet.fromJwks({ keys: [keysByAlg['ECDH-ES']] });
    const jwks = keySet.publicJwks();
    expect(keySet.publicJwks()).toBe(jwks);
    expect(Object.isFrozen(jwks)).toBe(true);
    expect(Object.isFrozen(jwks.keys)).toBe(true);
    expect(Object.isFrozen(jwks.keys[0])).toBe(true);
  });

  it('does not change when the input JWKS is changed afterwards', async () => {
    const input = { keys: [{ ...keysByAlg['ECDH-ES'] }] };
    const keySet = await KeySet.fromJwks(input);
    (input.keys[0] as Record<string, unknown>)['kid'] = 'changed';
    expect(keySet.publicJwks().keys[0]?.kid).toBe(keysByAlg['ECDH-ES'].kid);
  });
});

describe('KeySet key selection', () => {
  let keySet: KeySet;
  let newer: JWK;

  beforeAll(async () => {
    newer = await generateEncryptionKey('RSA-OAEP-256', { kid: 'newer' });
    keySet = await KeySet.fromJwks({
      keys: [newer, keysByAlg['RSA-OAEP-256'], keysByAlg['ECDH-ES'], signingKey],
    });
  });

  it('names the first key of an alg as the one FranceConnect+ encrypts to', () => {
    expect(keySet.firstEncryptionKey('RSA-OAEP-256')).toEqual({ kid: 'newer', alg: 'RSA-OAEP-256' });
    expect(keySet.firstEncryptionKey('ECDH-ES')).toEqual({ kid: keysByAlg['ECDH-ES'].kid, alg: 'ECDH-ES' });
    expect(keySet.firstEncryptionKey('RSA-OAEP')).toBeUndefined();
    expect(keySet.hasEncryptionKeyFor('RSA-OAEP-256')).toBe(true);
    expect(keySet.hasEncryptionKeyFor('RSA-OAEP')).toBe(false);
  });

  it('gives openid-client the older key of the same alg too during a rotation, each with its kid', () => {
    expect(keySet.decryptionKeys('RSA-OAEP-256').map((key) => key.kid)).toEqual(['newer', keysByAlg['RSA-OAEP-256'].kid]);
  });

  it('gives decryption keys with kid and alg, signing keys excluded, optionally for one alg', () => {
    const all = keySet.decryptionKeys();
    expect(all.map(({ kid, alg }) => ({ kid, alg }))).toEqual([
      { kid: 'newer', alg: 'RSA-OAEP-256' },
      { kid: keysByAlg['RSA-OAEP-256'].kid, alg: 'RSA-OAEP-256' },
      { kid: keysByAlg['ECDH-ES'].kid, alg: 'ECDH-ES' },
    ]);
    for (const { key } of all) {
      expect(key.type).toBe('private');
      expect(key.extractable).toBe(false);
    }
    expect(keySet.decryptionKeys('ECDH-ES').map(({ kid }) => kid)).toEqual([keysByAlg['ECDH-ES'].kid]);
    // The CryptoKeys were imported once: the same objects every call.
    expect(keySet.decryptionKeys()[0]?.key).toBe(all[0]?.key);
  });

  it('imports RSA keys with the hash their alg needs', async () => {
    const both = await KeySet.fromJwks({ keys: [keysByAlg['RSA-OAEP'], keysByAlg['RSA-OAEP-256']] });
    const [sha1, sha256] = both.decryptionKeys();
    expect(sha1?.key.algorithm).toMatchObject({ name: 'RSA-OAEP', hash: { name: 'SHA-1' } });
    expect(sha256?.key.algorithm).toMatchObject({ name: 'RSA-OAEP', hash: { name: 'SHA-256' } });
  });

  it('gives the signing key', () => {
    expect(keySet.firstSigningKey('ES256')).toMatchObject({ kid: signingKey.kid, alg: 'ES256' });
    expect(keySet.firstSigningKey('RS256')).toBeUndefined();
  });

  it("signs a private_key_jwt client assertion with openid-client's PrivateKeyJwt, naming the key's kid", async () => {
    const signing = keySet.currentSigningKey('ES256');
    expect(signing?.key.extractable).toBe(false);
    expect(signing?.key.usages).toEqual(['sign']);
    const auth = client.PrivateKeyJwt({ key: signing!.key, kid: signing!.kid });
    const body = new URLSearchParams();
    await auth({ issuer: 'https://fcp.example.test/api/v2' }, { client_id: 'sp' }, body, new Headers());
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = body.get('client_assertion') ?? '';
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: signingKey.kid });
    const publicKey = await importJWK(keySet.publicJwks().keys.find((key) => key.kid === signingKey.kid) as JWK, 'ES256');
    const { payload } = await jwtVerify(assertion, publicKey, { issuer: 'sp', subject: 'sp', audience: 'https://fcp.example.test/api/v2' });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it("hands its keys to openid-client's enableDecryptingResponses", () => {
    for (const alg of [undefined, ...ENCRYPTION_ALGS.filter((candidate) => keySet.hasEncryptionKeyFor(candidate))]) {
      const config = new client.Configuration({ issuer: 'https://x' }, 'id', 'secret');
      expect(() => client.enableDecryptingResponses(config, ['A256GCM'], ...keySet.decryptionKeys(alg))).not.toThrow();
    }
  });

  it('hands RSA-OAEP (SHA-1) keys to openid-client too', async () => {
    const sha1 = await KeySet.fromJwks({ keys: [keysByAlg['RSA-OAEP']] });
    const config = new client.Configuration({ issuer: 'https://x' }, 'id', 'secret');
    expect(() => client.enableDecryptingResponses(config, ['A256GCM'], ...sha1.decryptionKeys())).not.toThrow();
  });
});

describe('KeySet.fromJwks validation', () => {
  it.each([
    ['null', null, /must be a JSON object/],
    ['an array', [], /must be a JSON object.*got an array/],
    ['a string', '{"keys":[]}', /must be a JSON object.*got a string/],
    ['no keys array', {}, /no "keys" array/],
    ['an empty keys array', { keys: [] }, /"keys" array is empty/],
    ['a key that is not an object', { keys: ['x'] }, /keys\[0\] must be a JSON object/],
  ])('reports %s', async (_name, input, message) => {
    const error = await configurationError(input);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(message);
    expect(error.code).toBe('FC_KEYS_INVALID');
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a key without kid', () => without(keysByAlg['ECDH-ES'], 'kid'), /^keys\[0\]: no "kid"/],
    ['a key without private part', () => without(keysByAlg['ECDH-ES'], 'd'), /no private part \("d"\)/],
    ['an enc key without alg', () => without(keysByAlg['ECDH-ES'], 'alg'), /encryption key needs "alg".*RSA-OAEP, RSA-OAEP-256, ECDH-ES/],
    ['an enc key with another alg', () => ({ ...keysByAlg['ECDH-ES'], alg: 'ECDH-ES+A256KW' }), /"alg" "ECDH-ES\+A256KW" is not a FranceConnect\+ key management algorithm/],
    ['a key without use', () => without(keysByAlg['ECDH-ES'], 'use'), /"use" is missing/],
    ['a key with another use', () => ({ ...keysByAlg['ECDH-ES'], use: 'wrap' }), /"use" must be "enc" or "sig"; got "wrap"/],
    ['an alg that does not fit the key type', () => ({ ...keysByAlg['ECDH-ES'], alg: 'RSA-OAEP-256' }), /needs an RSA key, but "kty" is "EC"/],
    ['a signing key with an unsupported alg', () => ({ ...signingKey, alg: 'HS256' }), /not a supported signing algorithm/],
    ['a symmetric key', () => ({ kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', kid: 'sym', use: 'enc', alg: 'RSA-OAEP' }), /symmetric \("oct"\) keys are not accepted/],
    ['an OKP key', () => ({ kty: 'OKP', crv: 'X25519', x: 'AA', d: 'AA', kid: 'okp', use: 'enc', alg: 'ECDH-ES' }), /"kty" must be "RSA" or "EC"; got "OKP"/],
    ['an incomplete private key', () => without(keysByAlg['RSA-OAEP-256'], 'p', 'q', 'dp', 'dq', 'qi'), /could not be imported/],
  ])('reports %s', async (_name, makeKey, message) => {
    const key = makeKey();
    const error = await configurationError({ keys: [key] });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(message);
    expectNoKeyMaterial(error.message, [key as JWK]);
  });

  it('reports an RSA key whose public modulus belongs to another key', async () => {
    const other = await generateEncryptionKey('RSA-OAEP-256');
    const key = { ...keysByAlg['RSA-OAEP-256'], n: other.n };
    const error = await configurationError({ keys: [key] });
    expect(error.problems).toEqual([expect.stringMatching(/public members \(n, e\) do not belong to its private key/)]);
    expectNoKeyMaterial(error.message, [key]);
  });

  it('reports an EC key whose public point belongs to another key', async () => {
    const other = await generateEncryptionKey('ECDH-ES');
    const error = await configurationError({ keys: [{ ...keysByAlg['ECDH-ES'], x: other.x, y: other.y }] });
    expect(error.problems).toEqual([expect.stringMatching(/could not be imported|do not belong/)]);
  });

  it('reports a signing key whose public part belongs to another key', async () => {
    const other = await generateSigningKey('RS256');
    const rs256 = await generateSigningKey('RS256');
    const error = await configurationError({ keys: [{ ...rs256, n: other.n }] });
    expect(error.problems).toEqual([expect.stringMatching(/do not belong to its private key/)]);
  });

  it('reports an RSA modulus under 2048 bits', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const key = { ...privateKey.export({ format: 'jwk' }), kid: 'small', use: 'enc', alg: 'RSA-OAEP-256' };
    const error = await configurationError({ keys: [key] });
    expect(error.problems).toEqual([expect.stringMatching(/^keys\[0\] \(kid "small"\): the RSA modulus is 1024 bits: use at least 2048 bits/)]);
    expectNoKeyMaterial(error.message, [key as JWK]);
  });

  it('reports an EC curve other than P-256', async () => {
    const { privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-384', extractable: true });
    const key = { ...(await exportJWK(privateKey)), kid: 'p384', use: 'enc', alg: 'ECDH-ES' };
    const error = await configurationError({ keys: [key] });
    expect(error.problems).toEqual([expect.stringMatching(/curve "P-384" is not supported: use an EC key on P-256/)]);
  });

  it('reports duplicate kids', async () => {
    const error = await configurationError({
      keys: [keysByAlg['ECDH-ES'], { ...keysByAlg['RSA-OAEP'], kid: keysByAlg['ECDH-ES'].kid }],
    });
    expect(error.problems).toEqual([expect.stringMatching(/^keys\[1\] .*"kid" is also used by keys\[0\]/)]);
  });

  it('reports every problem of every key in one error', async () => {
    const keys = [
      keysByAlg['RSA-OAEP-256'],
      without(keysByAlg['ECDH-ES'], 'kid', 'd'),
      { kty: 'oct', k: 'c2VjcmV0', kid: 'sym', use: 'enc', alg: 'A256KW' },
      { ...without(keysByAlg['RSA-OAEP'], 'use'), kid: keysByAlg['RSA-OAEP-256'].kid },
    ];
    const error = await configurationError({ keys });
    expect(error.problems).toEqual([
      expect.stringMatching(/^keys\[1\]: no "kid"/),
      expect.stringMatching(/^keys\[1\]: no private part/),
      expect.stringMatching(/^keys\[2\] \(kid "sym"\): symmetric/),
      expect.stringMatching(/^keys\[2\] \(kid "sym"\): "alg" "A256KW" is not a FranceConnect\+/),
      expect.stringMatching(/^keys\[3\] .*"kid" is also used by keys\[0\]/),
      expect.stringMatching(/^keys\[3\] .*"use" is missing/),
    ]);
    expect(error.message).toContain('6 problems');
    for (const problem of error.problems) expect(error.message).toContain(problem);
    expectNoKeyMaterial(error.message, keys as JWK[]);
    expect(error.message).not.toContain('c2VjcmV0');
  });

  it('lists import failures together with structural problems', async () => {
    const error = await configurationError({
      keys: [without(keysByAlg['RSA-OAEP-256'], 'qi'), without(keysByAlg['ECDH-ES'], 'use')],
    });
    expect(error.problems).toEqual([
      expect.stringMatching(/^keys\[1\] .*"use" is missing/),
      expect.stringMatching(/^keys\[0\] .*could not be imported/),
    ]);
  });
});
