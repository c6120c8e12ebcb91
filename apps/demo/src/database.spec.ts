import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseOptions } from './database.js';
import { demoConfigFromEnv } from './demo.config.js';

describe('sample app database', () => {
  let directory: string | undefined;
  let dataSource: DataSource | undefined;

  afterEach(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('opens its SQLite file in WAL mode with synchronous=NORMAL, and migrates it', async () => {
    directory = await mkdtemp(join(tmpdir(), 'fc-demo-db-'));
    const config = demoConfigFromEnv({ DATABASE_URL: `sqlite:${join(directory, 'demo.sqlite')}` });
    dataSource = await new DataSource(databaseOptions(config) as DataSourceOptions).initialize();
    expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    // 1 = NORMAL (the default, FULL, is 2).
    expect(await dataSource.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
    await dataSource.runMigrations();
    expect(await dataSource.query(`SELECT name FROM sqlite_master WHERE name = 'fc_identity_link'`)).toHaveLength(1);
  });

  it('uses PostgreSQL for a postgres:// URL, in the schema DATABASE_SCHEMA names', () => {
    const config = demoConfigFromEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', DATABASE_SCHEMA: 'accounts' });
    expect(databaseOptions(config)).toMatchObject({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', schema: 'accounts' });
  });
});
