import { REDIS_NOW_MS, RedisScript, type RedisScriptClient } from './redis-script.js';
import { resolveTransactionLimits, type TransactionLimits } from './transaction-limits.js';
import type { SignInTransaction, TransactionStore } from './transaction-store.interface.js';

/**
 * The part of a node-redis v4+ client this store uses, so any compatible client can be given. Create the
 * client with `disableOfflineQueue: true` so commands fail at once while Redis is down instead of waiting
 * for it: the library then answers 503 rather than hanging.
 */
export type RedisTransactionClient = RedisScriptClient;

/** Options of {@link RedisTransactionStore}. */
export interface RedisTransactionStoreOptions extends TransactionLimits {
  /**
   * Prefix of every key. Default `fc:tx:`. On a Redis Cluster, put a hash tag in it (`{fc:tx}:`): a
   * transaction and the indexes that bound the store must live in one slot.
   */
  readonly prefix?: string;
}

/**
 * Stores a transaction and keeps the store bounded, in one atomic script. Two sorted sets index the
 * pending transactions by expiry: all of them (`pending`), and each browser's (`browser:<binding>`).
 * Expired members are removed first, then the oldest past each limit, with their transactions (a
 * transaction dropped from the pending index may stay listed in its browser's index until that expires:
 * it then only counts against that browser).
 *
 * KEYS: the transaction, the pending index, the browser's index.
 * ARGV: the transaction's JSON, its lifetime in ms, max per browser, max pending.
 */
const PUT = new RedisScript(`${REDIS_NOW_MS}local ttl = tonumber(ARGV[2])
local dropped = 0
local function bound(index, max, other)
  redis.call('ZREMRANGEBYSCORE', index, '-inf', now_ms)
  local over = redis.call('ZCARD', index) - max + 1
  if over > 0 then
    local oldest = redis.call('ZPOPMIN', index, over)
    for i = 1, #oldest, 2 do
      dropped = dropped + redis.call('DEL', oldest[i])
      if other then redis.call('ZREM', other, oldest[i]) end
    end
  end
end
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('ZREM', KEYS[3], KEYS[1])
bound(KEYS[3], tonumber(ARGV[3]), KEYS[2])
bound(KEYS[2], tonumber(ARGV[4]))
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], now_ms + ttl, KEYS[1])
redis.call('ZADD', KEYS[3], now_ms + ttl, KEYS[1])
redis.call('PEXPIRE', KEYS[3], ttl)
return dropped
`);

/**
 * Takes a transaction: `GETDEL` and the removal from both indexes in one atomic script, so of two
 * instances receiving the same callback at once, exactly one gets it.
 *
 * KEYS: the transaction, the pending index. ARGV: the prefix of the browsers' indexes.
 */
const TAKE = new RedisScript(`
local value = redis.call('GETDEL', KEYS[1])
if not value then return false end
redis.call('ZREM', KEYS[2], KEYS[1])
local ok, transaction = pcall(cjson.decode, value)
if ok and type(transaction) == 'table' and type(transaction.binding) == 'string' then
  redis.call('ZREM', ARGV[1] .. transaction.binding, KEYS[1])
end
return value
`);

/**
 * Transaction store on Redis (≥ 6.2), shared by every instance, bounded by {@link TransactionLimits}
 * like the memory store: the oldest transactions are dropped first, by the same script that stores a
 * new one. `take` is atomic.
 */
export class RedisTransactionStore implements TransactionStore {
  private readonly prefix: string;
  private readonly limits: Required<TransactionLimits>;

  constructor(
    private readonly client: RedisTransactionClient,
    options: RedisTransactionStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'fc:tx:';
    this.limits = resolveTransactionLimits(options);
  }

  async put(key: string, transaction: SignInTransaction, ttlSeconds: number): Promise<number> {
    const dropped = await PUT.run(
      this.client,
      [this.prefix + key, `${this.prefix}pending`, `${this.prefix}browser:${transaction.binding}`],
      [JSON.stringify(transaction), String(Math.ceil(ttlSeconds * 1000)), String(this.limits.maxPerBrowser), String(this.limits.maxPending)],
    );
    return Number(dropped);
  }

  async take(key: string): Promise<SignInTransaction | undefined> {
    const value = await TAKE.run(this.client, [this.prefix + key, `${this.prefix}pending`], [`${this.prefix}browser:`]);
    return typeof value === 'string' ? (JSON.parse(value) as SignInTransaction) : undefined;
  }
}
