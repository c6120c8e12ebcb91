/**
 * The long fuzzing run, outside `npm test`: the same properties as `fuzz.e2e.ts`, many more inputs, and a
 * report of what was tried. Run it with
 *
 *   FUZZ_RUNS=100000 npx vitest run --config test/security/vitest.long.config.ts
 *
 * `FUZZ_RUNS` is the number of inputs per property (default 10 000; the callback and ID token properties,
 * which go through HTTP, get a tenth of it). `FUZZ_SEED` replays a run. Each property prints its inputs tried,
 * their outcomes, and any failure with its seed and shrunk counterexample.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FuzzTally,
  fuzzedCallback,
  fuzzedIdToken,
  fuzzRuns,
  normaliseFuzzed,
  pivotClaims,
  sendFuzzedCallback,
  sendFuzzedIdToken,
} from '../support/adversarial-fuzz.js';
import { startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';
const RUNS = fuzzRuns(10_000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** Runs a property, prints what it tried, and fails the test on a counterexample. */
async function run<T>(name: string, property: fc.IAsyncPropertyWithHooks<T> | fc.IPropertyWithHooks<T>, numRuns: number, tally: FuzzTally): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property as fc.IAsyncPropertyWithHooks<T>, { numRuns, seed, endOnFailure: true });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const report = [
    `fuzz ${name}: ${details.numRuns} inputs tried in ${seconds} s, seed ${details.seed}${details.failed ? ', FAILED' : ''}`,
    ...tally.lines().map((line) => `  ${line}`),
  ];
  if (details.failed) {
    report.push(`  counterexample (shrunk ${details.numShrinks} times): ${JSON.stringify(details.counterexample)?.slice(0, 2000)}`);
    report.push(`  error: ${String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance).slice(0, 2000)}`);
    report.push(`  replay: FUZZ_SEED=${details.seed} FUZZ_RUNS=${numRuns}`);
  }
  console.log(report.join('\n'));
  expect(details.failed, report.join('\n')).toBe(false);
}

describe('long fuzzing', () => {
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

  it('callback endpoint query strings', async () => {
    const tally = new FuzzTally();
    await run('callback', fc.asyncProperty(fuzzedCallback, (input) => sendFuzzedCallback(stack, input, tally)), Math.max(1, Math.floor(RUNS / 10)), tally);
    expect(unhandled).toEqual([]);
  });

  it('FranceConnect+ ID tokens', async () => {
    const tally = new FuzzTally();
    await run('ID token', fc.asyncProperty(fuzzedIdToken, (input) => sendFuzzedIdToken(stack, input, tally)), Math.max(1, Math.floor(RUNS / 10)), tally);
    expect(unhandled).toEqual([]);
  });

  it('normalisePivotIdentity claims', async () => {
    const tally = new FuzzTally();
    await run('normalisePivotIdentity', fc.property(pivotClaims, (claims) => normaliseFuzzed(claims, tally)), RUNS, tally);
  });
});
