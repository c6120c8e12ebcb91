import { createHash } from 'node:crypto';

/**
 * The part of a node-redis v4+ client the library's Redis stores use: `EVAL`, and `EVALSHA` when the
 * client has it (node-redis does), so that a script's text crosses the network once per Redis server
 * rather than at every sign-in.
 */
export interface RedisScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha?(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Lua: the Redis server's clock in milliseconds as `now_ms`, so every instance counts on one clock. */
export const REDIS_NOW_MS = `
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
`;

/** A Lua script with its SHA-1, computed once. */
export class RedisScript {
  readonly sha1: string;

  constructor(readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  /**
   * Runs the script by its SHA-1, and by its text the first time a server does not know it (`NOSCRIPT`:
   * a new or restarted server, or a flushed script cache); by its text with a client that has no `evalSha`.
   */
  async run(client: RedisScriptClient, keys: string[], args: string[]): Promise<unknown> {
    const options = { keys, arguments: args };
    if (!client.evalSha) return client.eval(this.source, options);
    try {
      return await client.evalSha(this.sha1, options);
    } catch (error) {
      if (!String((error as { message?: unknown } | null)?.message).startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, options);
    }
  }
}
