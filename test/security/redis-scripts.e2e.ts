/**
 * The library's Redis scripts on a real, private Redis server: run by their SHA-1 once the server knows
 * them, by their text when it does not (new server, flushed cache) or when the client has no `evalSha`;
 * and the sign-in rate limit's sliding window, counted on the server's clock.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisScript, type RedisScriptClient } from '../../libs/franceconnect/src/transactions/redis-script.js';
import { RedisThrottlerStorage } from '../../libs/franceconnect/src/transactions/redis-throttler-storage.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

let redis: PrivateRedis;
let client: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startPrivateRedis();
  client = createClient({ url: redis.url, disableOfflineQueue: true });
  await client.connect();
});
afterAll(async () => {
  await client?.quit();
  await redis?.stop();
});

/** The client, recording which commands the script helper sends. */
function recording(): { client: RedisScriptClient; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    client: {
      eval: (script, options) => (sent.push('EVAL'), client.eval(script, options)),
      evalSha: (sha1, options) => (sent.push('EVALSHA'), client.evalSha(sha1, options)),
    },
  };
}

describe('RedisScript', () => {
  const script = new RedisScript("return ARGV[1] .. ':' .. redis.call('INCR', KEYS[1])");

  it('sends the text once per server, then the SHA-1, and again the text after the cache is flushed', async () => {
    await client.scriptFlush();
    const { client: counted, sent } = recording();
    expect(await script.run(counted, ['scripts:count'], ['a'])).toBe('a:1');
    expect(await script.run(counted, ['scripts:count'], ['b'])).toBe('b:2');
    expect(sent).toEqual(['EVALSHA', 'EVAL', 'EVALSHA']);
    await client.scriptFlush();
    expect(await script.run(counted, ['scripts:count'], ['c'])).toBe('c:3');
    expect(sent.slice(3)).toEqual(['EVALSHA', 'EVAL']);
  });

  it('runs by its text with a client that has no evalSha, and lets other errors through', async () => {
    const textOnly: RedisScriptClient = { eval: (source, options) => client.eval(source, options) };
    expect(await script.run(textOnly, ['scripts:other'], ['x'])).toBe('x:1');
    await expect(new RedisScript("return redis.error_reply('NOT A NOSCRIPT')").run(client, [], [])).rejects.toThrow('NOT A NOSCRIPT');
  });
});

describe('RedisThrottlerStorage', () => {
  it('counts a sliding window: refused hits are not counted, and a hit leaving the window lets one more in', async () => {
    const storage = new RedisThrottlerStorage(client, 'scripts:throttle:');
    const hit = () => storage.increment('192.0.2.1', 1000, 2, 0, 'sign-in');
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await hit()).toMatchObject({ isBlocked: true });
    expect(await hit()).toMatchObject({ isBlocked: true });
    // The first hit leaves the window; the second is still in it, and the refused ones never counted.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await hit()).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await hit()).toMatchObject({ isBlocked: true });
    // Another client counts apart.
    expect(await storage.increment('192.0.2.2', 1000, 2, 0, 'sign-in')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('blocks a client past its limit for the block duration when one is given', async () => {
    const storage = new RedisThrottlerStorage(client, 'scripts:block:');
    const hit = () => storage.increment('192.0.2.9', 200, 1, 1000, 'sign-in');
    expect(await hit()).toMatchObject({ isBlocked: false });
    const blocked = await hit();
    expect(blocked).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    // Past the window but within the block: still blocked.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await hit()).toMatchObject({ isBlocked: true });
  });
});
