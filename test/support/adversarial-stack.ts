/**
 * The sample app with both platforms impersonated by {@link AdversarialProvider}s, for the security
 * suite: boots the app on a free port, records every line the library logs, and drives one sign-in per
 * attack as a browser would, so each test reads as "this forged answer ends in that error".
 *
 * By default the app is the sample app exactly as shipped (`createDemoApp`). Module options the sample
 * app does not expose (`transactionTtlSeconds`, `httpTimeoutMs`) are tried on the same controllers and
 * session settings, built here with `FranceConnectPlusModule` directly.
 */
import 'reflect-metadata';
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, Req, UseGuards, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { expect } from 'vitest';
import { AuthController } from '../../apps/demo/src/auth.controller.js';
import { createDemoApp } from '../../apps/demo/src/bootstrap.js';
import { DEMO_DEFAULTS, demoConfigFromEnv, type DemoConfig } from '../../apps/demo/src/demo.config.js';
import { ProtectedController } from '../../apps/demo/src/protected.controller.js';
import {
  AuthenticatedGuard,
  currentIdentity,
  FranceConnectPlusModule,
  franceConnectSession,
  type EncryptionAlg,
  type FranceConnectModuleOptions,
} from '../../libs/franceconnect/src/index.js';
import { serviceKeysFile } from './adversarial-keys.js';
import { AdversarialProvider, secretParts, type AdversaryPlatform, type Scenario } from './adversarial-provider.js';
import { HttpAgent, type AgentResponse } from './http-agent.js';
import { freePorts } from './ports.js';

/** One line the application logged. */
export interface LogLine {
  readonly level: string;
  /** The message and every other argument, as text. */
  readonly text: string;
}

/** A Nest logger that keeps every line, so tests can check what an attack left in the log. */
export class LogRecorder implements LoggerService {
  readonly lines: LogLine[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.#record('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.#record('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.#record('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.#record('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.#record('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.#record('fatal', message, rest);
  }

  /** A position in the log, for {@link since}. */
  mark(): number {
    return this.lines.length;
  }

  since(mark: number): LogLine[] {
    return this.lines.slice(mark);
  }

  #record(level: string, message: unknown, rest: unknown[]): void {
    const text = [message, ...rest].map((part) => (part instanceof Error ? `${part.name}: ${part.message}\n${part.stack ?? ''}` : String(part))).join(' ');
    this.lines.push({ level, text });
  }
}

/**
 * Nest's static logger is process-wide: every app created in a test file logs to the last one set. One
 * recorder per test file (modules are isolated per file) keeps that harmless.
 */
export const securityLog = new LogRecorder();

/** Options of {@link startAdversarialStack}. */
export interface AdversarialStackOptions {
  /** FranceConnect+ registered key management. Default `RSA-OAEP-256`. */
  readonly encryptionAlg?: EncryptionAlg;
  /** Module options the sample app does not expose; when set, the app is built with them. */
  readonly moduleOptions?: Partial<FranceConnectModuleOptions>;
  /** Scenarios set before the app starts (and discovers the platforms). */
  readonly scenarios?: Partial<Record<AdversaryPlatform, Scenario>>;
}

/** The running app and the two adversaries. */
export interface AdversarialStack {
  readonly appUrl: string;
  readonly config: DemoConfig;
  readonly app: NestExpressApplication;
  readonly adversaries: Readonly<Record<AdversaryPlatform, AdversarialProvider>>;
  stop(): Promise<void>;
}

/** Starts both adversaries and the sample app pointed at them. */
export async function startAdversarialStack(options: AdversarialStackOptions = {}): Promise<AdversarialStack> {
  const encryptionAlg = options.encryptionAlg ?? 'RSA-OAEP-256';
  const [appPort] = await freePorts(1);
  const appUrl = `http://localhost:${appPort}`;
  const [fc, fcp] = await Promise.all([
    AdversarialProvider.start({ platform: 'fc', clientId: DEMO_DEFAULTS.fcClientId, clientSecret: DEMO_DEFAULTS.fcClientSecret }),
    AdversarialProvider.start({
      platform: 'fcp',
      clientId: DEMO_DEFAULTS.fcpClientId,
      clientSecret: DEMO_DEFAULTS.fcpClientSecret,
      clientJwksUri: `${appUrl}/.well-known/jwks.json`,
      encryptionAlg,
    }),
  ]);
  if (options.scenarios?.fc) fc.setScenario(options.scenarios.fc);
  if (options.scenarios?.fcp) fcp.setScenario(options.scenarios.fcp);
  const config = demoConfigFromEnv({
    PORT: String(appPort),
    APP_URL: appUrl,
    FC_ISSUER: fc.issuer,
    FCP_ISSUER: fcp.issuer,
    FCP_ENCRYPTION_ALG: encryptionAlg,
    SP_KEYS_FILE: await serviceKeysFile(),
    SESSION_SECRET: 'security-suite-session-secret-0123456789abcdef',
    // Every test plays its browsers from one address: the per-client limit still counts, far above them.
    SIGN_IN_RATE_LIMIT: '1000000',
    // The sample app's own database, when it has one, in a file of this stack's.
    DATABASE_URL: `sqlite:${join(await mkdtemp(join(tmpdir(), 'fc-security-db-')), 'demo.sqlite')}`,
  });
  const app = await createApp(config, options.moduleOptions);
  await app.listen(appPort);
  return {
    appUrl,
    config,
    app,
    adversaries: { fc, fcp },
    async stop() {
      // The test's HTTP client keeps connections alive: close them, or the server waits for their timeout.
      (app.getHttpServer() as Server).closeAllConnections();
      await app.close();
      await Promise.all([fc.close(), fcp.close()]);
    },
  };
}

async function createApp(config: DemoConfig, moduleOptions: Partial<FranceConnectModuleOptions> | undefined): Promise<NestExpressApplication> {
  if (!moduleOptions) return createDemoApp(config, { logger: securityLog });
  const app = await NestFactory.create<NestExpressApplication>(
    {
      module: SecurityHarnessModule,
      imports: [FranceConnectPlusModule.forRoot({ ...libraryOptions(config), ...moduleOptions })],
      controllers: [AuthController, ProtectedController, HarnessIdentityController],
    },
    { logger: securityLog, abortOnError: false },
  );
  // The sample app's session settings (apps/demo/src/bootstrap.ts), over http.
  app.use(franceConnectSession({ secrets: config.sessionSecrets, secure: false, name: 'demo.sid' }));
  return app;
}

/** The library's options as the sample app writes them, without its database and stores (memory). */
function libraryOptions(config: DemoConfig): FranceConnectModuleOptions {
  const logout = `${config.appUrl}/auth/logout/callback`;
  return {
    franceConnectPlus: {
      issuer: config.fcp.issuer,
      clientId: config.fcp.clientId,
      clientSecret: config.fcp.clientSecret,
      redirectUri: `${config.appUrl}/auth/fcp/callback`,
      postLogoutRedirectUri: logout,
      encryptionAlg: config.fcp.encryptionAlg,
      acrValues: config.fcp.acrValues,
    },
    franceConnect: {
      issuer: config.fc.issuer,
      clientId: config.fc.clientId,
      clientSecret: config.fc.clientSecret,
      redirectUri: `${config.appUrl}/auth/fc/callback`,
      postLogoutRedirectUri: logout,
      signingAlg: config.fc.signingAlg,
    },
    keys: { file: config.keysFile! },
    allowInsecureHttp: true,
    production: false,
  };
}

/** `/me` as the sample app answers it (the fields the suite reads), or 401. */
@Controller()
class HarnessIdentityController {
  @Get('me')
  @UseGuards(AuthenticatedGuard)
  me(@Req() req: Request): Record<string, unknown> {
    const identity = currentIdentity(req);
    return { provider: identity?.platform, sub: identity?.sub, acr: identity?.acr };
  }
}

/** Root of the app built with module options the sample app does not expose. */
@Module({})
class SecurityHarnessModule {}

/** Options of {@link attack}. */
export interface AttackOptions {
  /** Where the browser starts; default the platform's login route. */
  readonly startPath?: string;
  /** Changes the callback URL before the browser delivers it (a forged or replayed callback). */
  readonly editCallback?: (url: URL) => void;
  /** `json` (default: an API client's view, with the code) or `html` (a browser's page). */
  readonly accept?: 'json' | 'html';
  /** The browser; default a fresh one. */
  readonly agent?: HttpAgent;
}

/** What one attack produced. */
export interface AttackResult {
  readonly platform: AdversaryPlatform;
  readonly agent: HttpAgent;
  /** The app's answer to the callback. */
  readonly response: AgentResponse;
  readonly status: number;
  /** The JSON body (`{}` for a page or a redirect). */
  readonly body: Record<string, unknown>;
  readonly callbackUrl: URL;
  /** What the library logged while handling the callback. */
  readonly logs: LogLine[];
  /** Token requests the adversary received for this sign-in. */
  readonly tokenRequests: number;
  /** Codes, tokens and userinfo answers the adversary issued for this sign-in. */
  readonly issued: string[];
}

/**
 * Runs one sign-in against the adversary impersonating `platform`, forged as `scenario` says: login
 * route, the adversary's authorize (which answers at once), then the callback delivered to the app.
 */
export async function attack(stack: AdversarialStack, platform: AdversaryPlatform, scenario: Scenario, options: AttackOptions = {}): Promise<AttackResult> {
  const adversary = stack.adversaries[platform];
  adversary.setScenario(scenario);
  try {
    const agent = options.agent ?? new HttpAgent();
    const started = await agent.get(`${stack.appUrl}${options.startPath ?? `/auth/${platform}/login`}`);
    if (started.status !== 303 || !started.location?.href.startsWith(adversary.issuer)) {
      throw new Error(`expected a redirect to ${adversary.issuer}, got ${started.status} ${started.location?.href ?? started.body.slice(0, 200)}`);
    }
    const authorized = await agent.get(started.location);
    if (authorized.status !== 303 || !authorized.location) throw new Error(`the adversary did not redirect back: ${authorized.status} ${authorized.body}`);
    const callbackUrl = authorized.location;
    options.editCallback?.(callbackUrl);
    return await deliver(stack, platform, agent, callbackUrl, options.accept);
  } finally {
    adversary.reset();
  }
}

/** Delivers a callback URL to the app with `agent`'s cookies, recording what it logged and cost. */
export async function deliver(
  stack: AdversarialStack,
  platform: AdversaryPlatform,
  agent: HttpAgent,
  callbackUrl: URL,
  accept: 'json' | 'html' = 'json',
): Promise<AttackResult> {
  const adversary = stack.adversaries[platform];
  const mark = securityLog.mark();
  const issuedBefore = adversary.issued.length;
  const tokensBefore = adversary.count('/token');
  const response = await agent.request(callbackUrl, {
    headers: { accept: accept === 'json' ? 'application/json' : 'text/html,application/xhtml+xml' },
  });
  let body: Record<string, unknown> = {};
  if (response.headers.get('content-type')?.includes('application/json')) body = JSON.parse(response.body) as Record<string, unknown>;
  return {
    platform,
    agent,
    response,
    status: response.status,
    body,
    callbackUrl,
    logs: securityLog.since(mark),
    tokenRequests: adversary.count('/token') - tokensBefore,
    issued: adversary.issued.slice(issuedBefore),
  };
}

/** What a rejection must look like. */
export interface ExpectedRejection {
  readonly code: string;
  readonly status: number;
  /** Whether the rejection must come before any token request (callback checks). */
  readonly beforeTokenRequest?: boolean;
}

/**
 * Asserts the common shape of every rejection: our error code and status, no identity in the session
 * (`/me` answers 401), one log line naming the code and the platform, and nothing the adversary issued
 * (code, tokens, userinfo) in the log or in the answer.
 */
export async function expectRejected(stack: AdversarialStack, result: AttackResult, expected: ExpectedRejection): Promise<void> {
  const where = `${result.platform} callback answered ${result.status} ${result.response.body.slice(0, 300)}`;
  expect(result.status, where).toBe(expected.status);
  if (Object.keys(result.body).length > 0) {
    expect(result.body, where).toMatchObject({ code: expected.code, platform: result.platform });
  } else {
    expect(result.response.body, where).toContain(expected.code);
  }
  expect(result.response.body).not.toMatch(/\bat .+\.(js|ts):\d+/);
  if (expected.beforeTokenRequest) expect(result.tokenRequests, 'token requests').toBe(0);

  const me = await result.agent.request(`${stack.appUrl}/me`, { headers: { accept: 'application/json' } });
  expect(me.status, 'a rejected sign-in must leave no identity in the session').toBe(401);

  const rejections = result.logs.filter((line) => line.text.includes(`code=${expected.code}`));
  expect(rejections, `log lines: ${result.logs.map((line) => line.text).join(' | ')}`).toHaveLength(1);
  expect(rejections[0]?.text).toContain(`platform=${result.platform}`);
  expect(rejections[0]?.text).not.toMatch(/[\r\n]/);
  expectNothingLeaked(result);
}

/** No code, token or userinfo answer the adversary issued appears in the log or in the answer. */
export function expectNothingLeaked(result: AttackResult): void {
  const secrets = secretParts(result.issued);
  for (const line of result.logs) {
    for (const secret of secrets) expect(line.text.includes(secret), `log line leaks an issued value: ${line.text.slice(0, 200)}`).toBe(false);
  }
  for (const secret of secrets) expect(result.response.body.includes(secret), 'the answer leaks an issued value').toBe(false);
}

/** Asserts that a sign-in went through: back to the app and signed in on `platform`. */
export async function expectSignedIn(stack: AdversarialStack, result: AttackResult): Promise<void> {
  expect(result.status, result.response.body.slice(0, 300)).toBe(303);
  const me = await result.agent.request(`${stack.appUrl}/me`, { headers: { accept: 'application/json' } });
  expect(me.status).toBe(200);
  expect(JSON.parse(me.body)).toMatchObject({ provider: result.platform });
  expectNothingLeaked(result);
}
