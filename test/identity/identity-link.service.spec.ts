import { beforeEach, describe, expect, it } from 'vitest';
import { type AmbiguousSignIn, IdentityConfigurationError, type IdentityLinkEvent, type IdentityLinkOptions, InvalidSignInError, type IdentitySignIn } from '../../libs/franceconnect/src/identity/index.js';
import { IdentityLinkService } from '../../libs/franceconnect/src/index.js';
import {
  ANGELA,
  ANGELA_FCP,
  ANGELA_NAMESAKE,
  EMAIL_ONLY,
  newSub,
  PIERRE_SAME_EMAIL,
  TEST_PIVOT_SECRET,
} from './identity.fixtures.js';
import { InMemoryIdentityStore } from './in-memory-identity.store.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');

function fc(sub: string, claims: Record<string, unknown> = ANGELA): IdentitySignIn {
  return { platform: 'fc', sub, acr: 'eidas1', claims };
}

function fcp(sub: string, claims: Record<string, unknown> = ANGELA_FCP): IdentitySignIn {
  return { platform: 'fcp', sub, acr: 'eidas3', claims };
}

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('IdentityLinkService', () => {
  let store: InMemoryIdentityStore;
  let events: IdentityLinkEvent[];
  let ambiguous: AmbiguousSignIn[];
  let now: Date;

  function service(options: Partial<IdentityLinkOptions> = {}): IdentityLinkService {
    return new IdentityLinkService(
      store,
      { pivotHashSecret: TEST_PIVOT_SECRET, onAmbiguous: (signIn) => void ambiguous.push(signIn), clock: () => now, ...options },
      (event) => events.push(event),
    );
  }

  beforeEach(() => {
    store = new InMemoryIdentityStore();
    events = [];
    ambiguous = [];
    now = T0;
  });

  describe('options', () => {
    it('lists every problem at once, each with how to fix it', () => {
      const error = thrown(
        () =>
          new IdentityLinkService(store, {
            pivotHashSecret: 'too-short',
            commonIdentifier: 'yes' as unknown as boolean,
            onAmbiguous: 42 as unknown as () => void,
          }),
      );
      expect(error).toBeInstanceOf(IdentityConfigurationError);
      expect((error as IdentityConfigurationError).code).toBe('FC_IDENTITY_CONFIGURATION_INVALID');
      expect((error as IdentityConfigurationError).problems).toHaveLength(3);
      expect((error as Error).message).toMatch(/3 problems/);
      expect((error as Error).message).toMatch(/pivotHashSecret must be a string of at least 32 characters/);
      expect((error as Error).message).toMatch(/commonIdentifier must be true or false/);
      expect((error as Error).message).toMatch(/onAmbiguous must be a function/);
      expect((error as Error).message).not.toContain('too-short');
    });

    it('requires the pivot hash secret even with matching off', () => {
      expect(() => new IdentityLinkService(store, {} as IdentityLinkOptions)).toThrow(/pivotHashSecret/);
    });
  });

  describe('first and later sign-ins', () => {
    it('creates an account on a first sign-in, then finds it again', async () => {
      const linker = service();
      const sub = newSub();
      const first = await linker.resolve(fc(sub));
      expect(first).toEqual({ status: 'created', accountId: expect.any(String) });

      now = new Date(T0.getTime() + 60_000);
      const again = await linker.resolve({ ...fc(sub), acr: 'eidas1' });
      expect(again).toEqual({ status: 'existing', accountId: first.status === 'created' ? first.accountId : '' });
      expect(store.accounts.size).toBe(1);
      expect(store.links.size).toBe(1);
    });

    it('records first and last seen times and the last acr', async () => {
      const linker = service();
      const sub = newSub();
      await linker.resolve(fcp(sub));
      now = new Date(T0.getTime() + 3_600_000);
      await linker.resolve({ ...fcp(sub), acr: 'eidas2' });
      const [link] = [...store.links.values()];
      expect(link).toMatchObject({ firstSeenAt: T0, lastSeenAt: now, lastAcr: 'eidas2', platform: 'fcp', sub });
    });

    it('keeps the stored pivot hash when a later sign-in brings no pivot identity', async () => {
      const linker = service();
      const sub = newSub();
      await linker.resolve(fc(sub));
      const [before] = [...store.links.values()];
      await linker.resolve(fc(sub, EMAIL_ONLY));
      const [after] = [...store.links.values()];
      expect(before!.pivotHash).toMatch(/^[0-9a-f]{64}$/);
      expect(after!.pivotHash).toBe(before!.pivotHash);
    });

    it('ends with one account when the same first sign-in arrives many times at once', async () => {
      const linker = service();
      const sub = newSub();
      const results = await Promise.all(Array.from({ length: 20 }, () => linker.resolve(fc(sub))));
      expect(store.accounts.size).toBe(1);
      expect(new Set(results.map((result) => (result.status === 'ambiguous' ? '' : result.accountId))).size).toBe(1);
      expect(results.filter((result) => result.status === 'created')).toHaveLength(1);
      expect(results.filter((result) => result.status === 'existing')).toHaveLength(19);
    });
  });

  describe('FC and FC+ without any proof of identity', () => {
    it('keeps two accounts: different subs alone prove nothing', async () => {
      const linker = service();
      const a = await linker.resolve(fc(newSub()));
      const b = await linker.resolve(fcp(newSub()));
      expect(a.status).toBe('created');
      expect(b.status).toBe('created');
      expect(store.accounts.size).toBe(2);
    });
  });

  describe('common identifier', () => {
    it('joins the account that holds the same sub on the other platform', async () => {
      const linker = service({ commonIdentifier: true });
      const sub = newSub();
      const first = await linker.resolve(fc(sub));
      const second = await linker.resolve(fcp(sub));
      expect(second).toEqual({
        status: 'linked',
        accountId: first.status === 'created' ? first.accountId : '',
        reason: 'common-identifier',
      });
      expect(store.accounts.size).toBe(1);
      expect(events.at(-1)).toEqual({ type: 'linked', platform: 'fcp', accountId: expect.any(String), reason: 'common-identifier' });
    });

    it('does not treat an equal sub as the same person when the service is not registered for it', async () => {
      const linker = service({ commonIdentifier: false });
      const sub = newSub();
      await linker.resolve(fc(sub));
      expect((await linker.resolve(fcp(sub))).status).toBe('created');
      expect(store.accounts.size).toBe(2);
    });
  });

  describe('identity of the other platform in the same session', () => {
    it('links when both pivot identities are the same once normalised', async () => {
      const linker = service();
      const fcSub = newSub();
      const first = await linker.resolve(fc(fcSub));
      const second = await linker.resolve(fcp(newSub()), {
        otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA },
      });
      expect(second).toEqual({
        status: 'linked',
        accountId: first.status === 'created' ? first.accountId : '',
        reason: 'session',
      });
      expect(store.accounts.size).toBe(1);
    });

    it('refuses to decide when the pivot identities differ: one browser, two people', async () => {
      const linker = service();
      const fcSub = newSub();
      await linker.resolve(fc(fcSub));
      const result = await linker.resolve(fcp(newSub(), ANGELA_NAMESAKE), {
        otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA },
      });
      expect(result).toEqual({ status: 'ambiguous', candidates: 1, reason: 'session-identity-mismatch' });
      expect(store.accounts.size).toBe(1);
      expect(store.links.size).toBe(1);
      expect(ambiguous).toEqual([
        { platform: 'fcp', reason: 'session-identity-mismatch', candidates: 1, candidateAccountIds: [expect.any(String)] },
      ]);
      expect(events.at(-1)).toEqual({ type: 'ambiguous', platform: 'fcp', reason: 'session-identity-mismatch' });
    });

    it('refuses to decide when either pivot identity cannot be compared', async () => {
      const linker = service();
      const fcSub = newSub();
      await linker.resolve(fc(fcSub));
      const { birthplace: _birthplace, ...noBirthplace } = ANGELA_FCP;
      const result = await linker.resolve(fcp(newSub(), noBirthplace), {
        otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA },
      });
      expect(result).toMatchObject({ status: 'ambiguous', reason: 'session-identity-mismatch' });
      expect(store.accounts.size).toBe(1);
    });

    it('refuses to decide when the session holds another identity of the same platform', async () => {
      const linker = service();
      const fcSub = newSub();
      await linker.resolve(fc(fcSub));
      const result = await linker.resolve(fc(newSub()), {
        otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA },
      });
      expect(result).toMatchObject({ status: 'ambiguous', reason: 'session-identity-mismatch' });
    });

    it('creates an account when the matching session identity has none', async () => {
      const linker = service();
      const result = await linker.resolve(fcp(newSub()), {
        otherIdentityInSession: { platform: 'fc', sub: newSub(), claims: ANGELA },
      });
      expect(result.status).toBe('created');
    });

    it('never gives an account a second identity of the same platform', async () => {
      const linker = service();
      const fcSub = newSub();
      const fcpSub = newSub();
      await linker.resolve(fc(fcSub));
      await linker.resolve(fcp(fcpSub), { otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA } });
      // Another FC+ identity with the same pivot identity, while the FC one is in session.
      const result = await linker.resolve(fcp(newSub()), {
        otherIdentityInSession: { platform: 'fc', sub: fcSub, claims: ANGELA },
      });
      expect(result).toEqual({ status: 'ambiguous', candidates: 1, reason: 'platform-already-linked' });
      expect(store.links.size).toBe(2);
    });

    it('lets a known identity in, whatever the session holds', async () => {
      const linker = service();
      const sub = newSub();
      await linker.resolve(fcp(sub, ANGELA_NAMESAKE));
      const result = await linker.resolve(fcp(sub, ANGELA_NAMESAKE), {
        otherIdentityInSession: { platform: 'fc', sub: newSub(), claims: ANGELA },
      });
      expect(result.status).toBe('existing');
    });
  });

  describe('pivot identity matching', () => {
    it('links to the one account with the same pivot identity', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      const first = await linker.resolve(fc(newSub()));
      const second = await linker.resolve(fcp(newSub()));
      expect(second).toEqual({
        status: 'linked',
        accountId: first.status === 'created' ? first.accountId : '',
        reason: 'pivot-identity',
      });
    });

    it('does nothing of the sort when it is off (the default)', async () => {
      const linker = service();
      await linker.resolve(fc(newSub()));
      expect((await linker.resolve(fcp(newSub()))).status).toBe('created');
    });

    it('reports ambiguity, and creates nothing, when two accounts share the pivot identity', async () => {
      // Two accounts with one pivot identity, e.g. created before matching was turned on.
      await service().resolve(fc(newSub()));
      await service().resolve(fcp(newSub()));
      const linker = service({ matchOnPivotIdentity: true });
      const linksBefore = store.links.size;
      const result = await linker.resolve({ platform: 'fc', sub: newSub(), acr: 'eidas1', claims: ANGELA_FCP });
      expect(result).toEqual({ status: 'ambiguous', candidates: 2, reason: 'multiple-pivot-matches' });
      expect(store.accounts.size).toBe(2);
      expect(store.links.size).toBe(linksBefore);
      expect(ambiguous[0]).toMatchObject({ reason: 'multiple-pivot-matches', candidates: 2 });
      expect(ambiguous[0]!.candidateAccountIds).toHaveLength(2);
    });

    it('keeps two people with the same names but different birth dates apart', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      const angela = await linker.resolve(fc(newSub(), ANGELA));
      const namesake = await linker.resolve(fcp(newSub(), ANGELA_NAMESAKE));
      expect(angela.status).toBe('created');
      expect(namesake.status).toBe('created');
      expect(store.accounts.size).toBe(2);
    });

    // Javier GARCIA born abroad (no birthplace), a presumed birth date (year only): names, date and
    // country are all that is left, which namesakes share.
    it.each([
      ['born abroad (empty birthplace)', { ...ANGELA, birthplace: '', birthcountry: '99134' }],
      ['with a presumed birth date (-01-01)', { ...ANGELA, birthdate: '1962-01-01' }],
      ['born abroad with a presumed birth date', { ...ANGELA, birthplace: '', birthcountry: '99134', birthdate: '1965-01-01' }],
    ])('never hands an existing account over on a pivot identity that does not tell namesakes apart: %s', async (_label, claims) => {
      const linker = service({ matchOnPivotIdentity: true });
      const first = await linker.resolve(fcp(newSub(), claims));
      const namesake = await linker.resolve(fc(newSub(), claims));
      expect(first.status).toBe('created');
      expect(namesake.status).toBe('created');
      expect(store.accounts.size).toBe(2);
    });

    it('never matches on email: same address, different person', async () => {
      const linker = service({ matchOnPivotIdentity: true, commonIdentifier: true });
      await linker.resolve(fc(newSub(), ANGELA));
      const pierre = await linker.resolve(fcp(newSub(), PIERRE_SAME_EMAIL));
      expect(pierre.status).toBe('created');
      // Nor with only an e-mail to go on.
      const emailOnly = await linker.resolve(fcp(newSub(), EMAIL_ONLY));
      expect(emailOnly.status).toBe('created');
      expect(store.accounts.size).toBe(3);
    });

    it('never matches on email: different address, same person', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      const first = await linker.resolve(fc(newSub(), ANGELA));
      const second = await linker.resolve(fcp(newSub(), { ...ANGELA, email: 'new-address@example.net' }));
      expect(second).toMatchObject({ status: 'linked', accountId: first.status === 'created' ? first.accountId : '' });
    });

    it('does not link a second identity of a platform the account already holds', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      await linker.resolve(fc(newSub()));
      const result = await linker.resolve(fc(newSub()));
      expect(result).toEqual({ status: 'ambiguous', candidates: 1, reason: 'platform-already-linked' });
      expect(store.links.size).toBe(1);
    });

    it('creates an account, matching nothing, when the claims carry no complete pivot identity', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      await linker.resolve(fc(newSub(), EMAIL_ONLY));
      const result = await linker.resolve(fcp(newSub(), EMAIL_ONLY));
      expect(result.status).toBe('created');
      expect([...store.accounts.values()].map((account) => account.pivotHash)).toEqual([null, null]);
    });
  });

  describe('personal data', () => {
    it('stores keyed hashes only, never a claim', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      await linker.resolve(fc(newSub()));
      await linker.resolve(fcp(newSub()));
      const stored = JSON.stringify([...store.accounts.values(), ...store.links.values()]).toLowerCase();
      for (const value of ['angela', 'dubois', '1962', 'female', '75107', '99100', 'example.org']) {
        expect(stored).not.toContain(value);
      }
      expect(store.storedPivotHashes().every((hash) => /^[0-9a-f]{64}$/.test(hash))).toBe(true);
    });

    it('emits events without sub, claims or hashes', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      const subs = [newSub(), newSub(), newSub()];
      await linker.resolve(fc(subs[0]!));
      await linker.resolve(fc(subs[0]!));
      await linker.resolve(fcp(subs[1]!));
      await linker.resolve(fc(subs[2]!));
      expect(events.map((event) => event.type)).toEqual(['created', 'existing', 'linked', 'ambiguous']);
      const logged = JSON.stringify(events).toLowerCase();
      for (const secret of [...subs, ...store.storedPivotHashes(), 'angela', 'dubois', '1962', 'example']) {
        expect(logged).not.toContain(secret.toLowerCase());
      }
      for (const event of events) {
        expect(Object.keys(event).every((key) => ['type', 'platform', 'accountId', 'reason'].includes(key))).toBe(true);
      }
    });

    it('erases an account with its links and hashes; the person starts afresh next time', async () => {
      const linker = service({ matchOnPivotIdentity: true });
      const sub = newSub();
      const first = await linker.resolve(fc(sub));
      await linker.resolve(fcp(newSub()));
      const accountId = first.status === 'created' ? first.accountId : '';

      expect(await linker.deleteAccount(accountId)).toBe(true);
      expect(store.accounts.size).toBe(0);
      expect(store.links.size).toBe(0);
      expect(store.storedPivotHashes()).toEqual([]);
      expect(events.at(-1)).toEqual({ type: 'account-deleted', accountId });
      expect(await linker.deleteAccount(accountId)).toBe(false);

      const again = await linker.resolve(fc(sub));
      expect(again.status).toBe('created');
      expect(again).not.toMatchObject({ accountId });
    });
  });

  describe('unlink', () => {
    it('detaches one identity of an account that holds two', async () => {
      const linker = service({ commonIdentifier: true });
      const sub = newSub();
      const first = await linker.resolve(fc(sub));
      await linker.resolve(fcp(sub));
      const accountId = first.status === 'created' ? first.accountId : '';

      expect(await linker.unlink(accountId, 'fcp')).toEqual({ status: 'unlinked' });
      expect([...store.links.values()].map((link) => link.platform)).toEqual(['fc']);
      expect(events.at(-1)).toEqual({ type: 'unlinked', platform: 'fcp', accountId });
    });

    it('refuses to remove the last identity, and an identity the account does not hold', async () => {
      const linker = service();
      const first = await linker.resolve(fc(newSub()));
      const accountId = first.status === 'created' ? first.accountId : '';

      expect(await linker.unlink(accountId, 'fc')).toEqual({ status: 'refused', reason: 'last-link' });
      expect(await linker.unlink(accountId, 'fcp')).toEqual({ status: 'refused', reason: 'not-linked' });
      expect(store.links.size).toBe(1);
      expect(events.slice(-2)).toEqual([
        { type: 'refused', platform: 'fc', accountId, reason: 'last-link' },
        { type: 'refused', platform: 'fcp', accountId, reason: 'not-linked' },
      ]);
    });
  });

  describe('malformed input', () => {
    it.each([
      ['an unknown platform', { ...fc('x'), platform: 'fc3' }],
      ['an empty sub', fc('')],
      ['an over-long sub', fc('x'.repeat(256))],
      ['an empty acr', { ...fc('x'), acr: '' }],
      ['no claims', { ...fc('x'), claims: null }],
    ])('refuses %s without writing anything', async (_label, signIn) => {
      const linker = service();
      await expect(linker.resolve(signIn as IdentitySignIn)).rejects.toThrow(InvalidSignInError);
      expect(store.calls).toEqual([]);
      expect(events.at(-1)).toMatchObject({ type: 'refused', reason: 'invalid-sign-in' });
      expect(JSON.stringify(events)).not.toContain('x'.repeat(10));
    });

    it('refuses a malformed session identity', async () => {
      const linker = service();
      await expect(
        linker.resolve(fcp(newSub()), {
          otherIdentityInSession: { platform: 'fc', sub: '', claims: ANGELA },
        }),
      ).rejects.toThrow(/otherIdentityInSession\.sub/);
    });
  });

  it('carries on when the event listener throws: the decision is already stored', async () => {
    const linker = new IdentityLinkService(store, { pivotHashSecret: TEST_PIVOT_SECRET }, () => {
      throw new Error('logger down');
    });
    expect((await linker.resolve(fc(newSub()))).status).toBe('created');
  });
});
