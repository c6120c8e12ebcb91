import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError, type Repository } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { IdentityPlatform } from './identity.constants.js';
import { IdentityAccount } from './identity-account.entity.js';
import { identityColumnTypes } from './identity-columns.js';
import { IdentityLink } from './identity-link.entity.js';
import type {
  AccountCreationOptions,
  AccountInsertOutcome,
  IdentityLinkRecord,
  IdentityLinkTouch,
  IdentityStore,
  LinkInsertOutcome,
  NewIdentityLink,
} from './identity-store.interface.js';

/** Driver error codes of a violated unique or primary key constraint. */
const UNIQUE_VIOLATION_CODES: ReadonlySet<unknown> = new Set([
  '23505', // PostgreSQL unique_violation
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/**
 * {@link IdentityStore} on a TypeORM `DataSource` (PostgreSQL or better-sqlite3) holding
 * {@link IDENTITY_ENTITIES}, created by {@link IDENTITY_MIGRATIONS}.
 *
 * Concurrency rests on the database's unique constraints, not on reading first: an insert that loses
 * a race is rolled back and the winner's row is read and returned. On SQLite, where TypeORM shares one
 * connection between all callers (so two open transactions would interleave on it), this store runs
 * its operations one at a time; use one store per `DataSource` there.
 *
 * @throws {IdentityConfigurationError} from the constructor when the data source is neither PostgreSQL
 *   nor better-sqlite3.
 */
@Injectable()
export class TypeOrmIdentityStore implements IdentityStore {
  private readonly accounts: Repository<IdentityAccount>;
  private readonly links: Repository<IdentityLink>;
  private readonly serialised: boolean;
  private readonly lockRows: boolean;
  private queue: Promise<unknown> = Promise.resolve();
  private recordSignInSql?: { readonly sql: string; readonly columns: ReadonlyMap<string, ColumnMetadata> };

  constructor(private readonly dataSource: DataSource) {
    identityColumnTypes(dataSource.options.type);
    this.accounts = dataSource.getRepository(IdentityAccount);
    this.links = dataSource.getRepository(IdentityLink);
    this.serialised = dataSource.options.type === 'better-sqlite3';
    this.lockRows = dataSource.options.type === 'postgres';
  }

  findLink(platform: IdentityPlatform, sub: string): Promise<IdentityLinkRecord | undefined> {
    return this.exclusive(() => this.readLink(platform, sub));
  }

  findAccountIdsByPivotHash(pivotHash: string, limit = 2): Promise<string[]> {
    return this.exclusive(async () => {
      const fromAccounts = await this.accounts
        .createQueryBuilder('account')
        .select('account.id', 'id')
        .where('account.pivotHash = :pivotHash', { pivotHash })
        .limit(limit)
        .getRawMany<{ id: string }>();
      // An account also answers to the pivot identity of each of its links: with the common
      // identifier, FC and FC+ may spell one person slightly differently.
      const fromLinks = await this.links
        .createQueryBuilder('link')
        .select('link.accountId', 'id')
        .distinct(true)
        .where('link.pivotHash = :pivotHash', { pivotHash })
        .limit(limit)
        .getRawMany<{ id: string }>();
      return [...new Set([...fromAccounts, ...fromLinks].map((row) => row.id))].slice(0, limit);
    });
  }

  createAccountWithLink(link: NewIdentityLink, options: AccountCreationOptions = {}): Promise<AccountInsertOutcome> {
    return this.exclusive(async () => {
      const commonSub = options.commonIdentifier ? link.sub : null;
      const account = this.accounts.create({ id: randomUUID(), createdAt: link.seenAt, pivotHash: link.pivotHash, commonSub });
      const row = this.newLinkRow(account.id, link);
      try {
        await this.dataSource.transaction(async (manager) => {
          await manager.insert(IdentityAccount, account);
          await manager.insert(IdentityLink, row);
        });
        return { outcome: 'created', link: toRecord(row) };
      } catch (error) {
        // A concurrent first sign-in of the same identity committed first: the transaction is
        // rolled back (no orphan account) and the winner's account is the answer.
        if (!isUniqueViolation(error)) throw error;
        const existing = await this.readLink(link.platform, link.sub);
        if (existing) return { outcome: 'sub-taken', link: existing };
        // With the common identifier: the person's first sign-in on the other platform created the
        // account at the same moment (common_sub is unique); its link is committed with it.
        const twin = commonSub === null ? undefined : await this.readLink(link.platform === 'fc' ? 'fcp' : 'fc', link.sub);
        if (twin) return { outcome: 'twin-taken', link: twin };
        throw error;
      }
    });
  }

  addLink(accountId: string, link: NewIdentityLink): Promise<LinkInsertOutcome> {
    return this.exclusive(async () => {
      const row = this.newLinkRow(accountId, link);
      try {
        await this.links.insert(row);
        return { outcome: 'created', link: toRecord(row) };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const existing = await this.readLink(link.platform, link.sub);
        if (existing) return { outcome: 'sub-taken', link: existing };
        if (await this.links.existsBy({ accountId, platform: link.platform })) return { outcome: 'platform-taken' };
        throw error;
      }
    });
  }

  recordSignIn(platform: IdentityPlatform, sub: string, touch: IdentityLinkTouch): Promise<IdentityLinkRecord | undefined> {
    return this.exclusive(async () => {
      const { sql, columns } = this.recordSignInStatement;
      const { driver } = this.dataSource;
      const value = (property: keyof IdentityLink, raw: unknown): unknown => driver.preparePersistentValue(raw, columns.get(property)!);
      // One UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35): the sign-in of a known identity is one write,
      // with no read before it. Values and placeholders go through TypeORM's own conversions, as a
      // query builder's would.
      const [query, parameters] = driver.escapeQueryWithParameters(
        sql,
        {
          lastSeenAt: value('lastSeenAt', touch.seenAt),
          lastAcr: value('lastAcr', touch.acr),
          pivotHash: touch.pivotHash === null ? null : value('pivotHash', touch.pivotHash),
          platform: value('platform', platform),
          sub: value('sub', sub),
        },
      );
      const runner = this.dataSource.createQueryRunner();
      let rows: Record<string, unknown>[];
      try {
        rows = ((await runner.query(query, parameters, true)) as { records?: Record<string, unknown>[] }).records ?? [];
      } finally {
        await runner.release();
      }
      return rows[0] === undefined ? undefined : toRecord(this.hydrate(rows[0]));
    });
  }

  listLinks(accountId: string): Promise<IdentityLinkRecord[]> {
    return this.exclusive(async () => {
      const rows = await this.links.find({ where: { accountId }, order: { platform: 'ASC' } });
      return rows.map(toRecord);
    });
  }

  deleteAccount(accountId: string): Promise<boolean> {
    return this.exclusive(async () => {
      // Links go with the account through ON DELETE CASCADE, and their pivot hashes with them.
      const result = await this.accounts.delete({ id: accountId });
      return (result.affected ?? 0) > 0;
    });
  }

  deleteLink(accountId: string, platform: IdentityPlatform): Promise<'deleted' | 'not-found' | 'last-link'> {
    return this.exclusive(() =>
      this.dataSource.transaction(async (manager) => {
        // Lock the account so that two unlinks of one account (FC and FC+ at once) cannot both see
        // "another identity remains" and leave it with none. SQLite runs them one at a time anyway.
        const query = manager.getRepository(IdentityAccount).createQueryBuilder('account').where('account.id = :accountId', {
          accountId,
        });
        if (this.lockRows) query.setLock('pessimistic_write');
        if (!(await query.getExists())) return 'not-found';
        const links = await manager.findBy(IdentityLink, { accountId });
        const target = links.find((candidate) => candidate.platform === platform);
        if (!target) return 'not-found';
        if (links.length === 1) return 'last-link';
        await manager.delete(IdentityLink, { id: target.id });
        return 'deleted';
      }),
    );
  }

  /**
   * The statement of {@link recordSignIn}, built once from the entity's metadata (table, schema, column
   * names) and the driver's quoting and placeholders.
   */
  private get recordSignInStatement(): { readonly sql: string; readonly columns: ReadonlyMap<string, ColumnMetadata> } {
    if (this.recordSignInSql) return this.recordSignInSql;
    const { driver } = this.dataSource;
    const metadata = this.links.metadata;
    const columns = new Map(metadata.columns.map((column) => [column.propertyName, column]));
    const name = (property: keyof IdentityLink): string => driver.escape(columns.get(property)!.databaseName);
    const table = metadata.tablePath
      .split('.')
      .map((part) => driver.escape(part))
      .join('.');
    const sql =
      `UPDATE ${table} SET ${name('lastSeenAt')} = :lastSeenAt, ${name('lastAcr')} = :lastAcr, ` +
      // A pivot identity that was not matchable this time keeps the stored hash.
      `${name('pivotHash')} = COALESCE(:pivotHash, ${name('pivotHash')}) ` +
      `WHERE ${name('platform')} = :platform AND ${name('sub')} = :sub ` +
      `RETURNING ${metadata.columns.map((column) => driver.escape(column.databaseName)).join(', ')}`;
    this.recordSignInSql = { sql, columns };
    return this.recordSignInSql;
  }

  /** An entity from a raw row of its table, through TypeORM's own conversions (dates on SQLite). */
  private hydrate(row: Record<string, unknown>): IdentityLink {
    const entity = this.links.create();
    for (const column of this.links.metadata.columns) {
      column.setEntityValue(entity, this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return entity;
  }

  private async readLink(platform: IdentityPlatform, sub: string): Promise<IdentityLinkRecord | undefined> {
    const row = await this.links.findOneBy({ platform, sub });
    return row ? toRecord(row) : undefined;
  }

  private newLinkRow(accountId: string, link: NewIdentityLink): IdentityLink {
    return this.links.create({
      id: randomUUID(),
      accountId,
      platform: link.platform,
      sub: link.sub,
      firstSeenAt: link.seenAt,
      lastSeenAt: link.seenAt,
      lastAcr: link.acr,
      pivotHash: link.pivotHash,
    });
  }

  /** Runs `task` after every task queued before it, on SQLite; straight away elsewhere. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    if (!this.serialised) return task();
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Whether `error` is a violated unique (or primary key) constraint, on PostgreSQL (`23505`) or SQLite
 * (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_CONSTRAINT_PRIMARYKEY`).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError: unknown = error.driverError;
  const code = typeof driverError === 'object' && driverError !== null ? (driverError as { code?: unknown }).code : undefined;
  return UNIQUE_VIOLATION_CODES.has(code);
}

function toRecord(row: IdentityLink): IdentityLinkRecord {
  return Object.freeze({
    id: row.id,
    accountId: row.accountId,
    platform: row.platform,
    sub: row.sub,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    lastAcr: row.lastAcr,
    pivotHash: row.pivotHash,
  });
}
