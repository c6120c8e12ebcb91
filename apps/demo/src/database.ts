import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from '../../../libs/franceconnect/src/identity/typeorm.js';
import type { DemoConfig } from './demo.config.js';

/** Default database of the sample app: a SQLite file, so `npm start` needs nothing installed. */
export const DEFAULT_SQLITE_FILE = '.data/demo.sqlite';

/**
 * TypeORM options of the sample app: PostgreSQL when `DATABASE_URL` is a `postgres://` URL (optionally in
 * the schema `DATABASE_SCHEMA`), otherwise SQLite (better-sqlite3) in the file `DATABASE_URL` names
 * (`sqlite:path`, `sqlite::memory:` for a database that lives as long as the process) or `.data/demo.sqlite`. The identity tables are created by the library's migrations,
 * run at start; never `synchronize`.
 */
export function databaseOptions(config: DemoConfig): TypeOrmModuleOptions {
  const common = {
    entities: [...IDENTITY_ENTITIES],
    migrations: [...IDENTITY_MIGRATIONS],
    migrationsRun: true,
    synchronize: false,
    logging: false,
  };
  const url = config.databaseUrl;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    return { ...common, type: 'postgres' as const, url, schema: config.databaseSchema, extra: { max: 10 } };
  }
  const path = url ? url.replace(/^sqlite:/, '') : DEFAULT_SQLITE_FILE;
  if (path === ':memory:') return { ...common, type: 'better-sqlite3' as const, database: path };
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3' as const,
    database: file,
    // better-sqlite3 runs each query on the event loop, and a commit in the default journal mode waits
    // for the disk there. In WAL mode with synchronous=NORMAL a commit does not wait for the disk (a
    // power cut may lose the last ones, a crash of the process loses none): right for development.
    enableWAL: true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
  };
}

/** Creates the PostgreSQL schema named by `DATABASE_SCHEMA` when missing, before TypeORM starts. */
export async function prepareDatabase(config: DemoConfig): Promise<void> {
  if (!config.databaseSchema || !config.databaseUrl || !/^postgres(ql)?:\/\//.test(config.databaseUrl)) return;
  const admin = await new DataSource({ type: 'postgres', url: config.databaseUrl }).initialize();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS "${config.databaseSchema.replace(/"/g, '')}"`);
  } finally {
    await admin.destroy();
  }
}
