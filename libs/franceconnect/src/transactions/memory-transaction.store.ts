import type { SignInTransaction, TransactionStore } from './transaction-store.interface.js';

/**
 * In-process transaction store, the default: right for one instance (and `npm start`), wrong behind a
 * load balancer, where a callback may reach another instance: use {@link RedisTransactionStore} there.
 * Expired entries are dropped when read and swept when the map grows.
 */
export class MemoryTransactionStore implements TransactionStore {
  private readonly entries = new Map<string, { transaction: SignInTransaction; expiresAt: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async put(key: string, transaction: SignInTransaction, ttlSeconds: number): Promise<void> {
    this.sweep();
    this.entries.set(key, { transaction, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async take(key: string): Promise<SignInTransaction | undefined> {
    // Node runs this synchronously between two awaits: read and delete cannot interleave with another take.
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry && entry.expiresAt > this.now() ? entry.transaction : undefined;
  }

  /** Number of transactions held (expired ones included until swept). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60_000;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}
