import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, DEMO_FCP_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import type { FranceConnectError } from '../errors/franceconnect.errors.js';
import { generateEncryptionKey, generateSigningKey } from '../keys/index.js';
import { KeyService } from '../keys/key.service.js';
import type { FranceConnectModuleOptions } from '../options/franceconnect-options.interface.js';
import { resolveFranceConnectOptions, serviceKeyNeeds, type ResolvedFranceConnectOptions } from '../options/resolve-options.js';
import { answerTooLarge } from './map-error.js';
import { PlatformClient } from './platform-client.js';

// KeyService logs its reloads through Nest's logger: kept out of the test output.
Logger.overrideLogger(false);

/** A Nest logger that keeps its lines. */
class RecordingLogger {
  readonly lines: string[] = [];
  log(message: string): void {
    this.lines.push(`log ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
}

/** What a call threw, as a library error; fails the test when it did not throw. */
async function refusal(call: () => Promise<unknown>): Promise<FranceConnectError> {
  try {
    await call();
  } catch (error) {
    return error as FranceConnectError;
  }
  throw new Error('expected a failure');
}

/** A client of one platform, with the module's defaults unless `options` says otherwise. */
function platformClient(raw: FranceConnectModuleOptions, keys: KeyService | undefined, logger = new RecordingLogger()) {
  const options: ResolvedFranceConnectOptions = resolveFranceConnectOptions({ allowInsecureHttp: true, ...raw }, {});
  const platform = (options.platforms.fcp ?? options.platforms.fc)!;
  return { client: new PlatformClient(platform, options, keys, logger as unknown as Logger), logger, options };
}

describe('PlatformClient against the emulator', () => {
  let emulator: RunningFcEmulator;
  const requests: string[] = [];
  const discoveries = (platform: 'fc' | 'fcp') => requests.filter((line) => line.startsWith(`${platform} GET /api/v2/.well-known/openid-configuration 200`)).length;

  beforeAll(async () => {
    emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: (line) => requests.push(line) });
  });
  afterAll(async () => emulator?.stop());

  const franceConnect = () => ({
    franceConnect: { issuer: emulator.fc.issuer, clientId: DEMO_FC_CLIENT.client_id, clientSecret: DEMO_FC_CLIENT.client_secret, redirectUri: 'http://localhost:3000/auth/fc/callback' },
  });

  it('asks nothing of the platform until a configuration is needed, then discovers it once', async () => {
    const before = discoveries('fc');
    const { client: fc, logger } = platformClient(franceConnect(), undefined);
    expect(discoveries('fc')).toBe(before);
    const config = await fc.configuration();
    expect(discoveries('fc')).toBe(before + 1);
    expect(config.serverMetadata()).toMatchObject({ issuer: emulator.fc.issuer, token_endpoint: `${emulator.fc.issuer}/token` });
    expect(await fc.configuration()).toBe(config);
    expect(discoveries('fc')).toBe(before + 1);
    expect(logger.lines).toEqual([`log FranceConnect discovered at ${emulator.fc.issuer}`]);
  });

  it('shares one discovery between the sign-ins that start at once', async () => {
    const before = discoveries('fc');
    const { client: fc } = platformClient(franceConnect(), undefined);
    const configs = await Promise.all([fc.configuration(), fc.configuration(), fc.configuration()]);
    expect(new Set(configs).size).toBe(1);
    expect(discoveries('fc')).toBe(before + 1);
  });

  it('pins the signing algorithms, and on FranceConnect+ the encryption the registration names', async () => {
    const raw: FranceConnectModuleOptions = {
      franceConnectPlus: { issuer: emulator.fcp.issuer, clientId: DEMO_FCP_CLIENT.client_id, clientSecret: DEMO_FCP_CLIENT.client_secret, redirectUri: 'http://localhost:3000/auth/fcp/callback', encryptionAlg: 'ECDH-ES' },
      keys: { jwks: { keys: [await generateEncryptionKey('ECDH-ES', { kid: 'enc-ec' })] } },
    };
    const { client: fcp, options } = platformClient(raw, undefined);
    const keys = await KeyService.load(serviceKeyNeeds(options));
    const config = await new PlatformClient(fcp.platform, options, keys, new RecordingLogger() as unknown as Logger).configuration();
    expect(config.clientMetadata()).toMatchObject({
      client_id: DEMO_FCP_CLIENT.client_id,
      id_token_signed_response_alg: 'ES256',
      userinfo_signed_response_alg: 'ES256',
      id_token_encrypted_response_alg: 'ECDH-ES',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_encrypted_response_alg: 'ECDH-ES',
      userinfo_encrypted_response_enc: 'A256GCM',
    });
  });

  it("is refused when the discovery document is larger than maxAnswerBytes, and says so in the log", async () => {
    const { client: fc, logger } = platformClient({ ...franceConnect(), maxAnswerBytes: 256 }, undefined);
    const error = await refusal(() => fc.configuration());
    expect(error).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', status: 503, platform: 'fc', message: 'FranceConnect is unavailable (discovery document too large)' });
    expect(answerTooLarge(error.cause)).toMatchObject({ code: 'FC_PLATFORM_ANSWER_TOO_LARGE' });
    expect(logger.lines).toEqual([`warn FranceConnect discovery failed (discovery document too large) at ${emulator.fc.issuer}`]);
  });

  it('fails with InternalSignInError under private_key_jwt without a current signing key', async () => {
    const { clientSecret: _secret, ...registration } = franceConnect().franceConnect;
    const { client: fc } = platformClient({ franceConnect: { ...registration, tokenEndpointAuthMethod: 'private_key_jwt' } }, new KeyService());
    expect(await refusal(() => fc.configuration())).toMatchObject({ code: 'FC_INTERNAL_ERROR', status: 500, platform: 'fc', message: 'FranceConnect: no current ES256 signing key for private_key_jwt' });
  });

  it('builds a new configuration when the keys change, from the metadata already discovered', async () => {
    let jwks = { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] };
    const raw: FranceConnectModuleOptions = {
      franceConnectPlus: { issuer: emulator.fcp.issuer, clientId: DEMO_FCP_CLIENT.client_id, clientSecret: DEMO_FCP_CLIENT.client_secret, redirectUri: 'http://localhost:3000/auth/fcp/callback' },
      // A vault, say: what it hands out changes, and KeyService.reload() reads it again.
      keys: { source: { load: async () => jwks } },
    };
    const options = resolveFranceConnectOptions({ allowInsecureHttp: true, ...raw }, {});
    const keys = await KeyService.load(serviceKeyNeeds(options));
    const logger = new RecordingLogger();
    const fcp = new PlatformClient(options.platforms.fcp!, options, keys, logger as unknown as Logger);
    const before = discoveries('fcp');
    const first = await fcp.configuration();

    expect(await keys.reload()).toMatchObject({ changed: false });
    expect(await fcp.configuration()).toBe(first);

    jwks = { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-2' })] };
    expect(await keys.reload()).toMatchObject({ changed: true });
    const second = await fcp.configuration();
    expect(second).not.toBe(first);
    expect(second.serverMetadata()).toEqual(first.serverMetadata());
    expect(await fcp.configuration()).toBe(second);
    expect(discoveries('fcp')).toBe(before + 1);
    expect(logger.lines).toEqual([`log FranceConnect+ discovered at ${emulator.fcp.issuer}`, 'log FranceConnect+: keys updated']);
  });
});

/**
 * A platform on this machine whose discovery can be made to fail or hang, and whose token endpoint keeps
 * the requests it receives and answers with an ID token signed with its own key.
 */
class LocalPlatform {
  discovery: 'ok' | 'error' | 'hang' = 'ok';
  readonly counts = { discovery: 0, jwks: 0 };
  readonly tokenRequests: URLSearchParams[] = [];
  nonce = '';
  issuer = '';
  #server!: Server;
  #key!: { privateKey: CryptoKey; jwk: JWK };

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    this.#key = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'platform-1', alg: 'ES256', use: 'sig' } };
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void this.#answer(new URL(req.url ?? '/', 'http://platform').pathname, Buffer.concat(chunks).toString()).then((answer) => {
          if (answer) res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
        });
      });
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => this.#server.once('listening', resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/v2`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #answer(path: string, body: string): Promise<{ status: number; body: unknown } | undefined> {
    if (path === '/api/v2/.well-known/openid-configuration') {
      this.counts.discovery += 1;
      if (this.discovery === 'hang') return undefined;
      if (this.discovery === 'error') return { status: 500, body: { message: 'Internal Server Error' } };
      return { status: 200, body: { issuer: this.issuer, authorization_endpoint: `${this.issuer}/authorize`, token_endpoint: `${this.issuer}/token`, jwks_uri: `${this.issuer}/jwks` } };
    }
    if (path === '/api/v2/jwks') {
      this.counts.jwks += 1;
      return { status: 200, body: { keys: [this.#key.jwk] } };
    }
    if (path === '/api/v2/token') {
      const form = new URLSearchParams(body);
      this.tokenRequests.push(form);
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ sub: 'person', nonce: this.nonce, acr: 'eidas1' })
        .setProtectedHeader({ alg: 'ES256', kid: 'platform-1' })
        .setIssuer(this.issuer)
        .setAudience(form.get('client_id') ?? '')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(this.#key.privateKey);
      return { status: 200, body: { access_token: 'access', token_type: 'Bearer', expires_in: 60, id_token: idToken } };
    }
    return { status: 404, body: {} };
  }

  /** Exchanges a code with `config`, as a callback does: the token request is the one this platform keeps. */
  async exchange(config: client.Configuration): Promise<void> {
    this.nonce = client.randomNonce();
    const callback = new URL(`http://localhost:3000/auth/fc/callback?code=c&state=s`);
    await client.authorizationCodeGrant(config, callback, { expectedState: 's', expectedNonce: this.nonce });
  }
}

describe('PlatformClient against a platform that fails', () => {
  const platform = new LocalPlatform();
  beforeAll(() => platform.start());
  afterAll(() => platform.stop());
  beforeEach(() => {
    platform.discovery = 'ok';
    platform.counts.discovery = 0;
    platform.counts.jwks = 0;
    platform.tokenRequests.length = 0;
  });

  const registration = (extra: Partial<FranceConnectModuleOptions> = {}): FranceConnectModuleOptions => ({
    franceConnect: { issuer: platform.issuer, clientId: 'fc-client', clientSecret: 'fc-secret', redirectUri: 'http://localhost:3000/auth/fc/callback' },
    ...extra,
  });

  it('calls a platform that does not answer in time unavailable, within httpTimeoutMs', async () => {
    platform.discovery = 'hang';
    const { client: fc, logger } = platformClient(registration({ httpTimeoutMs: 200 }), undefined);
    const started = Date.now();
    expect(await refusal(() => fc.configuration())).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', message: 'FranceConnect is unavailable (unreachable)' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(logger.lines).toEqual([`warn FranceConnect discovery failed (unreachable) at ${platform.issuer}`]);
  });

  it('asks a failing platform again at most once per discoveryRetryMs, and recovers when it answers', async () => {
    platform.discovery = 'error';
    const { client: fc } = platformClient(registration({ discoveryRetryMs: 300 }), undefined);
    expect(await refusal(() => fc.configuration())).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', message: 'FranceConnect is unavailable (invalid discovery document)' });
    // Within the retry delay: refused at once, without a request.
    expect(await refusal(() => fc.configuration())).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', platform: 'fc', message: 'FranceConnect is unreachable; retrying shortly' });
    expect(platform.counts.discovery).toBe(1);

    platform.discovery = 'ok';
    await new Promise((resolve) => setTimeout(resolve, 350));
    const config = await fc.configuration();
    expect(config.serverMetadata().issuer).toBe(platform.issuer);
    expect(platform.counts.discovery).toBe(2);
  });

  it('calls a refused connection unreachable', async () => {
    const { client: fc } = platformClient({ franceConnect: { issuer: 'http://127.0.0.1:9/api/v2', clientId: 'c', clientSecret: 's', redirectUri: 'http://localhost:3000/cb' } }, undefined);
    expect(await refusal(() => fc.configuration())).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', message: 'FranceConnect is unavailable (unreachable)' });
  });

  it('authenticates with the client secret under client_secret_post', async () => {
    const { client: fc } = platformClient(registration(), undefined);
    await platform.exchange(await fc.configuration());
    expect(Object.fromEntries(platform.tokenRequests[0]!)).toMatchObject({ client_id: 'fc-client', client_secret: 'fc-secret', grant_type: 'authorization_code', code: 'c' });
  });

  it('signs the token request with the current signing key under private_key_jwt, never sends a secret, and keeps the platform JWKS when the key changes', async () => {
    let jwks = { keys: [await generateSigningKey('ES256', { kid: 'sig-1' })] };
    const options = resolveFranceConnectOptions(
      {
        allowInsecureHttp: true,
        franceConnect: { issuer: platform.issuer, clientId: 'fc-client', tokenEndpointAuthMethod: 'private_key_jwt', redirectUri: 'http://localhost:3000/auth/fc/callback' },
        keys: { source: { load: async () => jwks } },
      },
      {},
    );
    const keys = await KeyService.load(serviceKeyNeeds(options));
    const fc = new PlatformClient(options.platforms.fc!, options, keys, new RecordingLogger() as unknown as Logger);

    await platform.exchange(await fc.configuration());
    jwks = { keys: [await generateSigningKey('ES256', { kid: 'sig-2' })] };
    await keys.reload();
    await platform.exchange(await fc.configuration());

    const [first, second] = platform.tokenRequests.map((form) => Object.fromEntries(form));
    for (const form of [first, second]) {
      expect(form).not.toHaveProperty('client_secret');
      expect(form!.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    }
    expect(decodeProtectedHeader(first!.client_assertion!)).toMatchObject({ alg: 'ES256', kid: 'sig-1' });
    expect(decodeProtectedHeader(second!.client_assertion!)).toMatchObject({ alg: 'ES256', kid: 'sig-2' });
    // A change of the service's keys is no reason to ask the platform again for its metadata or its keys.
    expect(platform.counts).toEqual({ discovery: 1, jwks: 1 });
  });
});
