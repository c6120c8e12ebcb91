import { describe, expect, it } from 'vitest';
import { IdentityConfigurationError } from './identity.errors.js';
import { identityColumnTypes } from './identity-columns.js';

describe('identityColumnTypes', () => {
  it('maps uuid and timestamps on PostgreSQL and SQLite', () => {
    expect(identityColumnTypes('postgres')).toEqual({ uuid: 'uuid', timestamp: 'timestamp' });
    expect(identityColumnTypes('better-sqlite3')).toEqual({ uuid: 'varchar', timestamp: 'datetime' });
  });

  it('refuses other databases, saying what is supported', () => {
    expect(() => identityColumnTypes('mysql')).toThrow(IdentityConfigurationError);
    expect(() => identityColumnTypes('mysql')).toThrow(/support postgres and better-sqlite3, not "mysql"/);
  });
});
