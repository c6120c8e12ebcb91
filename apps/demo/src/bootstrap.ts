import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import session from 'express-session';
import { AppModule } from './app.module.js';
import type { DemoConfig } from './demo.config.js';

/**
 * Creates the sample app (not yet listening). The session middleware is the application's, as in any
 * service: the library keeps its sign-in transactions and identities in it.
 */
export async function createDemoApp(config: DemoConfig, options: { logger?: false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: options.logger === false ? false : ['log', 'warn', 'error'],
  });
  const secure = config.appUrl.startsWith('https://');
  if (secure) app.set('trust proxy', 1);
  app.use(
    session({
      name: secure ? '__Host-demo.sid' : 'demo.sid',
      secret: config.sessionSecret,
      resave: false,
      saveUninitialized: false,
      // Lax, not Strict: the platform sends the browser back with a cross-site top-level GET.
      cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 30 * 60 * 1000 },
    }),
  );
  app.enableShutdownHooks();
  return app;
}
