import { randomUUID } from 'node:crypto';
import type {
  IdentityLinkRecord,
  IdentityLinkTouch,
  IdentityPlatform,
  IdentityStore,
  LinkInsertOutcome,
  NewIdentityLink,
} from '../../libs/franceconnect/src/identity/index.js';

interface AccountRow {
  readonly id: string;
  readonly createdAt: Date;
  readonly pivotHash: string | null;
}

/**
 * A hand-written {@link IdentityStore} in memory, keeping the same invariants as the database:
 * (platform, sub) unique, one identity per platform and account, cascade on account deletion.
 * Every call yields to the event loop first, like a real store, so races can happen in tests.
 */
export class InMemoryIdentityStore implements IdentityStore {
  readonly accounts = new Map<string, AccountRow>();
  readonly links = new Map<string, IdentityLinkRecord>();
  /** Names of the methods called, in order. */
  readonly calls: string[] = [];

  async findLink(platform: IdentityPlatform, sub: string): Promise<IdentityLinkRecord | undefined> {
    await this.tick('findLink');
    return this.linkOf(platform, sub);
  }

  async findAccountIdsByPivotHash(pivotHash: string, limit = 2): Promise<string[]> {
    await this.tick('findAccountIdsByPivotHash');
    const ids = new Set<string>();
    for (const account of this.accounts.values()) if (account.pivotHash === pivotHash) ids.add(account.id);
    for (const link of this.links.values()) if (link.pivotHash === pivotHash) ids.add(link.accountId);
    return [...ids].slice(0, limit);
  }

  async createAccountWithLink(
    link: NewIdentityLink,
  ): Promise<Extract<LinkInsertOutcome, { outcome: 'created' | 'sub-taken' }>> {
    await this.tick('createAccountWithLink');
    const existing = this.linkOf(link.platform, link.sub);
    if (existing) return { outcome: 'sub-taken', link: existing };
    const account: AccountRow = { id: randomUUID(), createdAt: link.seenAt, pivotHash: link.pivotHash };
    this.accounts.set(account.id, account);
    return { outcome: 'created', link: this.insert(account.id, link) };
  }

  async addLink(accountId: string, link: NewIdentityLink): Promise<LinkInsertOutcome> {
    await this.tick('addLink');
    if (!this.accounts.has(accountId)) throw new Error(`foreign key violation: no account ${accountId}`);
    const existing = this.linkOf(link.platform, link.sub);
    if (existing) return { outcome: 'sub-taken', link: existing };
    if (this.linksOf(accountId).some((other) => other.platform === link.platform)) return { outcome: 'platform-taken' };
    return { outcome: 'created', link: this.insert(accountId, link) };
  }

  async recordSignIn(platform: IdentityPlatform, sub: string, touch: IdentityLinkTouch): Promise<IdentityLinkRecord | undefined> {
    await this.tick('recordSignIn');
    const link = this.linkOf(platform, sub);
    if (!link) return undefined;
    const updated = { ...link, lastSeenAt: touch.seenAt, lastAcr: touch.acr, pivotHash: touch.pivotHash ?? link.pivotHash };
    this.links.set(link.id, updated);
    return updated;
  }

  async listLinks(accountId: string): Promise<IdentityLinkRecord[]> {
    await this.tick('listLinks');
    return this.linksOf(accountId).toSorted((a, b) => a.platform.localeCompare(b.platform));
  }

  async deleteAccount(accountId: string): Promise<boolean> {
    await this.tick('deleteAccount');
    if (!this.accounts.delete(accountId)) return false;
    for (const link of this.linksOf(accountId)) this.links.delete(link.id);
    return true;
  }

  async deleteLink(accountId: string, platform: IdentityPlatform): Promise<'deleted' | 'not-found' | 'last-link'> {
    await this.tick('deleteLink');
    const links = this.linksOf(accountId);
    const target = links.find((link) => link.platform === platform);
    if (!target) return 'not-found';
    if (links.length === 1) return 'last-link';
    this.links.delete(target.id);
    return 'deleted';
  }

  /** Every pivot hash held, on accounts and links. */
  storedPivotHashes(): string[] {
    return [...this.accounts.values(), ...this.links.values()]
      .map((row) => row.pivotHash)
      .filter((hash): hash is string => hash !== null);
  }

  private insert(accountId: string, link: NewIdentityLink): IdentityLinkRecord {
    const record: IdentityLinkRecord = {
      id: randomUUID(),
      accountId,
      platform: link.platform,
      sub: link.sub,
      firstSeenAt: link.seenAt,
      lastSeenAt: link.seenAt,
      lastAcr: link.acr,
      pivotHash: link.pivotHash,
    };
    this.links.set(record.id, record);
    return record;
  }

  private linkOf(platform: IdentityPlatform, sub: string): IdentityLinkRecord | undefined {
    return [...this.links.values()].find((link) => link.platform === platform && link.sub === sub);
  }

  private linksOf(accountId: string): IdentityLinkRecord[] {
    return [...this.links.values()].filter((link) => link.accountId === accountId);
  }

  private async tick(method: string): Promise<void> {
    this.calls.push(method);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
