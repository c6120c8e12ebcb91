/**
 * The benchmark's processes: the emulator, the sample app and, when asked, the library alone, the
 * relying party written by hand in Nest, the bare openid-client relying party and the cryptography-alone
 * process, each in its own process on free ports, all registered with the same emulator (each with its
 * own client) and using the same private keys. The parent (the benchmark) plays the browsers with the
 * HTTP agent of the library's testing kit.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { EmulatorClientConfig } from '../../libs/fc-emulator/src/clients.js';
import { DEMO_FC_CLIENT, DEMO_FCP_CLIENT } from '../../libs/fc-emulator/src/default-clients.js';
import { TEST_IDENTITIES } from '../../libs/fc-emulator/src/identities.js';
import { generateEncryptionKey } from '../../libs/franceconnect/src/keys/key-generation.js';
import { ENCRYPTION_ALGS, type EncryptionAlg } from '../../libs/franceconnect/src/keys/keys.constants.js';
import { DEFAULT_SCOPES } from '../../libs/franceconnect/src/options/resolve-options.js';
import { completeEmulatorLogin } from '../../libs/franceconnect/src/testing/emulator-login.js';
import { HttpAgent } from '../../libs/franceconnect/src/testing/http-agent.js';
import type { AppProcessConfig } from '../processes/app.process.js';
import type { BareRpProcessConfig } from '../processes/bare-rp.process.js';
import type { CryptoProcessConfig } from '../processes/crypto.process.js';
import type { EmulatorProcessConfig } from '../processes/emulator.process.js';
import type { NestRpProcessConfig } from '../processes/nest-rp.process.js';
import { BenchProcess, freePorts } from './processes.js';

/** The registered FranceConnect+ key management (the sample app's default). */
export const ENCRYPTION_ALG: EncryptionAlg = 'RSA-OAEP-256';

const LIBRARY_CLIENT = Object.freeze({
  client_id: 'bench-library',
  client_secret: 'bench-library-client-secret-not-for-production',
});

const NEST_RP_CLIENT = Object.freeze({
  client_id: 'bench-nest-rp',
  client_secret: 'bench-nest-rp-client-secret-not-for-production',
});

const BARE_RP_CLIENT = Object.freeze({
  client_id: 'bench-bare-rp',
  client_secret: 'bench-bare-rp-client-secret-not-for-production',
});

/** Options of {@link startBenchStack}. */
export interface BenchStackOptions {
  /** How the sample app is started (see `bench/processes/app.process.ts`). Default `sample`. */
  readonly appMode?: AppProcessConfig['mode'];
  /** Sessions and transactions on Redis under this prefix (twin mode). Default: memory. */
  readonly redis?: AppProcessConfig['redis'];
  /**
   * Also start the library alone in a minimal Nest app (`library` mode, its own client), the relying party
   * written by hand in Nest, the bare relying party and the cryptography-alone process. Default `false`.
   */
  readonly floors?: boolean;
  /** Extra Node options of the sample app's process (`--cpu-prof`, …). */
  readonly appExecArgv?: readonly string[];
  /** Extra Node options of the library-alone process. */
  readonly libraryExecArgv?: readonly string[];
  /** Extra Node options of the process of the relying party written by hand in Nest. */
  readonly nestExecArgv?: readonly string[];
  /** Extra Node options of the bare relying party's process. */
  readonly bareExecArgv?: readonly string[];
  /**
   * The sample app's database: a `postgres://` URL (the app then works in a schema of this run's own,
   * dropped at the end). Default: a new SQLite file, as `npm start` uses.
   */
  readonly databaseUrl?: string;
}

/** What {@link startBenchStack} started. */
export interface BenchStack {
  readonly emulator: BenchProcess<{ fc: string; fcp: string }>;
  readonly app: BenchProcess<{ url: string }>;
  readonly appUrl: string;
  readonly library?: BenchProcess<{ url: string }>;
  readonly nestRp?: BenchProcess<{ url: string }>;
  readonly bareRp?: BenchProcess<{ url: string }>;
  readonly crypto?: BenchProcess;
  stop(): Promise<void>;
}

/** A private JWKS with one key per encryption algorithm, the registered one first, in `directory`. */
async function writeServiceKeys(directory: string): Promise<string> {
  const algs = [ENCRYPTION_ALG, ...ENCRYPTION_ALGS.filter((alg) => alg !== ENCRYPTION_ALG)];
  const keys = await Promise.all(algs.map((alg) => generateEncryptionKey(alg)));
  const file = join(directory, 'sp-keys.json');
  await writeFile(file, JSON.stringify({ keys }), { mode: 0o600 });
  return file;
}

function fcpClient(base: { client_id: string; client_secret: string }, origin: string, callback: string, jwks: string): EmulatorClientConfig {
  return {
    platform: 'fcp',
    ...base,
    redirect_uris: [`${origin}${callback}`],
    post_logout_redirect_uris: [`${origin}/auth/logout/callback`],
    jwks_uri: `${origin}${jwks}`,
    id_token_signed_response_alg: 'ES256',
    userinfo_signed_response_alg: 'ES256',
    id_token_encrypted_response_alg: ENCRYPTION_ALG,
    userinfo_encrypted_response_alg: ENCRYPTION_ALG,
  };
}

/** Starts the emulator, then the sample app (and the floors), each in its own process. */
export async function startBenchStack(options: BenchStackOptions = {}): Promise<BenchStack> {
  const [appPort, fcPort, fcpPort, barePort, libraryPort, nestPort] = await freePorts(6);
  const appUrl = `http://localhost:${appPort}`;
  const libraryUrl = `http://localhost:${libraryPort}`;
  const bareUrl = `http://localhost:${barePort}`;
  const nestUrl = `http://localhost:${nestPort}`;
  // The run's files (keys, SQLite database), removed at the end.
  const directory = await mkdtemp(join(tmpdir(), 'fc-bench-'));
  const keysFile = await writeServiceKeys(directory);
  const postgres = options.databaseUrl?.startsWith('postgres') ? options.databaseUrl : undefined;
  const schema = `fc_bench_${randomBytes(4).toString('hex')}`;
  const clients: EmulatorClientConfig[] = [
    {
      platform: 'fc',
      ...DEMO_FC_CLIENT,
      redirect_uris: [`${appUrl}/auth/fc/callback`],
      post_logout_redirect_uris: [`${appUrl}/auth/logout/callback`],
      id_token_signed_response_alg: 'ES256',
      userinfo_signed_response_alg: 'ES256',
    },
    fcpClient(DEMO_FCP_CLIENT, appUrl, '/auth/fcp/callback', '/.well-known/jwks.json'),
    fcpClient(LIBRARY_CLIENT, libraryUrl, '/auth/fcp/callback', '/.well-known/jwks.json'),
    fcpClient(NEST_RP_CLIENT, nestUrl, '/callback', '/jwks.json'),
    fcpClient(BARE_RP_CLIENT, bareUrl, '/callback', '/jwks.json'),
  ];
  const started: BenchProcess[] = [];
  try {
    const emulator = await BenchProcess.start<{ fc: string; fcp: string }>('emulator.process', {
      fcPort,
      fcpPort,
      clients,
      // As FranceConnect+ does: a relying party's JWKS is fetched once, not on every encryption.
      cacheClientJwks: true,
    } satisfies EmulatorProcessConfig);
    started.push(emulator);
    const appConfig: AppProcessConfig = {
      mode: options.appMode ?? 'sample',
      redis: options.redis,
      env: {
        PORT: String(appPort),
        APP_URL: appUrl,
        FC_ISSUER: emulator.ready.fc,
        FCP_ISSUER: emulator.ready.fcp,
        FCP_ENCRYPTION_ALG: ENCRYPTION_ALG,
        FC_SIGNING_ALG: 'ES256',
        SP_KEYS_FILE: keysFile,
        DATABASE_URL: postgres ?? `sqlite:${join(directory, 'demo.sqlite')}`,
        ...(postgres ? { DATABASE_SCHEMA: schema } : {}),
        SESSION_SECRET: 'bench-session-secret-0123456789abcdef0123456789',
        // Every sign-in of the run comes from one address: the limit stays on (its cost is measured) but high.
        SIGN_IN_RATE_LIMIT: '1000000',
      },
    };
    const openIdClientRp = (client: { client_id: string; client_secret: string }, port: number) => ({
      port,
      issuer: emulator.ready.fcp,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      keysFile,
      encryptionAlg: ENCRYPTION_ALG,
      acrValues: 'eidas2',
      scope: DEFAULT_SCOPES.join(' '),
    });
    const [app, library, nestRp, bareRp, crypto] = await Promise.all([
      BenchProcess.start<{ url: string }>('app.process', appConfig, { execArgv: options.appExecArgv }),
      options.floors
        ? BenchProcess.start<{ url: string }>('app.process', {
            mode: 'library',
            env: {
              ...appConfig.env,
              PORT: String(libraryPort),
              APP_URL: libraryUrl,
              FCP_CLIENT_ID: LIBRARY_CLIENT.client_id,
              FCP_CLIENT_SECRET: LIBRARY_CLIENT.client_secret,
            },
          } satisfies AppProcessConfig, { execArgv: options.libraryExecArgv })
        : undefined,
      options.floors
        ? BenchProcess.start<{ url: string }>('nest-rp.process', openIdClientRp(NEST_RP_CLIENT, nestPort) satisfies NestRpProcessConfig, {
            execArgv: options.nestExecArgv,
          })
        : undefined,
      options.floors
        ? BenchProcess.start<{ url: string }>('bare-rp.process', openIdClientRp(BARE_RP_CLIENT, barePort) satisfies BareRpProcessConfig, {
            execArgv: options.bareExecArgv,
          })
        : undefined,
      options.floors
        ? BenchProcess.start('crypto.process', {
            keysFile,
            encryptionAlg: ENCRYPTION_ALG,
            platformJwksUri: `${emulator.ready.fcp}/jwks`,
          } satisfies CryptoProcessConfig)
        : undefined,
    ]);
    started.push(...[app, library, nestRp, bareRp, crypto].filter((child) => child !== undefined));
    return {
      emulator,
      app,
      appUrl,
      library,
      nestRp,
      bareRp,
      crypto,
      stop: async () => {
        await Promise.all(started.slice(1).map((child) => child.stop()));
        await emulator.stop();
        if (postgres) await dropSchema(postgres, schema);
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((child) => child.stop()));
    if (postgres) await dropSchema(postgres, schema);
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

/** Drops the schema a run created on PostgreSQL (the sample app creates it when missing). */
async function dropSchema(url: string, schema: string): Promise<void> {
  const admin = await new DataSource({ type: 'postgres', url }).initialize();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.destroy();
  }
}

let nextIdentity = 0;

/**
 * One complete sign-in as a new browser (or `agent`): opens `loginUrl`, completes the emulator's login
 * page with the next test identity at level `acr`, delivers the callback, and checks that the relying
 * party answers with a redirect to `/`. Returns the browser, signed in.
 *
 * @throws {Error} when any step does not answer as a successful sign-in does.
 */
export async function signInThrough(loginUrl: string, acr = 'eidas2', agent = new HttpAgent()): Promise<HttpAgent> {
  const started = await agent.get(loginUrl);
  if (started.status !== 303 || !started.location) throw new Error(`${loginUrl} answered ${started.status}, not a redirect to the platform`);
  const identity = TEST_IDENTITIES[nextIdentity++ % TEST_IDENTITIES.length]!.id;
  const callback = await completeEmulatorLogin(agent, started.location, { identity, acr });
  const answer = await agent.get(callback);
  if (answer.status !== 303 || answer.location?.pathname !== '/') {
    throw new Error(`the callback answered ${answer.status} ${answer.location?.href ?? ''}: ${answer.body.slice(0, 300)}`);
  }
  return agent;
}
