import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { LoggerService, LogLevel } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { franceConnectSession } from '../../../libs/franceconnect/src/index.js';
import { AppModule } from './app.module.js';
import type { DemoConfig } from './demo.config.js';
import { prepareDatabase } from './database.js';
import { createInfrastructure } from './infrastructure.js';
import { renderErrorPage } from './views.js';

/** Options of {@link createDemoApp}. */
export interface CreateDemoAppOptions {
  /** Nest logger: `false` silences it, a `LoggerService` receives every line. Default: log, warn and error. */
  logger?: false | LoggerService | LogLevel[];
}

/**
 * Creates the sample app (not yet listening). The session middleware is the application's, as in any
 * service: the library keeps identities in it, and the sign-in transactions in its own store.
 */
export async function createDemoApp(config: DemoConfig, options: CreateDemoAppOptions = {}): Promise<NestExpressApplication> {
  await prepareDatabase(config);
  const infrastructure = await createInfrastructure(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, infrastructure), {
    logger: options.logger ?? ['log', 'warn', 'error'],
    // A start-up failure (bad configuration, database down) is thrown to the caller with its message,
    // rather than ending the process.
    abortOnError: false,
  });
  const secure = config.appUrl.startsWith('https://');
  if (secure) app.set('trust proxy', 1);
  app.use(
    franceConnectSession({
      secrets: config.sessionSecrets,
      store: infrastructure.sessionStore,
      encryptionSecrets: config.sessionEncryptionSecrets,
      secure,
      name: secure ? undefined : 'demo.sid',
      // The 503 page when the session store is down, in the same layout as the module's error pages.
      renderErrorPage,
    }),
  );
  app.enableShutdownHooks();
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await infrastructure.close();
  };
  return app;
}
