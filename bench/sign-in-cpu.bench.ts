/**
 * CPU time the sample app spends per complete FranceConnect+ sign-in, beside the two floors under it:
 * a bare openid-client v6 relying party doing the same protocol steps, and the `jose` cryptography alone
 * on the same tokens; and, to tell the library from the sample app, the library alone in a minimal Nest
 * app (the same options and sign-in routes, without account linking or database).
 *
 *   npx vitest bench --run bench/sign-in-cpu.bench.ts
 *
 * Environment: BENCH_ROUNDS (default 10) rounds of BENCH_BLOCK (default 50) sign-ins per variant, after
 * BENCH_WARMUP (default 50) sign-ins per variant; BENCH_CPU_PROF=<dir> writes V8 CPU profiles of the
 * sample app's, the library-alone and the bare relying party's processes there (open them in Chrome
 * DevTools, or compare them function by function);
 * BENCH_DATABASE_URL=postgres://… puts the sample app's accounts on PostgreSQL (in a schema of the run's
 * own, dropped at the end) instead of its default SQLite file.
 *
 * Method. Every party runs in its own process (compiled with tsc, as in production): the emulator, the
 * sample app (`createDemoApp()`, memory stores, SQLite identity linking, logger off), the library alone
 * (`library` mode of bench/processes/app.process.ts, its own client registration), the bare relying
 * party (`bench/processes/bare-rp.process.ts`) and the cryptography process. The benchmark itself plays
 * the browsers, one sign-in at a time, each with a new browser (cookie jar) and a test identity at
 * eidas2. A sign-in is the login route (state, nonce, PKCE, transaction), the emulator's pages, and the
 * callback (transaction taken, token request, two JWE decryptions, two ES256 verifications, userinfo,
 * acr check, identity link, session regenerated and saved). The CPU time of a party is read with
 * `process.cpuUsage()` inside its own process before and after a block of sign-ins, so neither the
 * emulator nor the driver is counted. The variants alternate block by block (the order rotates every
 * round) so that they share the machine's load; the figure of a variant is the median of its blocks.
 * Each ratio is printed twice: the ratio of the two medians, and paired, the median of the ratios of the
 * rounds (with the middle half of them): the variants of a round run back to back, at the same speed of
 * the machine, which on shared cores can drift by several times over a run.
 * The cryptography process decrypts and verifies the ID token and userinfo captured from one of the bare
 * relying party's sign-ins, with keys imported once.
 *
 * The emulator keeps each relying party's JWKS as FranceConnect+ does (`cacheClientJwks`), so a sign-in
 * makes the relying party serve two requests, the login route and the callback route.
 *
 * Then, to show where the time goes, BENCH_BLOCK more sign-ins per party read the CPU time around the
 * login route and around the callback route. The garbage collection pauses of each party's main thread
 * are summed over its blocks, per sign-in.
 *
 * Same pattern as bench/identity-link.bench.ts: the whole measurement runs in one vitest `bench` task;
 * the figures are the ones printed.
 */
import { bench, describe } from 'vitest';
import { completeEmulatorLogin } from '../libs/franceconnect/src/testing/emulator-login.js';
import { HttpAgent } from '../libs/franceconnect/src/testing/http-agent.js';
import { BenchProcess, compileProcesses } from './support/processes.js';
import { signInThrough, startBenchStack } from './support/stack.js';
import { envInt, loadConditions, median, quantile, rotate, row, RUN_ONCE } from './support/stats.js';

const ROUNDS = envInt('BENCH_ROUNDS', 10);
const BLOCK = envInt('BENCH_BLOCK', 50);
const WARMUP = envInt('BENCH_WARMUP', 50);
const PROFILE_DIR = process.env['BENCH_CPU_PROF'];
const DATABASE_URL = process.env['BENCH_DATABASE_URL'];
/** The step-by-step readings are taken over BLOCK sign-ins per party, in this many interleaved rounds. */
const STEP_ROUNDS = 5;

type Variant = 'app' | 'library' | 'bare' | 'crypto';
type Party = Exclude<Variant, 'crypto'>;
const VARIANTS: readonly Variant[] = ['app', 'library', 'bare', 'crypto'];
const PARTIES: readonly Party[] = ['app', 'library', 'bare'];
const LABELS: Record<Variant, string> = {
  app: 'sample app',
  library: 'library alone (no linking)',
  bare: 'bare openid-client RP',
  crypto: 'jose cryptography alone',
};

/** Back-channel requests of a relying party to the platform (the browser's own requests excluded). */
const BACK_CHANNEL = /\/(token|userinfo|jwks|\.well-known\/openid-configuration|token\/revocation)$/;

function backChannel(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([key]) => BACK_CHANNEL.test(key)));
}

async function run(): Promise<void> {
  compileProcesses();
  const stack = await startBenchStack({
    floors: true,
    databaseUrl: DATABASE_URL,
    appExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-app.cpuprofile'] : [],
    libraryExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-library.cpuprofile'] : [],
    bareExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-bare.cpuprofile'] : [],
  });
  const processes: Record<Party, BenchProcess<{ url: string }>> = { app: stack.app, library: stack.library!, bare: stack.bareRp! };
  const crypto = stack.crypto!;
  try {
    const logins: Record<Party, string> = {
      app: `${stack.appUrl}/auth/fcp/login`,
      library: `${processes.library.ready.url}/auth/fcp/login`,
      bare: `${processes.bare.ready.url}/login`,
    };

    // The tokens of the cryptography floor: those of a real sign-in of the bare relying party.
    await processes.bare.call('capture');
    await signInThrough(logins.bare);
    await crypto.call('load', await processes.bare.call('captured'));

    // Warm-up: discovery, the platform's JWKS, JIT compilation, database and pools.
    for (let index = 0; index < WARMUP; index++) {
      for (const party of PARTIES) await signInThrough(logins[party]);
    }
    await crypto.call('run', WARMUP);

    const perSignIn: Record<Variant, number[]> = { app: [], library: [], bare: [], crypto: [] };
    const wall: Record<Variant, number[]> = { app: [], library: [], bare: [], crypto: [] };
    const requests: Record<Party, Record<string, number>> = { app: {}, library: {}, bare: {} };
    const gcPerSignIn: Record<Party, number[]> = { app: [], library: [], bare: [] };
    const measureBlock = async (variant: Variant): Promise<void> => {
      const started = performance.now();
      if (variant === 'crypto') {
        perSignIn.crypto.push((await crypto.call<number>('run', BLOCK)) / BLOCK);
      } else {
        const party = processes[variant];
        await stack.emulator.call('resetRequests');
        const gcBefore = await party.call<number>('gcPause');
        const before = await party.cpu();
        for (let index = 0; index < BLOCK; index++) await signInThrough(logins[variant]);
        perSignIn[variant].push(((await party.cpu()) - before) / BLOCK);
        gcPerSignIn[variant].push((((await party.call<number>('gcPause')) - gcBefore) * 1000) / BLOCK);
        for (const [key, count] of Object.entries(backChannel(await stack.emulator.call('requests')))) {
          requests[variant][key] = (requests[variant][key] ?? 0) + count;
        }
      }
      wall[variant].push((performance.now() - started) / BLOCK);
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of rotate(VARIANTS, round)) await measureBlock(variant);
    }

    // Where the CPU goes: the login route and the callback route, read around each step. The cost of one
    // reading is measured and subtracted.
    const steps: Record<Party, { login: number[]; callback: number[] }> = {
      app: { login: [], callback: [] },
      library: { login: [], callback: [] },
      bare: { login: [], callback: [] },
    };
    for (let round = 0; round < STEP_ROUNDS; round++) {
      for (const party of rotate(PARTIES, round)) {
        const child = processes[party];
        const first = await child.cpu();
        const reading = (await child.cpu()) - first;
        for (let index = 0; index < Math.max(1, Math.round(BLOCK / STEP_ROUNDS)); index++) {
          const browser = new HttpAgent();
          const t0 = await child.cpu();
          const started = await browser.get(logins[party]);
          const t1 = await child.cpu();
          const callback = await completeEmulatorLogin(browser, started.location!, { identity: 'angela-dubois', acr: 'eidas2' });
          const t2 = await child.cpu();
          const answer = await browser.get(callback);
          const t3 = await child.cpu();
          if (answer.status !== 303) throw new Error(`${party} callback answered ${answer.status}`);
          steps[party].login.push(t1 - t0 - reading);
          steps[party].callback.push(t3 - t2 - reading);
        }
      }
    }

    const cpu = Object.fromEntries(VARIANTS.map((variant) => [variant, median(perSignIn[variant]) / 1000])) as Record<Variant, number>;
    const ms = (micros: number) => `${(micros / 1000).toFixed(2)} ms`;
    const widths = [28, 12, 14, 14, 16];
    const lines = [
      '',
      `FranceConnect+ sign-in, CPU time per sign-in of each party (median of ${ROUNDS} blocks of ${BLOCK}, ` +
        `${ROUNDS * BLOCK} sign-ins per variant, interleaved; sample app accounts on ${DATABASE_URL ? 'PostgreSQL' : 'SQLite'}; ` +
        `${await loadConditions()}):`,
      row(['', 'CPU median', 'CPU min block', 'CPU max block', 'wall / sign-in'], widths),
    ];
    for (const variant of VARIANTS) {
      const blocks = perSignIn[variant];
      lines.push(
        row(
          [LABELS[variant], ms(median(blocks)), ms(Math.min(...blocks)), ms(Math.max(...blocks)), `${median(wall[variant]).toFixed(1)} ms`],
          widths,
        ),
      );
    }
    // Paired: the variants of one round run back to back, so a round's ratio compares them at the same
    // speed of the machine, which may drift by several times over a run on shared cores.
    const ratioWidths = [44, 16, 10, 16, 14];
    lines.push('', row(['ratio', 'of the medians', 'paired', 'middle half', 'target'], ratioWidths));
    const ratioRow = (label: string, over: Variant, under: Variant, target = ''): string => {
      const rounds = perSignIn[over].map((value, round) => value / perSignIn[under][round]!);
      const times = (value: number) => `${value.toFixed(2)}x`;
      return row(
        [label, times(cpu[over] / cpu[under]), times(median(rounds)), `${times(quantile(rounds, 0.25))}-${times(quantile(rounds, 0.75))}`, target],
        ratioWidths,
      );
    };
    lines.push(ratioRow('sample app / bare openid-client RP', 'app', 'bare', '<= 1.3x'));
    lines.push(ratioRow('sample app / cryptography alone', 'app', 'crypto', '<= 3x'));
    lines.push(ratioRow('library alone / bare openid-client RP', 'library', 'bare'));
    lines.push(ratioRow('library alone / cryptography alone', 'library', 'crypto'));
    lines.push(ratioRow('bare RP / cryptography alone', 'bare', 'crypto'));

    const stepWidths = [28, 12, 16, 12];
    lines.push('', `where it goes (medians of ${BLOCK} sign-ins per party, interleaved; GC pauses from the blocks above):`);
    lines.push(row(['', 'login route', 'callback route', 'GC pauses'], stepWidths));
    for (const party of PARTIES) {
      lines.push(
        row([LABELS[party], ms(median(steps[party].login)), ms(median(steps[party].callback)), ms(median(gcPerSignIn[party]))], stepWidths),
      );
    }

    const signIns = ROUNDS * BLOCK;
    lines.push('');
    for (const party of PARTIES) {
      const perCall = Object.entries(requests[party])
        .map(([key, count]) => `${key} ${(count / signIns).toFixed(2)}`)
        .join(', ');
      lines.push(`platform requests per sign-in, ${LABELS[party]}: ${perCall || 'none'}`);
    }
    console.log(lines.join('\n'));
  } finally {
    await stack.stop();
  }
  if (PROFILE_DIR) console.log(`CPU profiles written to ${PROFILE_DIR}: sign-in-app.cpuprofile, sign-in-library.cpuprofile, sign-in-bare.cpuprofile`);
}

describe('FranceConnect+ sign-in CPU', () => {
  bench('sample app beside a bare openid-client RP and the cryptography alone (figures printed above)', run, RUN_ONCE);
});
