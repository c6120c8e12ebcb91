/**
 * FranceConnect+ sign-in written by hand in a Nest application, without the library: what a NestJS team
 * writes today with openid-client v6 and express-session. The same protocol steps as the bare relying
 * party (bench/processes/bare-rp.process.ts, whose openid-client code it shares), in a Nest controller
 * on the express adapter, behind express-session with the settings of the library's session middleware
 * (memory store, rolling cookie, `HttpOnly`, `SameSite=Lax`):
 * - `GET /login`: the authorization request; the transaction (`state`, `nonce`) is kept in
 *   the session, so the login creates and stores a session;
 * - `GET /callback`: the transaction taken from the session, the code exchange, the two decryptions and
 *   two verifications, the userinfo, the level checked against the one asked for, then a new session id
 *   (against session fixation) holding the person (`sub`, level, claims, ID token for logout), saved
 *   before a 303 to `/`;
 * - `GET /jwks.json`: the public keys the platform encrypts to.
 *
 * No account linking, as the library-alone variant; what sets them apart is the library's own work
 * (transaction store and browser binding, its checks, its session layout) and Passport, Nest guards and
 * the exception filter it goes through.
 */
import 'reflect-metadata';
import { Controller, Get, Header, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import session, { type Session } from 'express-session';
import { childConfig, failStart, requestCpuHandler, serve } from './ipc.js';
import {
  authorizationRequest,
  completeSignIn,
  configureOpenIdClientRp,
  type AuthorizationTransaction,
  type OpenIdClientRp,
  type OpenIdClientRpConfig,
} from './openid-client-rp.js';

/** What the parent gives this process. */
export type NestRpProcessConfig = OpenIdClientRpConfig;

/**
 * What this relying party keeps in its session. Read through {@link rpSession} rather than declared on
 * express-session's `SessionData`, which would add these members to every session type of the workspace,
 * the library's included.
 */
type RpSession = Session & {
  /** The sign-in in progress. */
  oidc?: AuthorizationTransaction;
  /** The person, once signed in. */
  user?: { sub: string; acr: string; claims: Record<string, unknown>; idToken: string; signedInAt: number };
};

function rpSession(req: Request): RpSession {
  return req.session as RpSession;
}

function promised(run: (done: (error?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((error) => (error ? reject(error as Error) : resolve())));
}

function controllerFor(rp: OpenIdClientRp, options: OpenIdClientRpConfig, origin: string) {
  const redirectUri = `${origin}/callback`;

  @Controller()
  class SignInController {
    @Get('login')
    async login(@Req() req: Request, @Res() res: Response): Promise<void> {
      const { url, transaction } = await authorizationRequest(rp, options, redirectUri);
      rpSession(req).oidc = transaction;
      res.status(303).location(url.href).end();
    }

    @Get('callback')
    async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
      const transaction = rpSession(req).oidc;
      delete rpSession(req).oidc;
      if (!transaction) {
        res.status(400).send('no sign-in in progress');
        return;
      }
      const { claims, userinfo, idToken } = await completeSignIn(rp, new URL(req.originalUrl, origin), transaction);
      if (claims['acr'] !== options.acrValues) {
        res.status(403).send('eIDAS level too low');
        return;
      }
      await promised((done) => req.session.regenerate(done));
      rpSession(req).user = { sub: claims.sub, acr: String(claims['acr']), claims: { ...userinfo }, idToken, signedInAt: Date.now() };
      await promised((done) => req.session.save(done));
      res.status(303).location('/').end();
    }

    @Get('jwks.json')
    @Header('content-type', 'application/json')
    jwks(): string {
      return rp.publicJwks;
    }
  }
  return SignInController;
}

async function main(): Promise<void> {
  const options = childConfig<NestRpProcessConfig>();
  const origin = `http://localhost:${options.port}`;
  const rp = await configureOpenIdClientRp(options, `${origin}/callback`);

  @Module({ controllers: [controllerFor(rp, options, origin)] })
  class NestRpModule {}

  const app = await NestFactory.create<NestExpressApplication>(NestRpModule, { logger: false });
  app.use(
    session({
      name: 'rp.sid',
      secret: 'bench-nest-rp-session-secret-0123456789abcdef',
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure: false, path: '/', maxAge: 1_800_000 },
    }),
  );
  const requestCpu = requestCpuHandler(app.getHttpServer());
  await app.listen(options.port);
  serve({ requestCpu }, { url: origin }, () => app.close());
}

main().catch(failStart);
