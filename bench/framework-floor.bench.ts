/**
 * The framework floor of a request: CPU time per request of the same trivial answer (a 303) through
 * node:http alone, express, Nest, and Nest behind the library's session middleware, each in a process
 * of its own. A sign-in makes the relying party serve two requests (login, callback), so twice the
 * difference between the last rows and node:http is what any Nest application with sessions pays over
 * the bare openid-client relying party of bench/sign-in-cpu.bench.ts before the library does anything.
 *
 *   npx vitest bench --run bench/framework-floor.bench.ts
 *
 * Environment: BENCH_ROUNDS (default 5) rounds of BENCH_REQUESTS (default 2000) requests per variant,
 * after a warm-up of BENCH_WARMUP (default 1000) requests per variant. The variants alternate round by
 * round (the order rotates) and each figure is the median of its rounds. Requests are made one at a time, each on a new connection, as browsers
 * signing in for the first time do. The last column is the main thread's young-generation collection
 * pauses per request (mean over the rounds): what survives a request grows with the stack.
 */
import { request } from 'node:http';
import { bench, describe } from 'vitest';
import type { FrameworkProcessConfig, FrameworkVariant } from './processes/framework.process.js';
import type { GcPauses } from './processes/ipc.js';
import { BenchProcess } from './support/processes.js';
import { envInt, loadConditions, median, rotate, row, RUN_ONCE } from './support/stats.js';

const ROUNDS = envInt('BENCH_ROUNDS', 5);
const REQUESTS = envInt('BENCH_REQUESTS', 2000);
const WARMUP = envInt('BENCH_WARMUP', 1000);
const FRAMEWORK_VARIANTS: readonly FrameworkVariant[] = ['node-http', 'express', 'nest', 'nest-session', 'nest-session-save'];

const LABELS: Record<FrameworkVariant, string> = {
  'node-http': 'node:http',
  express: 'express 5 route',
  nest: 'Nest controller (express adapter)',
  'nest-session': '+ franceConnectSession(), untouched',
  'nest-session-save': '+ a session stored, cookie set',
};

function get(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (response) => {
      if (response.statusCode !== 303) reject(new Error(`${url} answered ${response.statusCode}`));
      response.resume();
      response.on('end', resolve);
    })
      .on('error', reject)
      .end();
  });
}

async function run(): Promise<void> {
  const processes = new Map<FrameworkVariant, BenchProcess<{ url: string }>>();
  try {
    for (const variant of FRAMEWORK_VARIANTS) {
      processes.set(variant, await BenchProcess.start<{ url: string }>('framework.process', { variant } satisfies FrameworkProcessConfig));
    }
    for (const [, child] of processes) for (let index = 0; index < WARMUP; index++) await get(child.ready.url);
    const perRequest = new Map<FrameworkVariant, number[]>(FRAMEWORK_VARIANTS.map((variant) => [variant, []]));
    // Young-generation collection pauses of the main thread, summed over the rounds (ms).
    const youngGc = new Map<FrameworkVariant, number>(FRAMEWORK_VARIANTS.map((variant) => [variant, 0]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of rotate(FRAMEWORK_VARIANTS, round)) {
        const child = processes.get(variant)!;
        const gcBefore = await child.call<GcPauses>('gcPause');
        const before = await child.cpu();
        for (let index = 0; index < REQUESTS; index++) await get(child.ready.url);
        perRequest.get(variant)!.push(((await child.cpu()) - before) / REQUESTS);
        youngGc.set(variant, youngGc.get(variant)! + (await child.call<GcPauses>('gcPause')).young - gcBefore.young);
      }
    }
    const base = median(perRequest.get('node-http')!);
    const widths = [38, 16, 14, 22];
    const lines = [
      '',
      `CPU time per request of a 303 (median of ${ROUNDS} rounds of ${REQUESTS}, interleaved, a new connection each; ${await loadConditions()}):`,
      row(['', 'CPU / request', 'over node:http', 'young-gen GC / request'], widths),
    ];
    for (const variant of FRAMEWORK_VARIANTS) {
      const value = median(perRequest.get(variant)!);
      const gc = (youngGc.get(variant)! * 1000) / (ROUNDS * REQUESTS);
      lines.push(row([LABELS[variant], `${value.toFixed(0)} µs`, `+${(value - base).toFixed(0)} µs`, `${gc.toFixed(1)} µs`], widths));
    }
    console.log(lines.join('\n'));
  } finally {
    await Promise.all([...processes.values()].map((child) => child.stop()));
  }
}

describe('framework floor', () => {
  bench('a 303 through node:http, express, Nest and the session middleware (figures printed above)', run, RUN_ONCE);
});
