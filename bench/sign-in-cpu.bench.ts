/**
 * CPU time the sample app spends per complete FranceConnect+ sign-in, beside the two floors under it:
 * a bare openid-client v6 relying party doing the same protocol steps, and the `jose` cryptography alone
 * on the same tokens; to tell the library from the sample app, the library alone in a minimal Nest app
 * (the same options and sign-in routes, without account linking or database); and to tell the library
 * from the framework, the same sign-in written by hand in a Nest app with openid-client and
 * express-session, as teams write it without the library.
 *
 *   npx vitest bench --run bench/sign-in-cpu.bench.ts
 *
 * Environment: BENCH_ROUNDS (default 10) rounds of BENCH_BLOCK (default 50) sign-ins per variant, after
 * BENCH_WARMUP (default 50) sign-ins per variant; BENCH_CPU_PROF=<dir> writes V8 CPU profiles of the
 * sample app's, the library-alone, the by-hand and the bare relying party's processes there, sampled every 250 µs
 * (open them in Chrome DevTools, or compare them function by function);
 * BENCH_DATABASE_URL=postgres://… puts the sample app's accounts on PostgreSQL (in a schema of the run's
 * own, dropped at the end) instead of its default SQLite file.
 *
 * Method. Every party runs in its own process (compiled with tsc, as in production): the emulator, the
 * sample app (`createDemoApp()`, memory stores, SQLite identity linking, logger off), the library alone
 * (`library` mode of bench/processes/app.process.ts, its own client registration), the relying party
 * written by hand in Nest (`bench/processes/nest-rp.process.ts`: the transaction in the session, the
 * level checked, a new session id holding the person), the bare relying party
 * (`bench/processes/bare-rp.process.ts`, whose openid-client code the by-hand one shares) and the
 * cryptography process. The benchmark itself plays
 * the browsers, one sign-in at a time, each with a new browser (cookie jar) and a test identity at
 * eidas2. A sign-in is the login route (state, nonce, transaction), the emulator's pages, and the
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
 * To show where the time goes, each party's process also splits its CPU time, over the same blocks,
 * between its two routes and the time between requests (`requestCpu`, see bench/processes/ipc.ts: a
 * request counts until the turn of the event loop after its response, with the work of the process's
 * helper threads meanwhile, such as WebCrypto jobs), and sums its main thread's garbage collection
 * pauses. These are means over every sign-in of the blocks, so their total can differ from the median.
 *
 * Same pattern as bench/identity-link.bench.ts: the whole measurement runs in one vitest `bench` task;
 * the figures are the ones printed.
 */
import { bench, describe } from 'vitest';
import type { GcPauses, RequestCpu } from './processes/ipc.js';
import { BenchProcess, compileProcesses } from './support/processes.js';
import { signInThrough, startBenchStack } from './support/stack.js';
import { envInt, loadConditions, median, quantile, rotate, row, RUN_ONCE } from './support/stats.js';

const ROUNDS = envInt('BENCH_ROUNDS', 10);
const BLOCK = envInt('BENCH_BLOCK', 50);
const WARMUP = envInt('BENCH_WARMUP', 50);
const PROFILE_DIR = process.env['BENCH_CPU_PROF'];
const DATABASE_URL = process.env['BENCH_DATABASE_URL'];

type Variant = 'app' | 'library' | 'nest' | 'bare' | 'crypto';
type Party = Exclude<Variant, 'crypto'>;
const VARIANTS: readonly Variant[] = ['app', 'library', 'nest', 'bare', 'crypto'];
const PARTIES: readonly Party[] = ['app', 'library', 'nest', 'bare'];
const LABELS: Record<Variant, string> = {
  app: 'sample app',
  library: 'library alone (no linking)',
  nest: 'by hand in Nest (no linking)',
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
    appExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-app.cpuprofile'] : [],
    libraryExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-library.cpuprofile'] : [],
    nestExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-nest.cpuprofile'] : [],
    bareExecArgv: PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', 'sign-in-bare.cpuprofile'] : [],
  });
  const processes: Record<Party, BenchProcess<{ url: string }>> = {
    app: stack.app,
    library: stack.library!,
    nest: stack.nestRp!,
    bare: stack.bareRp!,
  };
  const crypto = stack.crypto!;
  try {
    const logins: Record<Party, string> = {
      app: `${stack.appUrl}/auth/fcp/login`,
      library: `${processes.library.ready.url}/auth/fcp/login`,
      nest: `${processes.nest.ready.url}/login`,
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

    const perSignIn: Record<Variant, number[]> = { app: [], library: [], nest: [], bare: [], crypto: [] };
    const wall: Record<Variant, number[]> = { app: [], library: [], nest: [], bare: [], crypto: [] };
    const requests: Record<Party, Record<string, number>> = { app: {}, library: {}, nest: {}, bare: {} };
    // Where each party's CPU went over all its blocks (microseconds, summed) and its GC pauses (ms).
    // Other requests: the platform fetching a relying party's JWKS again once its copy is a minute old.
    const emptySplit = () => ({ login: 0, callback: 0, other: 0, between: 0, gcYoung: 0, gcOther: 0 });
    const split: Record<Party, ReturnType<typeof emptySplit>> = { app: emptySplit(), library: emptySplit(), nest: emptySplit(), bare: emptySplit() };
    const measureBlock = async (variant: Variant): Promise<void> => {
      const started = performance.now();
      if (variant === 'crypto') {
        perSignIn.crypto.push((await crypto.call<number>('run', BLOCK)) / BLOCK);
      } else {
        const party = processes[variant];
        await stack.emulator.call('resetRequests');
        const gcBefore = await party.call<GcPauses>('gcPause');
        const splitBefore = await party.call<RequestCpu>('requestCpu');
        const before = await party.cpu();
        for (let index = 0; index < BLOCK; index++) await signInThrough(logins[variant]);
        perSignIn[variant].push(((await party.cpu()) - before) / BLOCK);
        const splitAfter = await party.call<RequestCpu>('requestCpu');
        const gcAfter = await party.call<GcPauses>('gcPause');
        const loginPath = new URL(logins[variant]).pathname;
        for (const [path, micros] of Object.entries(splitAfter.byPath)) {
          const spent = micros - (splitBefore.byPath[path] ?? 0);
          if (spent === 0) continue;
          if (path === loginPath) split[variant].login += spent;
          else if (path.endsWith('/callback')) split[variant].callback += spent;
          else split[variant].other += spent;
        }
        split[variant].between += splitAfter.between - splitBefore.between;
        split[variant].gcYoung += gcAfter.young - gcBefore.young;
        split[variant].gcOther += gcAfter.other - gcBefore.other;
        for (const [key, count] of Object.entries(backChannel(await stack.emulator.call('requests')))) {
          requests[variant][key] = (requests[variant][key] ?? 0) + count;
        }
      }
      wall[variant].push((performance.now() - started) / BLOCK);
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of rotate(VARIANTS, round)) await measureBlock(variant);
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
    lines.push(ratioRow('sample app / by hand in Nest', 'app', 'nest'));
    lines.push(ratioRow('library alone / by hand in Nest', 'library', 'nest'));
    lines.push(ratioRow('by hand in Nest / bare openid-client RP', 'nest', 'bare'));

    const signIns = ROUNDS * BLOCK;
    const stepWidths = [28, 12, 16, 18, 10, 12, 12];
    lines.push(
      '',
      `where it goes (means over the ${signIns} sign-ins of each party above, read inside its process; ` +
        'a request counts until its response is sent, with the work of helper threads meanwhile):',
    );
    lines.push(row(['', 'login route', 'callback route', 'between requests', 'total', 'GC: young', 'GC: other'], stepWidths));
    for (const party of PARTIES) {
      const { login, callback, other, between, gcYoung, gcOther } = split[party];
      lines.push(
        row(
          [
            LABELS[party],
            ms(login / signIns),
            ms(callback / signIns),
            ms(between / signIns),
            ms((login + callback + other + between) / signIns),
            ms((gcYoung * 1000) / signIns),
            ms((gcOther * 1000) / signIns),
          ],
          stepWidths,
        ),
      );
    }
    lines.push("(total: the mean, where the table above gives medians; GC: the main thread's collection pauses, already counted in the columns before)");
    for (const party of PARTIES) {
      const { other } = split[party];
      if (other > 0) lines.push(`${LABELS[party]}: ${ms(other / signIns)} per sign-in in other requests (the platform fetching its JWKS again), counted in the total`);
    }

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
  if (PROFILE_DIR) {
    console.log(`CPU profiles written to ${PROFILE_DIR}: sign-in-app, sign-in-library, sign-in-nest and sign-in-bare (.cpuprofile)`);
  }
}

describe('FranceConnect+ sign-in CPU', () => {
  bench('sample app beside a bare openid-client RP and the cryptography alone (figures printed above)', run, RUN_ONCE);
});
