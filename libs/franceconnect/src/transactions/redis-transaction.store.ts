import type { SignInTransaction, TransactionStore } from './transaction-store.interface.js';

/**
 * The part of a node-redis v4+ client this store uses, so any compatible client (or a cluster client)
 * can be given. Create the client with `disableOfflineQueue: true` so commands fail at once while Redis
 * is down instead of waiting for it: the library then answers 503 rather than hanging.
 */
export interface RedisTransactionClient {
  set(key: string, value: string, options: { PX: number }): Promise<unknown>;
  getDel(key: string): Promise<string | null>;
}

/**
 * Transaction store on Redis, shared by every instance. `take` is `GETDEL` (Redis ≥ 6.2): one atomic
 * command, so of two instances receiving the same callback at once, exactly one gets the transaction.
 */
export class RedisTransactionStore implements TransactionStore {
  constructor(
    private readonly client: RedisTransactionClient,
    private readonly prefix = 'fc:tx:',
  ) {}

  async put(key: string, transaction: SignInTransaction, ttlSeconds: number): Promise<void> {
    await this.client.set(this.prefix + key, JSON.stringify(transaction), { PX: Math.ceil(ttlSeconds * 1000) });
  }

  async take(key: string): Promise<SignInTransaction | undefined> {
    const value = await this.client.getDel(this.prefix + key);
    return value === null ? undefined : (JSON.parse(value) as SignInTransaction);
  }
}
