/**
 * One HTTP server per process, for the framework floor of a request (bench/framework-floor.bench.ts):
 * the same trivial answer, a `303 See Other`, through more and more of the stack a Nest application
 * using this library has under it.
 * - `node-http`: `node:http` alone;
 * - `express`: an express 5 route;
 * - `nest`: a Nest controller on the express adapter (Nest's default body parsers included);
 * - `nest-session`: the same behind `franceConnectSession()` on its memory store, the session left
 *   untouched (no cookie written, nothing stored);
 * - `nest-session-save`: the same, the route writing one value into the session: a session is stored
 *   and its signed cookie set, as the login route of a sign-in does.
 */
import 'reflect-metadata';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type Request, type Response } from 'express';
import { franceConnectSession } from '../../libs/franceconnect/src/index.js';
import { childConfig, failStart, serve } from './ipc.js';

/** The variants, from the least to the most stack. */
export type FrameworkVariant = 'node-http' | 'express' | 'nest' | 'nest-session' | 'nest-session-save';

/** What the parent gives this process. */
export interface FrameworkProcessConfig {
  readonly variant: FrameworkVariant;
}

@Controller()
class RedirectController {
  @Get('redirect')
  redirect(@Res() res: Response): void {
    res.status(303).location('/done').end();
  }

  @Get('redirect-saving')
  redirectSaving(@Req() req: Request, @Res() res: Response): void {
    (req.session as unknown as Record<string, unknown>)['value'] = 'x';
    res.status(303).location('/done').end();
  }
}

@Module({ controllers: [RedirectController] })
class RedirectModule {}

async function listener(variant: FrameworkVariant): Promise<RequestListener> {
  if (variant === 'node-http') {
    return (_req, res) => {
      res.statusCode = 303;
      res.setHeader('Location', '/done');
      res.end();
    };
  }
  if (variant === 'express') {
    const app = express();
    app.get('/redirect', (_req, res) => void res.status(303).location('/done').end());
    return app;
  }
  const app = await NestFactory.create<NestExpressApplication>(RedirectModule, { logger: false });
  if (variant !== 'nest') app.use(franceConnectSession({ secrets: 'framework-floor-secret-0123456789abcdef', secure: false }));
  await app.init();
  return app.getHttpAdapter().getInstance() as RequestListener;
}

async function main(): Promise<void> {
  const { variant } = childConfig<FrameworkProcessConfig>();
  const server: Server = createServer(await listener(variant));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const path = variant === 'nest-session-save' ? '/redirect-saving' : '/redirect';
  serve({}, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}` }, () => new Promise((resolve) => server.close(() => resolve())));
}

main().catch(failStart);
