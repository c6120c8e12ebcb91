/**
 * Load across two instances of the sample app sharing one Redis and one PostgreSQL: N browsers sign in
 * with FranceConnect+ concurrently for a fixed time, each sign-in started on one instance and finished
 * on the other, then read back on the first. Prints completed sign-ins, errors, lost sessions,
 * duplicate accounts, and the callback latency.
 *
 *   npx vitest bench --run bench/scale-out-load.bench.ts
 *
 * Environment: BENCH_CONCURRENCY (browsers at once, default 50), BENCH_SECONDS (default 30),
 * TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a schema of its own, dropped at the
 * end). Redis is a private redis-server on a free port. Targets: 0 errors, 0 lost sessions, 0 duplicate
 * accounts at 50 concurrent sign-ins.
 *
 * Like bench/identity-link.bench.ts, everything runs inside one bench task (vitest runs no hooks in bench
 * mode): vitest's own table shows one sample; the figures are the ones printed.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bench, describe } from 'vitest';
import { TEST_IDENTITIES, HttpAgent, completeEmulatorLogin } from '../libs/franceconnect/src/testing/index.js';
import { startDemoStack } from '../test/support/demo-stack.js';
import { startPrivateRedis } from '../test/support/redis-server.js';
import { RUN_ONCE } from './support/stats.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
}

async function run(): Promise<void> {
  const schema = `fc_load_${randomBytes(4).toString('hex')}`;
  const redis = await startPrivateRedis();
  const stack = await startDemoStack({ env: { REDIS_URL: redis.url, DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema } });
  const instances = [stack.appUrl, (await stack.addInstance()).url];
  const counts = { completed: 0, errors: 0, lost: 0 };
  const errors = new Map<string, number>();
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;

  async function browser(worker: number): Promise<void> {
    const person = TEST_IDENTITIES[worker % TEST_IDENTITIES.length]!;
    for (let round = 0; Date.now() < deadline; round++) {
      const agent = new HttpAgent();
      const [start, finish] = round % 2 === 0 ? instances : [instances[1]!, instances[0]!];
      try {
        const started = await agent.get(`${start}/auth/fcp/login`);
        const callback = await completeEmulatorLogin(agent, started.location!, { identity: person.id });
        const before = performance.now();
        const answer = await agent.get(`${finish}${callback.pathname}${callback.search}`);
        latencies.push(performance.now() - before);
        if (answer.status !== 303) throw new Error(`callback ${answer.status}`);
        const me = await agent.request(`${start}/me`, { headers: { accept: 'application/json' } });
        if (me.status !== 200 || (JSON.parse(me.body) as { provider?: string }).provider !== 'fcp') counts.lost++;
        else counts.completed++;
      } catch (error) {
        counts.errors++;
        const key = error instanceof Error ? error.message.slice(0, 80) : String(error);
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  }

  const began = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, worker) => browser(worker)));
  const elapsed = (Date.now() - began) / 1000;

  const admin = await new DataSource({ type: 'postgres', url: POSTGRES_URL }).initialize();
  const people = Math.min(CONCURRENCY, TEST_IDENTITIES.length);
  const [{ accounts }] = (await admin.query(`SELECT count(*)::int AS accounts FROM "${schema}".fc_account`)) as { accounts: number }[];
  await stack.stop();
  await redis.stop();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();

  latencies.sort((a, b) => a - b);
  console.log(
    [
      `two instances, one Redis, one PostgreSQL: ${CONCURRENCY} browsers for ${elapsed.toFixed(1)} s`,
      `  completed sign-ins   ${counts.completed} (${(counts.completed / elapsed).toFixed(1)}/s)`,
      `  errors               ${counts.errors}${errors.size ? ` ${JSON.stringify(Object.fromEntries(errors))}` : ''}`,
      `  lost sessions        ${counts.lost}`,
      `  duplicate accounts   ${accounts - people} (${accounts} accounts for ${people} people)`,
      `  callback latency     p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
    ].join('\n'),
  );
}

describe('scale-out load', () => {
  bench('concurrent sign-ins across two instances', run, RUN_ONCE);
});
