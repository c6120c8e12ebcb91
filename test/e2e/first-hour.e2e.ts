/**
 * A new user's first hour: the README's "Five-minute integration" as written (its module, main.ts and
 * controllers, here in one file) signs a person in on http://localhost against the emulator, with no
 * other setting; and each usual mistake is said where the user looks (the start-up log, the page) rather
 * than found as a redirect loop or a 500 that blames the platform.
 */
import { Controller, Get, Module, Post, UseGuards, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FcGuard,
  FcPlusGuard,
  FcUser,
  FranceConnectPlusModule,
  LogoutGuard,
  RequireEidas,
  SignInRoute,
  franceConnectSession,
  type FcIdentity,
} from '../../libs/franceconnect/src/index.js';
import { completeEmulatorLogin, startFcEmulator, type RunningFcEmulator } from '../../libs/franceconnect/src/testing/index.js';
import { demoClients, freePorts, writeServiceKeys } from '../support/demo-stack.js';
import { decodeHtml, HttpAgent } from '../support/http-agent.js';

@Controller('demarches')
class DemarchesController {
  @Get('dossier') @UseGuards(FcPlusGuard) dossier(@FcUser() user: FcIdentity) { return user.claims; }
  @Get('impots') @UseGuards(FcPlusGuard) @RequireEidas('eidas3') impots(@FcUser() user: FcIdentity) { return user.acr; }
}

@Controller('auth')
class AuthController {
  @Get('fcp/login') @UseGuards(FcPlusGuard) @SignInRoute() fcpLogin(): void {}
  @Get('fcp/callback') @UseGuards(FcPlusGuard) fcpCallback(): void {}
  @Get('fc/login') @UseGuards(FcGuard) @SignInRoute() fcLogin(): void {}
  @Get('fc/callback') @UseGuards(FcGuard) fcCallback(): void {}
  @Post('logout') @UseGuards(LogoutGuard) logout(): void {}
  @Get('logout/callback') @UseGuards(LogoutGuard) logoutCallback(): void {}
}

/** Warnings and errors the application logs, as the user would read them. */
class CapturedLog implements LoggerService {
  readonly lines: string[] = [];
  log(): void {}
  warn(message: unknown): void {
    this.lines.push(`WARN ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`ERROR ${String(message)}`);
  }
}

let emulator: RunningFcEmulator;
let appUrl: string;
let port: number;
let keysFile: string;
const apps: NestExpressApplication[] = [];

beforeAll(async () => {
  [port] = await freePorts(1);
  appUrl = `http://localhost:${port}`;
  emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: demoClients(appUrl), log: false });
  keysFile = await writeServiceKeys();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});
afterAll(async () => emulator?.stop());

/** The README's module, pointed at the emulator, in development. */
function appModule(): Type {
  @Module({
    imports: [
      FranceConnectPlusModule.forRoot({
        franceConnectPlus: {
          issuer: emulator.fcp.issuer,
          clientId: 'demo-fcp',
          clientSecret: 'demo-fcp-client-secret-not-for-production',
          redirectUri: `${appUrl}/auth/fcp/callback`,
          postLogoutRedirectUri: `${appUrl}/auth/logout/callback`,
          encryptionAlg: 'RSA-OAEP-256',
        },
        keys: { file: keysFile },
        allowInsecureHttp: true,
      }),
    ],
    controllers: [DemarchesController, AuthController],
  })
  class AppModule {}
  return AppModule;
}

/** main.ts as the README writes it, with what each test changes. */
async function start(setup: (app: NestExpressApplication) => void): Promise<CapturedLog> {
  const log = new CapturedLog();
  const app = await NestFactory.create<NestExpressApplication>(appModule(), { logger: log, abortOnError: false });
  apps.push(app);
  setup(app);
  await app.listen(port);
  return log;
}

describe("the README's integration", () => {
  it('signs a person in on http://localhost with no other setting, and says nothing wrong at start-up', async () => {
    const log = await start((app) => app.use(franceConnectSession({ secrets: ['a-development-session-secret-of-32-characters'] })));
    expect(log.lines).toEqual([]);
    const agent = new HttpAgent();
    const started = await agent.get(`${appUrl}/demarches/dossier`);
    expect(started.status).toBe(303);
    const callback = await completeEmulatorLogin(agent, started.location!, { identity: 'angela-dubois' });
    const back = await agent.get(callback.toString());
    expect(back.location?.pathname).toBe('/demarches/dossier');
    const page = await agent.request(`${appUrl}/demarches/dossier`, { headers: { accept: 'application/json' } });
    expect(page.status).toBe(200);
    const claims = JSON.parse(page.body) as Record<string, unknown>;
    expect(claims).toMatchObject({ family_name: 'DUBOIS' });
    // The identity only, not the signed answer's envelope.
    for (const envelope of ['iss', 'aud', 'exp', 'iat', 'sub']) expect(claims).not.toHaveProperty(envelope);
  });
});

describe('the usual mistakes, each named with its fix', () => {
  it('a Secure session cookie on http: the sign-in is refused with the fix, before the platform, instead of looping', async () => {
    await start((app) => app.use(franceConnectSession({ secrets: ['a-development-session-secret-of-32-characters'], secure: true })));
    const agent = new HttpAgent();
    const page = await agent.get(`${appUrl}/auth/fcp/login`);
    expect(page.status).toBe(500);
    expect(page.body).toContain('FC_SESSION_COOKIE_NOT_SENT');
    const json = await agent.request(`${appUrl}/auth/fcp/login`, { headers: { accept: 'application/json' } });
    expect(JSON.parse(json.body).error_description).toMatch(/Secure .* over http.*leave franceConnectSession\(\)'s `secure` unset/);
  });

  it('no session middleware: said at start-up, and the page blames the service, not the platform', async () => {
    const log = await start(() => undefined);
    expect(log.lines.filter((line) => line.includes('No session middleware found'))).toHaveLength(1);
    expect(log.lines.join('\n')).toContain('app.use(franceConnectSession(');
    const page = await new HttpAgent().get(`${appUrl}/auth/fcp/login`);
    expect(page.status).toBe(500);
    expect(page.body).toContain('FC_SESSION_MISSING');
    // The page's text, as a person reads it (entities decoded): not the platform's failure.
    expect(decodeHtml(page.body)).not.toContain("plateforme d'identification n'a pas pu être vérifiée");
  });

  it('a global prefix: the JWKS URL it moves to is said at start-up, with the way to keep it', async () => {
    const log = await start((app) => {
      app.setGlobalPrefix('api');
      app.use(franceConnectSession({ secrets: ['a-development-session-secret-of-32-characters'] }));
    });
    const warning = log.lines.find((line) => line.includes('public JWKS'));
    expect(warning).toContain('/api/.well-known/jwks.json');
    expect(warning).toContain("app.setGlobalPrefix('api', { exclude: ['.well-known/jwks.json'] })");
    expect((await fetch(`${appUrl}/api/.well-known/jwks.json`)).status).toBe(200);
  });

  it('a global prefix that excludes the JWKS: nothing to say, served where registered', async () => {
    const log = await start((app) => {
      app.setGlobalPrefix('api', { exclude: ['.well-known/jwks.json'] });
      app.use(franceConnectSession({ secrets: ['a-development-session-secret-of-32-characters'] }));
    });
    expect(log.lines).toEqual([]);
    expect((await fetch(`${appUrl}/.well-known/jwks.json`)).status).toBe(200);
  });
});
