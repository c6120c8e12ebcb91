import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../libs/franceconnect/src/identity/typeorm.js';

/** A scratch database holding the identity tables, created by the migrations (never `synchronize`). */
export interface TestDatabase {
  readonly dataSource: DataSource;
  /** Destroys the data source and removes the scratch schema or file. */
  drop(): Promise<void>;
}

/** Connection settings of the local PostgreSQL (overridable with the usual libpq variables). */
export function postgresConnection() {
  return {
    type: 'postgres' as const,
    host: process.env['PGHOST'] ?? '127.0.0.1',
    port: Number(process.env['PGPORT'] ?? 5432),
    username: process.env['PGUSER'] ?? 'postgres',
    password: process.env['PGPASSWORD'],
    database: process.env['PGDATABASE'] ?? 'test',
  };
}

/** A fresh PostgreSQL schema, so that suites running side by side never share a table. */
export async function openPostgres(label = 'fc_identity_test'): Promise<TestDatabase> {
  const schema = `${label}_${randomBytes(6).toString('hex')}`;
  const admin = await new DataSource(postgresConnection()).initialize();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const dataSource = await initialise({ ...postgresConnection(), schema, extra: { max: 10 } });
  return {
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    },
  };
}

/** A fresh SQLite file (better-sqlite3) in a temporary directory. */
export async function openSqlite(): Promise<TestDatabase> {
  const directory = await mkdtemp(join(tmpdir(), 'fc-identity-'));
  const dataSource = await initialise({ type: 'better-sqlite3', database: join(directory, 'identity.sqlite') });
  return {
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function initialise(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    ...options,
    entities: [...IDENTITY_ENTITIES],
    migrations: [...IDENTITY_MIGRATIONS],
    synchronize: false,
    logging: false,
  } as DataSourceOptions);
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}
