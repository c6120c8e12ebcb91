/**
 * Boots the sample app against the emulator on free ports, as `npm start` does, for end-to-end tests:
 * real oidc-provider, real keys, real HTTP. Also drives a whole sign-in as a browser would.
 */
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createDemoApp } from '../../apps/demo/src/bootstrap.js';
import { demoConfigFromEnv, type DemoConfig } from '../../apps/demo/src/demo.config.js';
import {
  DEMO_FC_CLIENT,
  DEMO_FCP_CLIENT,
  startFcEmulator,
  type EmulatorClientConfig,
  type RunningFcEmulator,
  type StartFcEmulatorOptions,
} from '../../libs/fc-emulator/src/index.js';
import { ENCRYPTION_ALGS, generateEncryptionKey, generateSigningKey } from '../../libs/franceconnect/src/keys/index.js';
import { type EncryptionAlg, type SigningAlg, type TokenEndpointAuthMethod } from '../../libs/franceconnect/src/index.js';
import { completeEmulatorLogin, type EmulatorLoginChoice } from './emulator-login.js';
import { freePorts } from './ports.js';
import type { AgentResponse, HttpAgent } from './http-agent.js';

export { freePorts };

/**
 * A private JWKS with one key per encryption algorithm, and one signing key per `signingAlgs` (for
 * `private_key_jwt`; default none), written to a temporary file.
 */
export async function writeServiceKeys(
  algs: readonly EncryptionAlg[] = ENCRYPTION_ALGS,
  options: { signingAlgs?: readonly SigningAlg[] } = {},
): Promise<string> {
  const keys = await Promise.all([
    ...algs.map((alg) => generateEncryptionKey(alg)),
    ...(options.signingAlgs ?? []).map((alg) => generateSigningKey(alg)),
  ]);
  const file = join(await mkdtemp(join(tmpdir(), 'fc-keys-')), 'sp-keys.json');
  await writeFile(file, JSON.stringify({ keys }), { mode: 0o600 });
  return file;
}

/** Options of {@link startDemoStack}. */
export interface DemoStackOptions {
  /** Registered FranceConnect+ encryption algorithm (emulator client and app alike). Default `RSA-OAEP-256`. */
  encryptionAlg?: EncryptionAlg;
  /** Registered FranceConnect signing algorithm (emulator client and app alike). Default `ES256`. */
  fcSigningAlg?: 'ES256' | 'RS256';
  /**
   * Token endpoint authentication of the emulator's registrations, per platform. Default
   * `client_secret_post`. A `private_key_jwt` registration has no client secret and verifies the client
   * assertions with the app's JWKS. The app's own method is its environment (`FCP_TOKEN_AUTH`,
   * `FC_TOKEN_AUTH`), so that a test can make the two disagree.
   */
  clientAuthMethods?: Partial<Record<'fc' | 'fcp', TokenEndpointAuthMethod>>;
  /** Changes to the emulator's registrations of the sample app, per platform, applied last. */
  registrations?: Partial<Record<'fc' | 'fcp', Partial<EmulatorClientConfig>>>;
  /** Extra environment variables for the sample app. */
  env?: Record<string, string>;
  /** Extra emulator options. */
  emulator?: Partial<StartFcEmulatorOptions>;
  /** Start the emulator? Default `true`; `false` simulates platforms that are down (their ports stay free). */
  startEmulator?: boolean;
}

/** The running sample app and emulator. */
export interface DemoStack {
  readonly appUrl: string;
  readonly config: DemoConfig;
  readonly app: NestExpressApplication;
  emulator?: RunningFcEmulator;
  /** Every request the platforms received, one log line each (`fcp POST /api/v2/token 200 3ms`). */
  readonly platformRequests: string[];
  /**
   * Starts another instance of the sample app with the same configuration (same public APP_URL, keys,
   * secrets and stores), on its own port, as behind a load balancer. Returns its direct URL.
   */
  addInstance(): Promise<{ url: string; app: NestExpressApplication }>;
  /** Starts the emulator (again) on the stack's ports. */
  startEmulator(): Promise<RunningFcEmulator>;
  stop(): Promise<void>;
}

/** The sample app's two client registrations, for an app at `appUrl`. */
export function demoClients(
  appUrl: string,
  encryptionAlg: EncryptionAlg = 'RSA-OAEP-256',
  fcSigningAlg: 'ES256' | 'RS256' = 'ES256',
  clientAuthMethods: DemoStackOptions['clientAuthMethods'] = {},
  registrations: DemoStackOptions['registrations'] = {},
): EmulatorClientConfig[] {
  const registered = (client: EmulatorClientConfig): EmulatorClientConfig => {
    const changes = registrations[client.platform] ?? {};
    if (clientAuthMethods[client.platform] !== 'private_key_jwt') return { ...client, ...changes };
    // No secret at all: the only way to authenticate is a client assertion the app's JWKS verifies.
    const { client_secret: _secret, ...withoutSecret } = client;
    return { ...withoutSecret, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${appUrl}/.well-known/jwks.json`, ...changes };
  };
  return [
    registered({
      platform: 'fc',
      ...DEMO_FC_CLIENT,
      redirect_uris: [`${appUrl}/auth/fc/callback`],
      post_logout_redirect_uris: [`${appUrl}/auth/logout/callback`],
      id_token_signed_response_alg: fcSigningAlg,
      userinfo_signed_response_alg: fcSigningAlg,
      claims: ['amr'],
    }),
    registered({
      platform: 'fcp',
      ...DEMO_FCP_CLIENT,
      redirect_uris: [`${appUrl}/auth/fcp/callback`],
      post_logout_redirect_uris: [`${appUrl}/auth/logout/callback`],
      jwks_uri: `${appUrl}/.well-known/jwks.json`,
      id_token_signed_response_alg: 'ES256',
      userinfo_signed_response_alg: 'ES256',
      id_token_encrypted_response_alg: encryptionAlg,
      userinfo_encrypted_response_alg: encryptionAlg,
      claims: ['amr'],
    }),
  ];
}

/** Starts the sample app and (by default) the emulator on free ports. */
export async function startDemoStack(options: DemoStackOptions = {}): Promise<DemoStack> {
  const encryptionAlg = options.encryptionAlg ?? 'RSA-OAEP-256';
  const [appPort, fcPort, fcpPort] = await freePorts(3);
  const appUrl = `http://localhost:${appPort}`;
  // private_key_jwt, on either side, needs a signing key in the app's key file.
  const signs = [...Object.values(options.clientAuthMethods ?? {}), options.env?.FCP_TOKEN_AUTH, options.env?.FC_TOKEN_AUTH].includes('private_key_jwt');
  const config = demoConfigFromEnv({
    PORT: String(appPort),
    APP_URL: appUrl,
    FC_ISSUER: `http://localhost:${fcPort}/api/v2`,
    FCP_ISSUER: `http://localhost:${fcpPort}/api/v2`,
    FCP_ENCRYPTION_ALG: encryptionAlg,
    FC_SIGNING_ALG: options.fcSigningAlg ?? 'ES256',
    SP_KEYS_FILE: await writeServiceKeys(ENCRYPTION_ALGS, { signingAlgs: signs ? ['ES256'] : [] }),
    DATABASE_URL: `sqlite:${join(await mkdtemp(join(tmpdir(), 'fc-demo-db-')), 'demo.sqlite')}`,
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
    // Every test plays its browsers from one address: the per-client limit still counts, far above them.
    SIGN_IN_RATE_LIMIT: '1000000',
    ...options.env,
  });
  const app = await createDemoApp(config, { logger: false });
  const platformRequests: string[] = [];
  const instances: NestExpressApplication[] = [];
  const stack: DemoStack = {
    appUrl,
    platformRequests,
    config,
    app,
    async addInstance() {
      const [port] = await freePorts(1);
      const instance = await createDemoApp({ ...config, port }, { logger: false });
      await instance.listen(port);
      instances.push(instance);
      return { url: `http://localhost:${port}`, app: instance };
    },
    async startEmulator() {
      stack.emulator = await startFcEmulator({
        fcPort,
        fcpPort,
        clients: demoClients(appUrl, encryptionAlg, options.fcSigningAlg, options.clientAuthMethods, options.registrations),
        log: (line) => platformRequests.push(line),
        ...options.emulator,
      });
      return stack.emulator;
    },
    async stop() {
      await Promise.all(instances.map((instance) => instance.close()));
      await app.close();
      await stack.emulator?.stop();
    },
  };
  // The platforms first, as in production: the app's background discovery then succeeds at once.
  if (options.startEmulator !== false) await stack.startEmulator();
  await app.listen(appPort);
  return stack;
}

/** Outcome of {@link signIn}: the app's answer to the callback, and the callback URL itself. */
export interface SignInResult {
  /** The sample app's answer to the platform's callback (a redirect when signed in, an error otherwise). */
  readonly response: AgentResponse;
  readonly callbackUrl: URL;
}

/**
 * Signs in through the sample app as a browser would: opens `startPath` on the app, completes the
 * emulator's login page with `choice`, and delivers the callback to the app.
 */
export async function signIn(
  agent: HttpAgent,
  appUrl: string,
  startPath: string,
  choice: EmulatorLoginChoice,
): Promise<SignInResult> {
  const started = await agent.get(`${appUrl}${startPath}`);
  if (started.status !== 303 || !started.location) {
    throw new Error(`expected a redirect to the platform from ${startPath}, got ${started.status}: ${started.body.slice(0, 200)}`);
  }
  const callbackUrl = await completeEmulatorLogin(agent, started.location, choice);
  const response = await agent.get(callbackUrl);
  return { response, callbackUrl };
}

/** GET as an API client (JSON), with the agent's cookies. */
export async function getJson(agent: HttpAgent, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await agent.request(url, { headers: { accept: 'application/json' } });
  return { status: response.status, body: JSON.parse(response.body || '{}') as Record<string, unknown> };
}
