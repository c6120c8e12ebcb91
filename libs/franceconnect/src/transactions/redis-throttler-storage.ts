import type { ThrottlerStorage } from '@nestjs/throttler';

import { REDIS_NOW_MS, RedisScript, type RedisScriptClient } from './redis-script.js';

/** The part of a node-redis v4+ client {@link RedisThrottlerStorage} uses. */
export type RedisThrottlerClient = RedisScriptClient;

/**
 * A sliding window in one atomic script: the key is a sorted set of the times of the counted hits.
 * Hits older than the window are removed; a hit is counted only while under the limit (refused ones are
 * not, as in `@nestjs/throttler`'s own storage without a block duration). With a block duration, a key
 * past its limit is blocked for that long.
 *
 * KEYS: the hits, the block. ARGV: window ms, limit, block ms, a unique member for this hit.
 * Returns: hits, ms until the oldest hit leaves the window, blocked (0/1), ms until the block ends.
 */
const INCREMENT = new RedisScript(`${REDIS_NOW_MS}local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local block = tonumber(ARGV[3])
local blocked_for = redis.call('PTTL', KEYS[2])
if blocked_for > 0 then
  return { redis.call('ZCARD', KEYS[1]) + 1, ttl, 1, blocked_for }
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - ttl)
local hits = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local until_oldest = ttl
if oldest[2] then until_oldest = tonumber(oldest[2]) + ttl - now_ms end
if hits >= limit then
  if block > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', block)
    return { hits + 1, until_oldest, 1, block }
  end
  return { hits + 1, until_oldest, 1, until_oldest }
end
redis.call('ZADD', KEYS[1], now_ms, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
return { hits + 1, until_oldest, 0, 0 }
`);

/**
 * A `@nestjs/throttler` storage on Redis with the `redis` (node-redis) client, shared by every instance:
 * for the library's `signInRateLimit`, and usable by an application's own `ThrottlerModule`. Every key
 * expires with its window. Create the client with `disableOfflineQueue: true`: while Redis is down, a
 * sign-in then fails at once with a 503.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private sequence = 0;

  constructor(
    private readonly client: RedisThrottlerClient,
    private readonly prefix = 'fc:throttle:',
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    const name = `${this.prefix}${throttlerName}:${key}`;
    const member = `${Date.now()}:${process.pid}:${this.sequence++}:${Math.random()}`;
    const [totalHits, untilOldest, blocked, untilUnblocked] = (await INCREMENT.run(this.client, [name, `${name}:blocked`], [String(ttl), String(limit), String(blockDuration), member])) as [number, number, number, number];
    return {
      totalHits,
      timeToExpire: Math.ceil(untilOldest / 1000),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.ceil(untilUnblocked / 1000),
    };
  }
}
