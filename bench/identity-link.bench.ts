/**
 * Cost of `IdentityLinkService.resolve()` for a returning identity, next to a bare indexed SELECT of
 * the same link, on a PostgreSQL table of one million links.
 *
 *   npx vitest bench --run bench/identity-link.bench.ts
 *
 * Environment: BENCH_LINKS (rows in fc_identity_link, default 1000000; the fill takes about a
 * minute for a million), BENCH_TIME_MS (measuring time after a warm-up of 500 rounds, default 30000), PGHOST / PGPORT / PGUSER /
 * PGPASSWORD / PGDATABASE (default 127.0.0.1:5432, postgres, test). Works in a schema of its own,
 * dropped at the end. Not part of `npm test`: vitest runs `*.bench.ts` files in bench mode only.
 *
 * Method: four variants on the same connection pool, one call at a time, interleaved round by round
 * (the order rotates every round) so that they share the same cache, bloat and machine load:
 * - the bare indexed SELECT by (platform, sub);
 * - that SELECT, then an UPDATE by id recording the sign-in (a read and a durable write, whose commit
 *   waits for the WAL flush): how a store would do it in two statements;
 * - the SQL floor of resolve(): the one UPDATE … RETURNING by (platform, sub) that records the sign-in
 *   and returns the link (TypeOrmIdentityStore.recordSignIn());
 * - resolve() itself (pivot identity normalised and hashed, then that statement through TypeORM).
 * Identities are drawn at random from the whole table. After a warm-up, p50 / p99 are computed from
 * every call and printed with the ratios.
 *
 * The whole measurement runs inside one vitest `bench` task: vitest runs no `beforeAll` / `afterAll`
 * in bench mode and tinybench does not await a task's teardown, so this is the only place where the
 * schema is certain to be dropped. Vitest's own table therefore shows a single sample; the figures
 * are the ones printed.
 */
import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { bench, describe } from 'vitest';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS, TypeOrmIdentityStore } from '../libs/franceconnect/src/identity/typeorm.js';
import { IdentityLinkService } from '../libs/franceconnect/src/index.js';
import { type IdentityPlatform } from '../libs/franceconnect/src/identity/index.js';
import { RUN_ONCE } from './support/stats.js';

const LINKS = Math.max(2, Number(process.env['BENCH_LINKS'] ?? 1_000_000));
const TIME_MS = Number(process.env['BENCH_TIME_MS'] ?? 30_000);
const WARM_UP_ROUNDS = 500;
const ACCOUNTS = Math.ceil(LINKS / 2); // Account i holds an FC link and, while links last, an FC+ link.
const FCP_LINKS = LINKS - ACCOUNTS;

const connection = {
  type: 'postgres' as const,
  host: process.env['PGHOST'] ?? '127.0.0.1',
  port: Number(process.env['PGPORT'] ?? 5432),
  username: process.env['PGUSER'] ?? 'postgres',
  password: process.env['PGPASSWORD'],
  database: process.env['PGDATABASE'] ?? 'test',
};

const claims = {
  given_name: 'Angela Claire Louise',
  family_name: 'DUBOIS',
  birthdate: '1962-08-24',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
};

type Variant = 'select' | 'twoStatements' | 'floor' | 'resolve';
const VARIANTS: readonly Variant[] = ['select', 'twoStatements', 'floor', 'resolve'];

const LABELS: Record<Variant, string> = {
  select: 'bare indexed SELECT',
  twoStatements: 'SELECT, then UPDATE by id',
  floor: 'SQL floor (UPDATE … RETURNING)',
  resolve: 'IdentityLinkService.resolve()',
};

/** The `sub` the fill gave to (platform, i): the same expression as in the SQL below. */
function subOf(platform: IdentityPlatform, i: number): string {
  return `${createHash('sha256').update(`${platform}${i}`).digest('hex')}v1`;
}

function pick(): { platform: IdentityPlatform; sub: string } {
  const platform: IdentityPlatform = Math.random() < FCP_LINKS / LINKS ? 'fcp' : 'fc';
  const i = 1 + Math.floor(Math.random() * (platform === 'fcp' ? FCP_LINKS : ACCOUNTS));
  return { platform, sub: subOf(platform, i) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Creates the tables with the migrations, then fills them with generate_series. */
async function fill(schema: string): Promise<DataSource> {
  const dataSource = await new DataSource({
    ...connection,
    schema,
    entities: [...IDENTITY_ENTITIES],
    migrations: [...IDENTITY_MIGRATIONS],
  }).initialize();
  await dataSource.runMigrations();

  const started = performance.now();
  const accountId = `('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid`;
  const pivotHash = `encode(sha256(convert_to('pivot' || i, 'UTF8')), 'hex')`;
  await dataSource.query(
    `INSERT INTO "${schema}"."fc_account" (id, created_at, pivot_hash)
     SELECT ${accountId}, now(), ${pivotHash} FROM generate_series(1, $1::int) AS i`,
    [ACCOUNTS],
  );
  await dataSource.query(
    `INSERT INTO "${schema}"."fc_identity_link"
       (id, account_id, platform, sub, first_seen_at, last_seen_at, last_acr, pivot_hash)
     SELECT gen_random_uuid(), ${accountId}, p.platform,
            encode(sha256(convert_to(p.platform || i, 'UTF8')), 'hex') || 'v1', now(), now(), p.acr, ${pivotHash}
     FROM generate_series(1, $1::int) AS i
     CROSS JOIN (VALUES ('fc', 'eidas1'), ('fcp', 'eidas2')) AS p(platform, acr)
     WHERE p.platform = 'fc' OR i <= $2::int`,
    [ACCOUNTS, FCP_LINKS],
  );
  await dataSource.query(`VACUUM ANALYZE "${schema}"."fc_account"`);
  await dataSource.query(`VACUUM ANALYZE "${schema}"."fc_identity_link"`);
  const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "${schema}"."fc_identity_link"`);
  console.log(`filled ${count.toLocaleString('en')} links in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return dataSource;
}

async function measure(dataSource: DataSource, schema: string): Promise<Record<Variant, number[]>> {
  const service = new IdentityLinkService(new TypeOrmIdentityStore(dataSource), {
    pivotHashSecret: 'bench-pivot-hash-secret-0123456789abcdef',
  });
  const selectSql = `SELECT id, account_id FROM "${schema}"."fc_identity_link" WHERE platform = $1 AND sub = $2`;
  const updateSql = `UPDATE "${schema}"."fc_identity_link" SET last_seen_at = $1, last_acr = $2, pivot_hash = $3 WHERE id = $4`;
  // What resolve() runs for a returning identity: one statement, no read before it.
  const recordSql =
    `UPDATE "${schema}"."fc_identity_link" SET last_seen_at = $1, last_acr = $2, pivot_hash = COALESCE($3, pivot_hash) ` +
    `WHERE platform = $4 AND sub = $5 RETURNING id, account_id, platform, sub, first_seen_at, last_seen_at, last_acr, pivot_hash`;
  const acrOf = (platform: IdentityPlatform) => (platform === 'fc' ? 'eidas1' : 'eidas2');

  const probe = pick();
  const plan: { 'QUERY PLAN': string }[] = await dataSource.query(`EXPLAIN ${selectSql}`, [probe.platform, probe.sub]);
  console.log(`bare SELECT plan: ${plan.map((row) => row['QUERY PLAN'].trim()).join(' / ')}`);

  const calls: Record<Variant, () => Promise<unknown>> = {
    select: () => {
      const { platform, sub } = pick();
      return dataSource.query(selectSql, [platform, sub]);
    },
    twoStatements: async () => {
      const { platform, sub } = pick();
      const [row] = await dataSource.query(selectSql, [platform, sub]);
      await dataSource.query(updateSql, [new Date(), acrOf(platform), 'f'.repeat(64), row.id]);
    },
    floor: () => {
      const { platform, sub } = pick();
      return dataSource.query(recordSql, [new Date(), acrOf(platform), 'f'.repeat(64), platform, sub]);
    },
    resolve: () => {
      const { platform, sub } = pick();
      return service.resolve({ platform, sub, acr: acrOf(platform), claims });
    },
  };
  const samples: Record<Variant, number[]> = { select: [], twoStatements: [], floor: [], resolve: [] };
  const order = VARIANTS;
  const round = async (index: number, into?: Record<Variant, number[]>) => {
    for (let k = 0; k < order.length; k++) {
      const variant = order[(index + k) % order.length]!;
      const start = performance.now();
      await calls[variant]();
      into?.[variant].push(performance.now() - start);
    }
  };
  for (let index = 0; index < WARM_UP_ROUNDS; index++) await round(index);
  const end = performance.now() + TIME_MS;
  for (let index = 0; performance.now() < end; index++) await round(index, samples);
  return samples;
}

function report(samples: Record<Variant, number[]>): void {
  const stats = {} as Record<Variant, { p50: number; p99: number }>;
  const lines = [`p50 / p99 over ${LINKS.toLocaleString('en')} links, one call at a time, interleaved:`];
  for (const variant of VARIANTS) {
    const sorted = samples[variant].toSorted((a, b) => a - b);
    stats[variant] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    lines.push(
      `  ${LABELS[variant].padEnd(32)}p50 ${stats[variant].p50.toFixed(3)} ms   ` +
        `p99 ${stats[variant].p99.toFixed(3)} ms   (${sorted.length} calls)`,
    );
  }
  const ratio = (a: Variant, b: Variant) =>
    `p50 ${(stats[a].p50 / stats[b].p50).toFixed(2)}x      p99 ${(stats[a].p99 / stats[b].p99).toFixed(2)}x`;
  lines.push(`  ${'ratio resolve() / bare SELECT'.padEnd(32)}${ratio('resolve', 'select')}`);
  lines.push(`  ${'ratio resolve() / SQL floor'.padEnd(32)}${ratio('resolve', 'floor')}`);
  console.log(lines.join('\n'));
}

async function run(): Promise<void> {
  const schema = `fc_identity_bench_${randomBytes(4).toString('hex')}`;
  const admin = await new DataSource(connection).initialize();
  let dataSource: DataSource | undefined;
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    dataSource = await fill(schema);
    report(await measure(dataSource, schema));
  } finally {
    await dataSource?.destroy();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.destroy();
  }
}

describe(`identity linking on PostgreSQL, ${LINKS.toLocaleString('en')} links`, () => {
  bench('resolve() of returning identities beside a bare indexed SELECT (figures printed above)', run, RUN_ONCE);
});
