/**
 * Requests per second on a route behind the library's guards, with a valid session, beside the same
 * handler without any guard, in the same app and the same run; with the memory store and with Redis.
 *
 *   npx vitest bench --run bench/guarded-route.bench.ts
 *
 * Environment: BENCH_ROUNDS (default 10) rounds of BENCH_SECONDS (default 3) seconds per route, after
 * BENCH_WARMUP_SECONDS (default 3) per route; BENCH_CONNECTIONS (default 10) keep-alive connections;
 * BENCH_REDIS_URL (default redis://127.0.0.1:6379; `none` skips Redis); BENCH_CPU_PROF=<dir> writes a
 * V8 CPU profile of the app's process there.
 *
 * Method. The sample app runs in its own process, built from its own module (`AppModule.forConfig()`)
 * inside a benchmark-only module that adds two twins of `/protected/eidas2` calling the sample app's
 * very handler (see bench/processes/app.process.ts); nothing is added to the sample app. The three
 * routes, all asked for JSON with the cookie of one real FranceConnect+ sign-in (eidas2):
 * - unguarded: `/bench/unguarded/eidas2`, the handler alone (the session middleware still runs: every
 *   route of the app has it);
 * - `/protected/eidas2`: `@RequireEidas('eidas2')`, as in the sample app;
 * - authenticated + eIDAS: `/bench/authenticated/eidas2`, `AuthenticatedGuard` then `@RequireEidas('eidas2')`.
 * autocannon (in the benchmark's process) loads one route at a time; the routes alternate (the order
 * rotates every round) and the figure of a route is the median of its rounds. The app's CPU time per
 * request is read inside its process: on a shared machine requests per second follow the CPU the other
 * processes leave, while CPU time per request is the cost of the route itself, so both ratios are printed. With Redis, sessions and sign-in transactions use a key prefix of
 * this run's own, deleted at the end; nothing else on that Redis is touched.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { createClient } from 'redis';
import { bench, describe } from 'vitest';
import { compileProcesses } from './support/processes.js';
import { signInThrough, startBenchStack, type BenchStack } from './support/stack.js';
import { envInt, loadConditions, median, rotate, row, RUN_ONCE } from './support/stats.js';

const ROUNDS = envInt('BENCH_ROUNDS', 10);
const SECONDS = envInt('BENCH_SECONDS', 3);
const WARMUP_SECONDS = envInt('BENCH_WARMUP_SECONDS', 3);
const CONNECTIONS = envInt('BENCH_CONNECTIONS', 10);
const REDIS_URL = process.env['BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PROFILE_DIR = process.env['BENCH_CPU_PROF'];

type Route = 'unguarded' | 'eidas' | 'both';
const ROUTES: readonly Route[] = ['unguarded', 'eidas', 'both'];
const PATHS: Record<Route, string> = {
  unguarded: '/bench/unguarded/eidas2',
  eidas: '/protected/eidas2',
  both: '/bench/authenticated/eidas2',
};
const LABELS: Record<Route, string> = {
  unguarded: 'unguarded twin',
  eidas: '/protected/eidas2 (@RequireEidas)',
  both: 'AuthenticatedGuard + @RequireEidas',
};

interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerRequest: number;
}

async function load(stack: BenchStack, route: Route, cookie: string, seconds: number): Promise<Figures> {
  const before = await stack.app.cpu();
  const result = await autocannon({
    url: `${stack.appUrl}${PATHS[route]}`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { cookie, accept: 'application/json' },
  });
  const cpu = (await stack.app.cpu()) - before;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${PATHS[route]}: ${result.non2xx} answers were not 2xx and ${result.errors} failed`);
  }
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: cpu / result.requests.total,
  };
}

async function redisAvailable(url: string): Promise<boolean> {
  if (url === 'none') return false;
  const client = createClient({ url, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

async function measure(store: 'memory' | 'Redis'): Promise<string[]> {
  const prefix = `fc-bench-${randomBytes(6).toString('hex')}:`;
  const stack = await startBenchStack({
    appMode: 'twin',
    redis: store === 'Redis' ? { url: REDIS_URL, prefix } : undefined,
    appExecArgv: PROFILE_DIR
      ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `guarded-route-${store.toLowerCase()}.cpuprofile`]
      : [],
  });
  try {
    const browser = await signInThrough(`${stack.appUrl}/auth/fcp/login`);
    const cookie = browser.jar.header(new URL(stack.appUrl)) ?? '';
    // The three routes answer the same body to the same session.
    const bodies = await Promise.all(
      ROUTES.map(async (route) => {
        const answer = await fetch(`${stack.appUrl}${PATHS[route]}`, { headers: { cookie, accept: 'application/json' } });
        if (answer.status !== 200) throw new Error(`${PATHS[route]} answered ${answer.status}`);
        return answer.text();
      }),
    );
    if (new Set(bodies).size !== 1) throw new Error('the twins do not answer the same body');

    for (const route of ROUTES) await load(stack, route, cookie, WARMUP_SECONDS);
    await stack.emulator.call('resetRequests');
    const figures: Record<Route, Figures[]> = { unguarded: [], eidas: [], both: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const route of rotate(ROUTES, round)) figures[route].push(await load(stack, route, cookie, SECONDS));
    }
    const platformRequests = Object.values(await stack.emulator.call<Record<string, number>>('requests')).reduce((a, b) => a + b, 0);

    const med = (route: Route, key: keyof Figures) => median(figures[route].map((figure) => figure[key]));
    const widths = [36, 10, 10, 10, 16, 14, 14];
    const lines = [
      '',
      `guarded route, ${store} session store: median of ${ROUNDS} rounds of ${SECONDS} s per route, interleaved, ` +
        `${CONNECTIONS} connections (${await loadConditions()}):`,
      row(['', 'req/s', 'p50', 'p99', 'app CPU / req', 'req/s ratio', 'CPU/req ratio'], widths),
    ];
    for (const route of ROUTES) {
      lines.push(
        row(
          [
            LABELS[route],
            med(route, 'rps').toFixed(0),
            `${med(route, 'p50').toFixed(1)} ms`,
            `${med(route, 'p99').toFixed(1)} ms`,
            `${med(route, 'cpuPerRequest').toFixed(0)} µs`,
            `${(med(route, 'rps') / med('unguarded', 'rps')).toFixed(2)}x`,
            `${(med(route, 'cpuPerRequest') / med('unguarded', 'cpuPerRequest')).toFixed(2)}x`,
          ],
          widths,
        ),
      );
    }
    lines.push(`requests to the platforms during the ${ROUNDS * ROUTES.length} runs: ${platformRequests} (target: 0)`);
    if (store === 'memory') {
      lines.push(
        `target: guarded >= 0.9x unguarded with the memory store: ${(med('eidas', 'rps') / med('unguarded', 'rps')).toFixed(2)}x, ` +
          `${(med('both', 'rps') / med('unguarded', 'rps')).toFixed(2)}x with both guards ` +
          '(req/s depends on the CPU the machine leaves the app; CPU per request is the cost of the route itself)',
      );
    }
    return lines;
  } finally {
    await stack.stop();
  }
}

async function run(): Promise<void> {
  compileProcesses();
  const lines = await measure('memory');
  if (await redisAvailable(REDIS_URL)) {
    lines.push(...(await measure('Redis')));
  } else {
    lines.push('', `Redis at ${REDIS_URL} is not reachable: the Redis figures are skipped.`);
  }
  console.log(lines.join('\n'));
}

describe('guarded route', () => {
  bench('guarded beside unguarded, memory store then Redis (figures printed above)', run, RUN_ONCE);
});
