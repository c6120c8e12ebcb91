import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_LINK_OPTIONS, IDENTITY_STORE, type IdentitySignIn, type NewIdentityLink } from '../../libs/franceconnect/src/identity/index.js';
import { IdentityAccount, IdentityLink, TypeOrmIdentityStore } from '../../libs/franceconnect/src/identity/typeorm.js';
import { IdentityLinkService } from '../../libs/franceconnect/src/index.js';
import { isUniqueViolation } from '../../libs/franceconnect/src/identity/typeorm-identity.store.js';
import { IdentityStoreUnavailableError } from '../../libs/franceconnect/src/errors/franceconnect.errors.js';
import { IDENTITY_MIGRATIONS } from '../../libs/franceconnect/src/identity/identity.schema.js';
import { openPostgres, openSqlite, type TestDatabase } from './identity-databases.js';
import { ANGELA, ANGELA_FCP, ANGELA_NAMESAKE, newSub, TEST_PIVOT_SECRET } from './identity.fixtures.js';

const T0 = new Date('2026-03-01T10:00:00.123Z');
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function newLink(overrides: Partial<NewIdentityLink> = {}): NewIdentityLink {
  return { platform: 'fc', sub: newSub(), acr: 'eidas1', pivotHash: HASH_A, seenAt: T0, ...overrides };
}

function fc(sub: string, claims: Record<string, unknown> = ANGELA): IdentitySignIn {
  return { platform: 'fc', sub, acr: 'eidas1', claims };
}

function fcp(sub: string, claims: Record<string, unknown> = ANGELA_FCP): IdentitySignIn {
  return { platform: 'fcp', sub, acr: 'eidas3', claims };
}

describe.each([
  { name: 'PostgreSQL', open: () => openPostgres() },
  { name: 'SQLite (better-sqlite3)', open: () => openSqlite() },
])('identity storage on $name', ({ open }) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: TypeOrmIdentityStore;

  beforeAll(async () => {
    database = await open();
    dataSource = database.dataSource;
    store = new TypeOrmIdentityStore(dataSource);
  });

  afterAll(async () => {
    await database?.drop();
  });

  function linker(options: { matchOnPivotIdentity?: boolean; commonIdentifier?: boolean } = {}) {
    return new IdentityLinkService(store, { pivotHashSecret: TEST_PIVOT_SECRET, ...options });
  }

  async function count(entity: typeof IdentityAccount | typeof IdentityLink, where: object = {}): Promise<number> {
    return dataSource.getRepository(entity).countBy(where);
  }

  describe('migrations', () => {
    it('create exactly the tables the entities describe', async () => {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    });

    it('can be reverted and run again', async () => {
      for (let undone = 0; undone < IDENTITY_MIGRATIONS.length; undone++) await dataSource.undoLastMigration();
      const queryRunner = dataSource.createQueryRunner();
      try {
        expect(await queryRunner.hasTable('fc_identity_link')).toBe(false);
        expect(await queryRunner.hasTable('fc_account')).toBe(false);
      } finally {
        await queryRunner.release();
      }
      await dataSource.runMigrations();
      expect(await dataSource.showMigrations()).toBe(false);
    });
  });

  describe('store', () => {
    it('creates an account with its first link and reads it back', async () => {
      const link = newLink({ platform: 'fcp', acr: 'eidas3' });
      const created = await store.createAccountWithLink(link);
      expect(created.outcome).toBe('created');

      const found = await store.findLink('fcp', link.sub);
      expect(found).toEqual({
        id: created.link.id,
        accountId: created.link.accountId,
        platform: 'fcp',
        sub: link.sub,
        firstSeenAt: T0,
        lastSeenAt: T0,
        lastAcr: 'eidas3',
        pivotHash: HASH_A,
      });
      expect(await store.findLink('fc', link.sub)).toBeUndefined();
      const account = await dataSource.getRepository(IdentityAccount).findOneByOrFail({ id: created.link.accountId });
      expect(account.pivotHash).toBe(HASH_A);
      expect(account.createdAt).toEqual(T0);
    });

    it('adds, lists, touches and removes links', async () => {
      const { link: first } = await store.createAccountWithLink(newLink({ pivotHash: null }));
      const second = newLink({ platform: 'fcp', acr: 'eidas2', pivotHash: HASH_B });
      expect((await store.addLink(first.accountId, second)).outcome).toBe('created');

      const links = await store.listLinks(first.accountId);
      expect(links.map((link) => [link.platform, link.sub])).toEqual([
        ['fc', first.sub],
        ['fcp', second.sub],
      ]);

      const later = new Date(T0.getTime() + 86_400_000);
      const touchedFc = await store.recordSignIn('fc', first.sub, { seenAt: later, acr: 'eidas1', pivotHash: HASH_B });
      const touchedFcp = await store.recordSignIn('fcp', second.sub, { seenAt: later, acr: 'eidas3', pivotHash: null });
      const [fcLink, fcpLink] = await store.listLinks(first.accountId);
      expect(fcLink).toMatchObject({ firstSeenAt: T0, lastSeenAt: later, lastAcr: 'eidas1', pivotHash: HASH_B });
      expect(fcpLink).toMatchObject({ lastSeenAt: later, lastAcr: 'eidas3', pivotHash: HASH_B });
      // The link as updated, dates as dates, exactly as a read gives it.
      expect(touchedFc).toEqual(fcLink);
      expect(touchedFcp).toEqual(fcpLink);
      expect(touchedFc?.firstSeenAt).toBeInstanceOf(Date);
      // An identity that is not linked: nothing written, nothing returned.
      expect(await store.recordSignIn('fc', 'not-linked', { seenAt: later, acr: 'eidas1', pivotHash: HASH_A })).toBeUndefined();
      expect(await store.findLink('fc', 'not-linked')).toBeUndefined();

      expect(await store.deleteLink(first.accountId, 'fcp')).toBe('deleted');
      expect(await store.deleteLink(first.accountId, 'fcp')).toBe('not-found');
      expect(await store.deleteLink(first.accountId, 'fc')).toBe('last-link');
      expect(await store.deleteLink('00000000-0000-4000-8000-000000000000', 'fc')).toBe('not-found');
      expect(await store.listLinks(first.accountId)).toHaveLength(1);
    });

    it('finds accounts by pivot hash, on accounts and links, at most two', async () => {
      const hash = 'c'.repeat(64);
      expect(await store.findAccountIdsByPivotHash(hash)).toEqual([]);
      const { link: one } = await store.createAccountWithLink(newLink({ pivotHash: hash }));
      expect(await store.findAccountIdsByPivotHash(hash)).toEqual([one.accountId]);

      // The second account answers through its link only.
      const { link: two } = await store.createAccountWithLink(newLink({ pivotHash: null }));
      await store.addLink(two.accountId, newLink({ platform: 'fcp', pivotHash: hash }));
      expect((await store.findAccountIdsByPivotHash(hash)).toSorted()).toEqual([one.accountId, two.accountId].toSorted());

      await store.createAccountWithLink(newLink({ pivotHash: hash }));
      expect(await store.findAccountIdsByPivotHash(hash)).toHaveLength(2);
      expect(await store.findAccountIdsByPivotHash(hash, 5)).toHaveLength(3);
    });

    it('deletes an account with its links and their hashes', async () => {
      const hash = 'd'.repeat(64);
      const { link } = await store.createAccountWithLink(newLink({ pivotHash: hash }));
      await store.addLink(link.accountId, newLink({ platform: 'fcp', pivotHash: hash }));

      expect(await store.deleteAccount(link.accountId)).toBe(true);
      expect(await count(IdentityLink, { accountId: link.accountId })).toBe(0);
      expect(await count(IdentityLink, { pivotHash: hash })).toBe(0);
      expect(await count(IdentityAccount, { pivotHash: hash })).toBe(0);
      expect(await store.findAccountIdsByPivotHash(hash)).toEqual([]);
      expect(await store.deleteAccount(link.accountId)).toBe(false);
    });

    it('cascades a delete made outside the store, in SQL', async () => {
      const { link } = await store.createAccountWithLink(newLink());
      await dataSource.createQueryBuilder().delete().from(IdentityAccount).where('id = :id', { id: link.accountId }).execute();
      expect(await store.findLink('fc', link.sub)).toBeUndefined();
    });
  });

  describe('database unavailable', () => {
    it("answers the application's calls with IdentityStoreUnavailableError (a 503), not the driver's error", async () => {
      const closed = new DataSource(dataSource.options);
      await closed.initialize();
      await closed.destroy();
      const service = new IdentityLinkService(new TypeOrmIdentityStore(closed), { pivotHashSecret: TEST_PIVOT_SECRET });
      for (const call of [() => service.links(randomUUID()), () => service.unlink(randomUUID(), 'fc'), () => service.deleteAccount(randomUUID())]) {
        const error = await call().catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(IdentityStoreUnavailableError);
        expect((error as IdentityStoreUnavailableError).status).toBe(503);
      }
    });
  });

  describe('constraints', () => {
    it('rejects a second link of one (platform, sub), with an error recognised as a unique violation', async () => {
      const { link } = await store.createAccountWithLink(newLink());
      const { link: other } = await store.createAccountWithLink(newLink({ platform: 'fcp' }));
      const error = await dataSource
        .getRepository(IdentityLink)
        .insert({ ...link, id: crypto.randomUUID(), accountId: other.accountId, platform: 'fc' })
        .catch((caught: unknown) => caught);
      expect(isUniqueViolation(error)).toBe(true);
      expect(isUniqueViolation(new Error('duplicate key'))).toBe(false);
    });

    it('returns the existing link, and leaves no orphan account, when (platform, sub) is taken', async () => {
      const link = newLink();
      const first = await store.createAccountWithLink(link);
      const accountsBefore = await count(IdentityAccount);
      const second = await store.createAccountWithLink({ ...link, seenAt: new Date() });
      expect(second).toEqual({ outcome: 'sub-taken', link: expect.objectContaining({ id: first.link.id }) });
      expect(await count(IdentityAccount)).toBe(accountsBefore);
    });

    it('keeps one identity per platform and account', async () => {
      const { link } = await store.createAccountWithLink(newLink());
      expect(await store.addLink(link.accountId, newLink())).toEqual({ outcome: 'platform-taken' });
      expect(await store.addLink(link.accountId, newLink({ sub: link.sub, platform: 'fc' }))).toMatchObject({
        outcome: 'sub-taken',
      });
      expect(await store.listLinks(link.accountId)).toHaveLength(1);
    });

    it('refuses a link to an account that does not exist', async () => {
      await expect(store.addLink('00000000-0000-4000-8000-000000000000', newLink())).rejects.toThrow();
    });

    it('refuses a platform other than fc and fcp', async () => {
      const { link } = await store.createAccountWithLink(newLink());
      await expect(
        dataSource.getRepository(IdentityLink).insert({ ...link, id: crypto.randomUUID(), sub: newSub(), platform: 'xx' as 'fc' }),
      ).rejects.toThrow(/CHK_fc_identity_link_platform|CHECK constraint/i);
    });
  });

  describe('policy through the real store', () => {
    it('links FC+ to the FC account held in session, then finds both, then erases everything', async () => {
      const service = linker();
      const fcSub = newSub();
      const fcpSub = newSub();
      const created = await service.resolve(fc(fcSub));
      expect(created.status).toBe('created');
      const accountId = created.status === 'created' ? created.accountId : '';

      const linked = await service.resolve(fcp(fcpSub), {
        otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA },
      });
      expect(linked).toEqual({ status: 'linked', accountId, reason: 'session' });
      expect(await service.resolve(fcp(fcpSub))).toEqual({ status: 'existing', accountId });
      expect(await service.resolve(fc(fcSub))).toEqual({ status: 'existing', accountId });

      expect(await service.unlink(accountId, 'fcp')).toEqual({ status: 'unlinked' });
      expect(await service.unlink(accountId, 'fc')).toEqual({ status: 'refused', reason: 'last-link' });
      expect(await service.deleteAccount(accountId)).toBe(true);
      expect(await count(IdentityLink, { accountId })).toBe(0);
    });

    it('matches on the pivot identity, keeps namesakes apart, and reports ambiguity', async () => {
      const claims = { ...ANGELA, given_name: `Angela ${newSub().slice(0, 8)}` };
      const service = linker({ matchOnPivotIdentity: true });
      const first = await service.resolve(fc(newSub(), claims));
      const second = await service.resolve(fcp(newSub(), { ...claims, family_name: 'dubois' }));
      expect(second).toMatchObject({ status: 'linked', reason: 'pivot-identity' });
      expect(second).toMatchObject({ accountId: first.status === 'created' ? first.accountId : '' });

      const namesake = await service.resolve(fcp(newSub(), { ...claims, birthdate: ANGELA_NAMESAKE.birthdate }));
      expect(namesake.status).toBe('created');

      // A second account with the same pivot identity, made while matching was off.
      await linker().resolve(fcp(newSub(), claims));
      const third = await service.resolve(fc(newSub(), claims));
      expect(third).toEqual({ status: 'ambiguous', candidates: 2, reason: 'multiple-pivot-matches' });
    });

    it('joins accounts on the common identifier', async () => {
      const service = linker({ commonIdentifier: true });
      const sub = newSub();
      const first = await service.resolve(fc(sub));
      expect(await service.resolve(fcp(sub))).toEqual({
        status: 'linked',
        accountId: first.status === 'created' ? first.accountId : '',
        reason: 'common-identifier',
      });
    });
  });

  describe('concurrency', () => {
    it('ends 20 simultaneous first sign-ins of one identity with one account and no error', async () => {
      const service = linker();
      const sub = newSub();
      const accountsBefore = await count(IdentityAccount);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => service.resolve({ platform: 'fcp', sub, acr: 'eidas3', claims: ANGELA_FCP })),
      );
      expect(await count(IdentityAccount)).toBe(accountsBefore + 1);
      expect(await count(IdentityLink, { platform: 'fcp', sub })).toBe(1);
      const accountIds = new Set(results.map((result) => (result.status === 'ambiguous' ? 'none' : result.accountId)));
      expect(accountIds.size).toBe(1);
      expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'existing')).toHaveLength(19);
    });

    it("gives one account to a person whose first FranceConnect and FranceConnect+ sign-ins race, with the common identifier", async () => {
      const service = linker({ commonIdentifier: true });
      const subs = Array.from({ length: 10 }, () => newSub());
      const results = await Promise.all(subs.flatMap((sub) => [service.resolve(fc(sub)), service.resolve(fcp(sub))]));
      for (const [index, sub] of subs.entries()) {
        const [first, second] = [results[2 * index]!, results[2 * index + 1]!];
        const accountIds = [first, second].map((result) => (result.status === 'ambiguous' ? 'none' : result.accountId));
        expect(accountIds[0], `both sign-ins of person ${index} on one account`).toBe(accountIds[1]);
        expect([first.status, second.status].sort()).toEqual(['created', 'linked']);
        const links = await dataSource.getRepository(IdentityLink).findBy({ sub });
        expect(new Set(links.map((link) => link.accountId)).size).toBe(1);
      }
    });

    it('resolves 20 simultaneous inserts of one identity through the unique constraint', async () => {
      const link = newLink();
      const accountsBefore = await count(IdentityAccount);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.createAccountWithLink(link)));
      expect(outcomes.filter((outcome) => outcome.outcome === 'created')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.outcome === 'sub-taken')).toHaveLength(19);
      expect(new Set(outcomes.map((outcome) => outcome.link.accountId)).size).toBe(1);
      // The losers' accounts were rolled back with their failed links.
      expect(await count(IdentityAccount)).toBe(accountsBefore + 1);
    });

    it('links 20 simultaneous step-ups of one identity once', async () => {
      const service = linker();
      const fcSub = newSub();
      const fcpSub = newSub();
      const created = await service.resolve({ platform: 'fc', sub: fcSub, acr: 'eidas1', claims: ANGELA });
      const accountId = created.status === 'created' ? created.accountId : '';
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          service.resolve(
            { platform: 'fcp', sub: fcpSub, acr: 'eidas3', claims: ANGELA_FCP },
            { otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA } },
          ),
        ),
      );
      expect(new Set(results.map((result) => result.status))).toEqual(new Set(['linked', 'existing']));
      expect(results.every((result) => result.status !== 'ambiguous' && result.accountId === accountId)).toBe(true);
      expect(await store.listLinks(accountId)).toHaveLength(2);
    });

    it('never leaves an account without identity when both are unlinked at once', async () => {
      const { link } = await store.createAccountWithLink(newLink());
      await store.addLink(link.accountId, newLink({ platform: 'fcp' }));
      const outcomes = await Promise.all([store.deleteLink(link.accountId, 'fc'), store.deleteLink(link.accountId, 'fcp')]);
      expect(outcomes.toSorted()).toEqual(['deleted', 'last-link']);
      expect(await store.listLinks(link.accountId)).toHaveLength(1);
    });

  });

  it('is injectable by Nest with the application DataSource', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        { provide: DataSource, useValue: dataSource },
        { provide: IDENTITY_STORE, useClass: TypeOrmIdentityStore },
        { provide: IDENTITY_LINK_OPTIONS, useValue: { pivotHashSecret: TEST_PIVOT_SECRET } },
        IdentityLinkService,
      ],
    }).compile();
    const service = moduleRef.get(IdentityLinkService);
    const result = await service.resolve({ platform: 'fc', sub: newSub(), acr: 'eidas1', claims: ANGELA });
    expect(result.status).toBe('created');
    await moduleRef.close();
  });
});
