import type { ColumnOptions } from 'typeorm';
import { IdentityConfigurationError } from './identity.errors.js';

/** Database types the identity tables are written and tested for. */
export const IDENTITY_DATABASE_TYPES = Object.freeze(['postgres', 'better-sqlite3'] as const);

/** One of {@link IDENTITY_DATABASE_TYPES}. */
export type IdentityDatabaseType = (typeof IDENTITY_DATABASE_TYPES)[number];

/**
 * A timestamp column that maps on every supported database: TypeORM's portable mapping of `Date`,
 * the one it uses for `@CreateDateColumn` (`timestamp` on PostgreSQL, `datetime` on SQLite, where
 * TypeORM writes UTC). No database-side default: the store sets every timestamp itself, so both
 * databases hold the same values.
 *
 * PostgreSQL `timestamp` has no time zone and node-postgres writes and reads it in the process's
 * local zone: run every process that shares the database in the same zone (UTC is the safe choice).
 */
export function timestampColumn(name: string): ColumnOptions {
  return { name, type: Date };
}

/**
 * Column types the migrations use, per database, so that the tables they create are exactly what the
 * entities describe (TypeORM's schema diff finds nothing to change).
 *
 * @throws {IdentityConfigurationError} for a database the identity tables are not written for.
 */
export function identityColumnTypes(databaseType: string): { readonly uuid: string; readonly timestamp: string } {
  switch (databaseType) {
    case 'postgres':
      return { uuid: 'uuid', timestamp: 'timestamp' };
    case 'better-sqlite3':
      return { uuid: 'varchar', timestamp: 'datetime' };
    default:
      throw new IdentityConfigurationError([
        `the identity tables support ${IDENTITY_DATABASE_TYPES.join(' and ')}, not "${databaseType}": ` +
          `use one of those, or implement IdentityStore over your database.`,
      ]);
  }
}
