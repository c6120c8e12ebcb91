/**
 * The benchmarks still run. Each one runs here with its smallest sizes, through `vitest bench` as the
 * README shows, and must print its figures. No figure is compared with anything (runs this short
 * measure nothing): a benchmark that throws, or prints NaN where a figure belongs, fails here rather
 * than silently in its next measurement (`vitest bench` exits 0 either way).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

interface SmokeRun {
  readonly file: string;
  /** The smallest sizes the benchmark accepts. */
  readonly env: Readonly<Record<string, string>>;
  /** Lines the benchmark prints when it ran to the end, each with a figure. */
  readonly prints: readonly RegExp[];
  /** What it must not print: the words it writes in place of a figure it could not measure. */
  readonly never?: readonly RegExp[];
}

const RUNS: readonly SmokeRun[] = [
  {
    file: 'sign-in-cpu',
    env: { BENCH_ROUNDS: '1', BENCH_BLOCK: '2', BENCH_WARMUP: '1' },
    prints: [
      /sample app \/ bare openid-client RP +\d+\.\d+x +\d+\.\d+x +\d+\.\d+x-\d+\.\d+x +<= 1\.3x/,
      /library alone \/ by hand in Nest +\d+\.\d+x +\d+\.\d+x/,
      // Where it goes: login, callback, between requests, total, two kinds of GC pauses.
      /bare openid-client RP( +\d+\.\d+ ms){6}\n/,
      /platform requests per sign-in, sample app: fcp POST \/api\/v2\/token 1\.00/,
    ],
  },
  {
    file: 'guarded-route',
    env: { BENCH_ROUNDS: '1', BENCH_SECONDS: '1', BENCH_WARMUP_SECONDS: '1' },
    prints: [/target: guarded >= 0\.9x unguarded with the memory store: \d+\.\d+x/, /guarded route, Redis session store/],
  },
  {
    file: 'network-calls',
    env: { BENCH_SIGN_INS: '2', BENCH_GUARDED: '4' },
    prints: [/fcp POST \/api\/v2\/token +2 +1\.000 per sign-in/],
  },
  {
    file: 'memory',
    env: { BENCH_SESSIONS: '40', BENCH_REAL_SIGN_INS: '3', BENCH_TRANSACTIONS: '20' },
    prints: [/resident memory with 40 sessions: \d+\.\d MiB/],
  },
  {
    file: 'hot-path',
    env: {},
    prints: [/SignInRedirect thrown and answered by the exception filter +[\d,]+\.\d+/],
  },
  {
    file: 'framework-floor',
    env: { BENCH_ROUNDS: '1', BENCH_REQUESTS: '20', BENCH_WARMUP: '5' },
    prints: [/\+ a session stored, cookie set +\d+ µs +\+-?\d+ µs +\d+\.\d µs\n/],
  },
  {
    file: 'identity-link',
    env: { BENCH_LINKS: '1000', BENCH_TIME_MS: '300' },
    prints: [/ratio resolve\(\) \/ bare SELECT +p50 \d+\.\d+x/],
  },
  {
    file: 'scale-out-load',
    env: { BENCH_CONCURRENCY: '2', BENCH_SECONDS: '1' },
    prints: [/completed sign-ins +[1-9]\d*/, /errors +0\n/, /lost sessions +0\n/],
  },
  {
    file: 'reliability',
    env: { BENCH_CONCURRENCY: '2', BENCH_SECONDS: '2', BENCH_FLOOD: '200' },
    prints: [
      /0\. baseline: 2 browsers for \d+\.\d s\n +completed sign-ins +[1-9]\d*/,
      /flood of 200 sign-in starts in \d+\.\d s/,
      /\| d\. flood of 200 sign-in starts \| \d+ \|/,
      /\ntarget: no 5xx but 503 during an outage/,
    ],
    // What the bench prints in place of a figure it could not measure: an instance gone, no recovery.
    never: [/\bgone\b/, /not brought back/, /none in \d/],
  },
];

/** Runs one benchmark file; resolves with what it printed. */
function runBenchmark(run: SmokeRun): Promise<string> {
  // Plain text: no colour codes inside the figures.
  const env: NodeJS.ProcessEnv = { ...process.env, ...run.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  // The child is a vitest of its own, not a worker of this one.
  for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'NODE_ENV' || name === 'TEST') delete env[name];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [VITEST, 'bench', '--run', `bench/${run.file}.bench.ts`],
      { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 170_000 },
      (error, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        if (error) reject(new Error(`bench/${run.file}.bench.ts failed (${error.message}):\n${output.slice(-3000)}`));
        else resolve(output);
      },
    );
  });
}

describe('benchmarks (smallest sizes)', () => {
  it.each(RUNS)('$file: runs to the end and prints its figures', async (run) => {
    const output = await runBenchmark(run);
    for (const line of run.prints) expect(output, output.slice(-3000)).toMatch(line);
    for (const line of run.never ?? []) expect(output, output.slice(-3000)).not.toMatch(line);
    expect(output, output.slice(-3000)).not.toMatch(/NaN/);
  }, 180_000);
});
