/**
 * Bounded fuzzing, part of every run (a few seconds): the callback endpoint's query string, `KeySet.decrypt`
 * input, and the pivot-identity normaliser. The long run is `test/security/fuzz.long.ts` (see SECURITY.md).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCRYPTION_ALGS, generateEncryptionKey, KeySet } from '../../libs/franceconnect/src/index.js';
import {
  decryptFuzzed,
  fuzzedCallback,
  jweInput,
  normaliseFuzzed,
  pivotClaims,
  sendFuzzedCallback,
  validJwes,
} from '../support/adversarial-fuzz.js';
import { attack, expectSignedIn, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';

const PLAINTEXT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

describe('fuzzing the callback endpoint', () => {
  let stack: AdversarialStack;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    stack = await startAdversarialStack();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await stack?.stop();
  });

  it('answers every query string without a 500, a crash, a hang or an off-site redirect', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzedCallback, (input) => sendFuzzedCallback(stack, input)),
      { numRuns: 60 },
    );
    expect(unhandled).toEqual([]);
  });

  it('still signs people in afterwards', async () => {
    await expectSignedIn(stack, await attack(stack, 'fcp', {}));
    await expectSignedIn(stack, await attack(stack, 'fc', {}));
  });
});

describe('fuzzing KeySet.decrypt', () => {
  let keySet: KeySet;
  let valid: { jwe: string; alg: string }[];
  beforeAll(async () => {
    keySet = await KeySet.fromJwks({ keys: await Promise.all(ENCRYPTION_ALGS.map((alg) => generateEncryptionKey(alg))) });
    valid = await validJwes(keySet, PLAINTEXT);
  });

  it('decrypts the valid JWEs (control)', async () => {
    for (const { jwe } of valid) {
      expect((await keySet.decrypt(jwe, { keyManagementAlgorithms: ENCRYPTION_ALGS })).plaintext).toBe(PLAINTEXT);
    }
  });

  it('fails with JweDecryptionError, and nothing else, on any other input', async () => {
    await fc.assert(
      fc.asyncProperty(jweInput(valid), (input) => decryptFuzzed(keySet, PLAINTEXT, input)),
      { numRuns: 400 },
    );
  });
});

describe('fuzzing normalisePivotIdentity', () => {
  it('returns a string or undefined, and never throws, for any claims object', () => {
    fc.assert(
      fc.property(pivotClaims, (claims) => normaliseFuzzed(claims)),
      { numRuns: 400 },
    );
  });
});
