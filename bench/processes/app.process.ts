/**
 * The sample app in a process of its own, so that the benchmark reads the CPU time and memory of the
 * app alone. Three ways to start it:
 * - `sample`: `createDemoApp()` as `npm run demo` builds it, untouched;
 * - `library`: the library alone in a minimal Nest app: the sample app's module options and sign-in routes
 *   (`AuthController`) and its session middleware, without account linking, database, pages or health
 *   check, to tell the library's cost from the sample app's;
 * - `twin`: the sample app's own module (`AppModule.forConfig()`) inside a benchmark-only module that adds
 *   two twins of `/protected/eidas2` running the very same handler: one with no guard at all
 *   (`/bench/unguarded/eidas2`), one behind `AuthenticatedGuard` and `@RequireEidas('eidas2')`
 *   (`/bench/authenticated/eidas2`). The sessions live in an express-session memory store the process
 *   can count, or on Redis under a key prefix of the run's own, deleted at the end.
 *
 * Commands: `sessions` (sessions held by the session store), `sessionBytes` (mean length of a stored
 * session, memory store), `fillSessions` (copies the signed-in sessions of the memory store, each under a
 * new id, until it holds `n`), `transactions` (sign-in transactions held by the memory transaction store).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Controller, Get, Header, Module, Req, UseGuards, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import session, { type Store } from 'express-session';
import { createClient, type RedisClientType } from 'redis';
import { AppModule, franceConnectOptions } from '../../apps/demo/src/app.module.js';
import { AuthController } from '../../apps/demo/src/auth.controller.js';
import { createDemoApp } from '../../apps/demo/src/bootstrap.js';
import { prepareDatabase } from '../../apps/demo/src/database.js';
import { demoConfigFromEnv, type DemoConfig } from '../../apps/demo/src/demo.config.js';
import type { DemoInfrastructure } from '../../apps/demo/src/infrastructure.js';
import { ProtectedController } from '../../apps/demo/src/protected.controller.js';
import { AuthenticatedGuard, FcUser, FranceConnectPlusModule, franceConnectSession, MemoryTransactionStore, RedisTransactionStore, RequireEidas, type FcIdentity, type TransactionStore } from '../../libs/franceconnect/src/index.js';
import { FRANCECONNECT_TRANSACTION_STORE } from '../../libs/franceconnect/src/transactions/transaction-store.interface.js';
import { childConfig, failStart, requestCpuHandler, serve } from './ipc.js';

/** What the parent gives this process. */
export interface AppProcessConfig {
  readonly mode: 'sample' | 'library' | 'twin';
  /** The sample app's environment (`demoConfigFromEnv`). */
  readonly env: Record<string, string>;
  /** Twin mode: sessions and transactions on Redis under this key prefix (memory when absent). */
  readonly redis?: { readonly url: string; readonly prefix: string };
}

/** The twins of `/protected/eidas2`: the sample app's handler itself, with and without guards. */
@Controller('bench')
class TwinController {
  private readonly handler = new ProtectedController();

  @Get('unguarded/eidas2')
  @Header('Vary', 'Accept')
  unguarded(@Req() req: Request, @FcUser() user: FcIdentity): string | Record<string, unknown> {
    return this.handler.eidas2(req, user);
  }

  @Get('authenticated/eidas2')
  @UseGuards(AuthenticatedGuard)
  @RequireEidas('eidas2')
  @Header('Vary', 'Accept')
  authenticated(@Req() req: Request, @FcUser() user: FcIdentity): string | Record<string, unknown> {
    return this.handler.eidas2(req, user);
  }
}

/** The sample app's module plus the twins; nothing is added to the sample app itself. */
@Module({})
class TwinAppModule {
  static forConfig(config: DemoConfig, infrastructure: DemoInfrastructure): DynamicModule {
    return { module: TwinAppModule, imports: [AppModule.forConfig(config, infrastructure)], controllers: [TwinController] };
  }
}

/** The library alone: its module with the sample app's options minus account linking, and the sign-in routes. */
@Module({})
class LibraryOnlyModule {
  static forConfig(config: DemoConfig): DynamicModule {
    const infrastructure: DemoInfrastructure = { close: async () => undefined };
    const { identityLinking: _linking, ...options } = franceConnectOptions(config, infrastructure, undefined as never);
    return { module: LibraryOnlyModule, imports: [FranceConnectPlusModule.forRoot(options)], controllers: [AuthController] };
  }
}

interface Started {
  readonly app: NestExpressApplication;
  readonly sessionStore?: Store;
  readonly close: () => Promise<void>;
}

async function redisInfrastructure(url: string, prefix: string): Promise<DemoInfrastructure & { sessionStore: Store }> {
  const client: RedisClientType = createClient({ url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  await client.connect();
  return {
    sessionStore: new RedisStore({ client, prefix: `${prefix}sess:` }),
    transactionStore: new RedisTransactionStore(client, { prefix: `${prefix}tx:` }),
    close: async () => {
      // Only this run's keys: other data on this Redis is never touched.
      let deleted = 0;
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) deleted += await client.del(keys);
      }
      process.send?.({ log: `deleted ${deleted} Redis keys under ${prefix}` });
      client.destroy();
    },
  };
}

async function startLibraryOnly(config: DemoConfig): Promise<Started> {
  const app = await NestFactory.create<NestExpressApplication>(LibraryOnlyModule.forConfig(config), { logger: false });
  app.use(franceConnectSession({ secrets: config.sessionSecrets, secure: false, name: 'demo.sid' }));
  return { app, close: () => app.close() };
}

async function startTwin(config: DemoConfig, redis: AppProcessConfig['redis']): Promise<Started> {
  await prepareDatabase(config);
  const infrastructure = redis
    ? await redisInfrastructure(redis.url, redis.prefix)
    : { sessionStore: new session.MemoryStore(), transactionStore: undefined, close: async () => undefined };
  const app = await NestFactory.create<NestExpressApplication>(TwinAppModule.forConfig(config, infrastructure), { logger: false });
  // As apps/demo/src/bootstrap.ts does, over http.
  app.use(franceConnectSession({ secrets: config.sessionSecrets, store: infrastructure.sessionStore, secure: false, name: 'demo.sid' }));
  return {
    app,
    sessionStore: infrastructure.sessionStore,
    close: async () => {
      await app.close();
      await infrastructure.close();
    },
  };
}

/** The sessions of an express-session memory store: JSON strings by id. */
function memorySessions(store: Store | undefined): Record<string, string> | undefined {
  return store instanceof session.MemoryStore ? (store as unknown as { sessions: Record<string, string> }).sessions : undefined;
}

/**
 * Fills a memory store to `target` sessions with copies of its signed-in sessions (as stored, JSON), each
 * under a new id: the same size and shape as real sessions, without 10,000 round trips to the emulator.
 */
function fillSessions(store: Store | undefined, target: number): number {
  const sessions = memorySessions(store);
  if (!sessions) throw new Error('fillSessions needs the memory store');
  const templates = Object.values(sessions).filter((json) => json.includes('"identities"'));
  if (templates.length === 0) throw new Error('no signed-in session to copy');
  for (let index = Object.keys(sessions).length; index < target; index++) {
    // A new string per session, as express-session's MemoryStore.set() stores it.
    sessions[randomBytes(24).toString('base64url')] = JSON.stringify(JSON.parse(templates[index % templates.length]!));
  }
  return Object.keys(sessions).length;
}

async function main(): Promise<void> {
  const config = childConfig<AppProcessConfig>();
  const demoConfig = demoConfigFromEnv(config.env);
  const started: Started =
    config.mode === 'sample'
      ? await createDemoApp(demoConfig, { logger: false }).then((app) => ({ app, close: () => app.close() }))
      : config.mode === 'library'
        ? await startLibraryOnly(demoConfig)
        : await startTwin(demoConfig, config.redis);
  const requestCpu = requestCpuHandler(started.app.getHttpServer());
  await started.app.listen(demoConfig.port);
  const transactions = started.app.get<TransactionStore>(FRANCECONNECT_TRANSACTION_STORE, { strict: false });
  serve(
    {
      sessions: () =>
        new Promise((resolve, reject) => {
          const store = started.sessionStore;
          if (!store?.length) {
            resolve(undefined);
            return;
          }
          store.length((error, length) => (error ? reject(error) : resolve(length)));
        }),
      sessionBytes: () => {
        const stored = Object.values(memorySessions(started.sessionStore) ?? {}).filter((json) => json.includes('"identities"'));
        return stored.length === 0 ? undefined : stored.reduce((sum, json) => sum + json.length, 0) / stored.length;
      },
      fillSessions: (argument) => fillSessions(started.sessionStore, Number(argument)),
      transactions: () => (transactions instanceof MemoryTransactionStore ? transactions.size : undefined),
      requestCpu,
    },
    { url: `http://localhost:${demoConfig.port}` },
    () => started.close(),
  );
}

main().catch(failStart);
