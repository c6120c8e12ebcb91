/**
 * Bounded fuzzing, part of every run (a few seconds): the callback endpoint's query string, the encrypted ID
 * token FranceConnect+ answers with, and the pivot-identity normaliser. The long run is `test/security/fuzz.long.ts` (see SECURITY.md).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzedCallback, fuzzedIdToken, normaliseFuzzed, pivotClaims, sendFuzzedCallback, sendFuzzedIdToken } from '../support/adversarial-fuzz.js';
import { attack, expectSignedIn, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';

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

  it('refuses every damaged or made-up FranceConnect+ ID token with FC_ID_TOKEN_INVALID, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzedIdToken, (input) => sendFuzzedIdToken(stack, input)),
      { numRuns: 200 },
    );
    expect(unhandled).toEqual([]);
  });

  it('still signs people in afterwards', async () => {
    await expectSignedIn(stack, await attack(stack, 'fcp', {}));
    await expectSignedIn(stack, await attack(stack, 'fc', {}));
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
