import { resolveTransactionLimits, type TransactionLimits } from './transaction-limits.js';
import type { SignInTransaction, TransactionStore } from './transaction-store.interface.js';

interface Entry {
  readonly transaction: SignInTransaction;
  readonly expiresAt: number;
}

/**
 * In-process transaction store, the default: right for one instance (and `npm start`), wrong behind a
 * load balancer, where a callback may reach another instance: use {@link RedisTransactionStore} there.
 * Bounded by {@link TransactionLimits}, the oldest dropped first; expired entries are dropped when read
 * and swept when the map grows.
 */
export class MemoryTransactionStore implements TransactionStore {
  /** Every pending transaction, oldest first (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();
  /** The keys of each browser's pending transactions, oldest first. */
  private readonly byBrowser = new Map<string, string[]>();
  private readonly limits: Required<TransactionLimits>;
  private nextSweep = 0;

  constructor(
    limits: TransactionLimits = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = resolveTransactionLimits(limits);
  }

  async put(key: string, transaction: SignInTransaction, ttlSeconds: number): Promise<number> {
    this.sweep();
    this.remove(key);
    let dropped = 0;
    const keys = this.byBrowser.get(transaction.binding) ?? [];
    while (keys.length >= this.limits.maxPerBrowser) {
      this.remove(keys[0]!);
      dropped++;
    }
    while (this.entries.size >= this.limits.maxPending) {
      this.remove(this.entries.keys().next().value!);
      dropped++;
    }
    this.entries.set(key, { transaction, expiresAt: this.now() + ttlSeconds * 1000 });
    const current = this.byBrowser.get(transaction.binding);
    if (current) current.push(key);
    else this.byBrowser.set(transaction.binding, [key]);
    return dropped;
  }

  async take(key: string): Promise<SignInTransaction | undefined> {
    // Node runs this synchronously between two awaits: read and delete cannot interleave with another take.
    const entry = this.remove(key);
    return entry && entry.expiresAt > this.now() ? entry.transaction : undefined;
  }

  /** Number of transactions held (expired ones included until swept). */
  get size(): number {
    return this.entries.size;
  }

  /** Removes a transaction and its place in its browser's list; returns what it held. */
  private remove(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    const binding = entry.transaction.binding;
    const keys = this.byBrowser.get(binding)!;
    keys.splice(keys.indexOf(key), 1);
    if (keys.length === 0) this.byBrowser.delete(binding);
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.remove(key);
    }
  }
}
