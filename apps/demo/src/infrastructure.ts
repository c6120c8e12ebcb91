import { Logger } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { createClient, type RedisClientType } from 'redis';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { RedisThrottlerStorage, RedisTransactionStore, type TransactionStore } from '../../../libs/franceconnect/src/index.js';
import type { DemoConfig } from './demo.config.js';

/** Shared stores of the sample app: in memory by default, on Redis when `REDIS_URL` is set. */
export interface DemoInfrastructure {
  readonly sessionStore?: Store;
  readonly transactionStore?: TransactionStore;
  /** Where the per-client sign-in counts are kept (default: memory). */
  readonly throttlerStorage?: ThrottlerStorage;
  /** Whether Redis answers, for the health check; `undefined` when Redis is not used. */
  redisReachable?(): Promise<boolean>;
  close(): Promise<void>;
}

/** Injection token of the {@link DemoInfrastructure}. */
export const DEMO_INFRASTRUCTURE = Symbol('DEMO_INFRASTRUCTURE');

/**
 * Connects to Redis when configured. The client never queues commands while disconnected
 * (`disableOfflineQueue`): a request fails at once with a 503 instead of waiting, and the client
 * reconnects in the background, so service resumes alone when Redis is back.
 */
export async function createInfrastructure(config: DemoConfig): Promise<DemoInfrastructure> {
  if (!config.redisUrl) return { close: async () => undefined };
  const logger = new Logger('Redis');
  const client: RedisClientType = createClient({
    url: config.redisUrl,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let down = false;
  client.on('error', (error: Error) => {
    // Logged once per outage, not once per reconnection attempt.
    if (!down) logger.error(`Redis unavailable: ${error.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log('Redis available again');
    down = false;
  });
  // The app starts even when Redis is down; requests answer 503 until it is back.
  await Promise.race([client.connect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
  return {
    sessionStore: new RedisStore({ client, prefix: 'fc:sess:' }),
    transactionStore: new RedisTransactionStore(client),
    throttlerStorage: new RedisThrottlerStorage(client),
    redisReachable: async () => client.isReady && (await client.ping().then(() => true, () => false)),
    close: async () => {
      client.destroy();
    },
  };
}
