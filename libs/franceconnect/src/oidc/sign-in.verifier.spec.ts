import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { CompactEncrypt, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EidasLevel } from '../acr/eidas.js';
import type { FranceConnectError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';
import { generateEncryptionKey } from '../keys/index.js';
import { KeyService } from '../keys/key.service.js';
import { resolveFranceConnectOptions, serviceKeyNeeds, type ResolvedFranceConnectOptions, type ResolvedPlatform } from '../options/resolve-options.js';
import { toFranceConnectError } from './map-error.js';
import { PlatformClient } from './platform-client.js';
import { MAX_IAT_SKEW_SECONDS, verifySignIn, type VerifySignInOptions } from './sign-in.verifier.js';

type Claims = Record<string, unknown>;

/** How one sign-in's answers are forged; without hooks they are what the real platform sends. */
interface Scenario {
  idTokenClaims?(claims: Claims): void;
  /** Default: encrypted on FranceConnect+, not on FranceConnect. */
  encryptIdToken?: boolean;
  /** Leave the ID token out of the token response. */
  noIdToken?: boolean;
  /** Leave `expires_in` out of the token response. */
  noExpiresIn?: boolean;
  userinfoClaims?(claims: Claims): void;
  /** Default: encrypted on FranceConnect+, not on FranceConnect. */
  encryptUserinfo?: boolean;
  /** Sign userinfo with a key the platform does not publish. */
  userinfoRogueKey?: boolean;
  /** Replace the userinfo answer. */
  userinfoAnswer?: { status: number; type: string; body: string };
}

/**
 * A platform whose answers are made here with jose and real keys: discovery, JWKS, token and userinfo,
 * signed with ES256 and, on FranceConnect+, encrypted to the service's public key, unless a scenario
 * forges them otherwise.
 */
class ForgingPlatform {
  scenario: Scenario = {};
  /** The last signed ID token (the JWS, before any encryption) and access token handed out. */
  lastIdToken = '';
  lastAccessToken = '';
  userinfoRequests = 0;
  nonce = '';
  issuer = '';
  #server!: Server;
  #signing!: { privateKey: CryptoKey; jwk: JWK };
  #rogue!: CryptoKey;

  constructor(
    readonly id: PlatformId,
    private readonly clientId: string,
    /** The service's public encryption key, on FranceConnect+. */
    private readonly serviceKey?: { key: CryptoKey; kid: string },
  ) {}

  async start(): Promise<void> {
    const signing = await generateKeyPair('ES256', { extractable: true });
    this.#signing = { privateKey: signing.privateKey, jwk: { ...(await exportJWK(signing.publicKey)), kid: 'platform-sig-1', alg: 'ES256', use: 'sig' } };
    this.#rogue = (await generateKeyPair('ES256')).privateKey;
    this.#server = createServer((req, res) => {
      void this.#answer(new URL(req.url ?? '/', this.issuer).pathname).then(({ status, type, body }) => res.writeHead(status, { 'content-type': type }).end(body));
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => this.#server.once('listening', resolve));
    this.issuer = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/v2`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #answer(path: string): Promise<{ status: number; type: string; body: string }> {
    const json = (body: unknown) => ({ status: 200, type: 'application/json', body: JSON.stringify(body) });
    switch (path) {
      case '/api/v2/.well-known/openid-configuration':
        return json({
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          userinfo_endpoint: `${this.issuer}/userinfo`,
          jwks_uri: `${this.issuer}/jwks`,
          authorization_response_iss_parameter_supported: true,
        });
      case '/api/v2/jwks':
        return json({ keys: [this.#signing.jwk] });
      case '/api/v2/token':
        return json(await this.#tokenResponse());
      case '/api/v2/userinfo':
        this.userinfoRequests += 1;
        return this.scenario.userinfoAnswer ?? { status: 200, type: 'application/jwt', body: await this.#userinfo() };
      default:
        return { status: 404, type: 'text/plain', body: 'not found' };
    }
  }

  async #tokenResponse(): Promise<Claims> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Claims = { iss: this.issuer, aud: this.clientId, sub: 'person-sub', iat: now, exp: now + 60, nonce: this.nonce, acr: this.id === 'fcp' ? 'eidas2' : 'eidas1', amr: ['pwd', 42, 'mfa'] };
    this.scenario.idTokenClaims?.(claims);
    this.lastIdToken = await this.#sign(claims, this.#signing.privateKey);
    this.lastAccessToken = randomBytes(32).toString('base64url');
    return {
      access_token: this.lastAccessToken,
      token_type: 'Bearer',
      ...(this.scenario.noExpiresIn ? {} : { expires_in: 60 }),
      ...(this.scenario.noIdToken ? {} : { id_token: (this.scenario.encryptIdToken ?? this.id === 'fcp') ? await this.#encrypt(this.lastIdToken) : this.lastIdToken }),
    };
  }

  async #userinfo(): Promise<string> {
    const claims: Claims = { iss: this.issuer, aud: this.clientId, sub: 'person-sub', iat: Math.floor(Date.now() / 1000), given_name: 'Angela Claire Louise', family_name: 'DUBOIS', birthdate: '1962-08-24', birthplace: '' };
    this.scenario.userinfoClaims?.(claims);
    const jws = await this.#sign(claims, this.scenario.userinfoRogueKey ? this.#rogue : this.#signing.privateKey);
    return (this.scenario.encryptUserinfo ?? this.id === 'fcp') ? this.#encrypt(jws) : jws;
  }

  #sign(claims: Claims, key: CryptoKey): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'platform-sig-1', typ: 'JWT' }).sign(key);
  }

  #encrypt(jws: string): Promise<string> {
    if (!this.serviceKey) throw new Error('FranceConnect encrypts nothing');
    return new CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: this.serviceKey.kid, cty: 'JWT' }).encrypt(this.serviceKey.key);
  }
}

/** The service signing in on one platform: its resolved registration, its openid-client configuration. */
interface Service {
  readonly platform: ForgingPlatform;
  readonly resolved: ResolvedPlatform;
  readonly config: client.Configuration;
}

const REDIRECT_URI = 'http://localhost:3000/auth/callback';
const quiet = { log: () => undefined, warn: () => undefined } as unknown as Logger;
let plus: Service;
let connect: Service;

beforeAll(async () => {
  const privateKey = await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' });
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateKey;
  const fcp = new ForgingPlatform('fcp', 'fcp-client', { key: (await importJWK(publicJwk as JWK, 'RSA-OAEP-256')) as CryptoKey, kid: 'enc-1' });
  const fc = new ForgingPlatform('fc', 'fc-client');
  await Promise.all([fcp.start(), fc.start()]);
  const options: ResolvedFranceConnectOptions = resolveFranceConnectOptions(
    {
      franceConnectPlus: { issuer: fcp.issuer, clientId: 'fcp-client', clientSecret: 'fcp-secret', redirectUri: REDIRECT_URI },
      franceConnect: { issuer: fc.issuer, clientId: 'fc-client', clientSecret: 'fc-secret', redirectUri: `${REDIRECT_URI}/fc` },
      allowInsecureHttp: true,
      keys: { jwks: { keys: [privateKey] } },
    },
    {},
  );
  // The service's own configuration of each platform, as sign-ins use it: pinned algorithms, decryption keys.
  const keys = await KeyService.load(serviceKeyNeeds(options));
  const service = async (platform: ForgingPlatform): Promise<Service> => {
    const resolved = options.platforms[platform.id]!;
    return { platform, resolved, config: await new PlatformClient(resolved, options, keys, quiet).configuration() };
  };
  [plus, connect] = await Promise.all([service(fcp), service(fc)]);
});
afterAll(async () => Promise.all([plus?.platform.stop(), connect?.platform.stop()]));

/**
 * Completes a sign-in that asked for `acr`: openid-client exchanges the code and runs its own checks on
 * the token response, then the verifier runs FranceConnect's.
 */
async function signIn({ platform, resolved, config }: Service, scenario: Scenario = {}, acr: EidasLevel = resolved.acrValues, options?: VerifySignInOptions) {
  platform.scenario = scenario;
  platform.nonce = client.randomNonce();
  const state = client.randomState();
  const callback = new URL(`${resolved.redirectUri}?code=the-code&state=${state}&iss=${encodeURIComponent(platform.issuer)}`);
  const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: platform.nonce });
  const transaction = { platform: resolved.id, state, nonce: platform.nonce, acr, returnTo: '/', binding: 'browser', createdAt: Date.now() };
  return verifySignIn(resolved, config, tokens, transaction, options);
}

/** The library error a sign-in failed with, mapped as the sign-in service maps what it catches. */
async function refusal(...args: Parameters<typeof signIn>): Promise<Pick<FranceConnectError, 'code' | 'status' | 'platform' | 'message'>> {
  try {
    await signIn(...args);
  } catch (error) {
    const { code, status, platform, message } = toFranceConnectError(error, args[0].resolved.id);
    return { code, status, platform, message };
  }
  throw new Error('expected the sign-in to be refused');
}

describe('verifySignIn on FranceConnect+', () => {
  it("keeps the person's identity, the signed inner ID token for logout, and the access token while it lives", async () => {
    const before = Date.now();
    const { identity, accessToken } = await signIn(plus);
    expect(identity).toEqual({
      platform: 'fcp',
      sub: 'person-sub',
      acr: 'eidas2',
      amr: ['pwd', 'mfa'],
      // The envelope of the signed answer (iss, aud, iat) is left out; an empty birthplace stays as sent.
      claims: { given_name: 'Angela Claire Louise', family_name: 'DUBOIS', birthdate: '1962-08-24', birthplace: '' },
      idToken: plus.platform.lastIdToken,
      signedInAt: expect.any(Number),
    });
    expect(identity.idToken.split('.')).toHaveLength(3);
    expect(identity.signedInAt).toBeGreaterThanOrEqual(before);
    expect(accessToken.token).toBe(plus.platform.lastAccessToken);
    expect(accessToken.expiresAt - before).toBeGreaterThanOrEqual(60_000);
    expect(accessToken.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('keeps a level above the one asked for', async () => {
    const { identity } = await signIn(plus, { idTokenClaims: (claims) => void (claims.acr = 'eidas3') }, 'eidas2');
    expect(identity.acr).toBe('eidas3');
  });

  it('refuses an ID token that was only signed, before asking for userinfo', async () => {
    const requests = plus.platform.userinfoRequests;
    expect(await refusal(plus, { encryptIdToken: false })).toEqual({
      code: 'FC_ENCRYPTION_REQUIRED',
      status: 401,
      platform: 'fcp',
      message: 'FranceConnect+ sent an ID token that was not encrypted',
    });
    expect(plus.platform.userinfoRequests).toBe(requests);
  });

  it('refuses a userinfo answer that was only signed', async () => {
    expect(await refusal(plus, { encryptUserinfo: false })).toEqual({
      code: 'FC_ENCRYPTION_REQUIRED',
      status: 401,
      platform: 'fcp',
      message: 'FranceConnect+ sent a userinfo answer that was not encrypted',
    });
  });

  it('refuses a level below the one asked for, and one FranceConnect+ never returns, before asking for userinfo', async () => {
    const requests = plus.platform.userinfoRequests;
    expect(await refusal(plus, { idTokenClaims: (claims) => void (claims.acr = 'eidas2') }, 'eidas3')).toMatchObject({ code: 'FC_ACR_TOO_LOW', status: 401, platform: 'fcp' });
    expect(await refusal(plus, { idTokenClaims: (claims) => void (claims.acr = 'eidas1') }, 'eidas1')).toMatchObject({ code: 'FC_ACR_INVALID', status: 401, platform: 'fcp' });
    expect(await refusal(plus, { idTokenClaims: (claims) => void delete claims.acr })).toMatchObject({ code: 'FC_ACR_INVALID' });
    expect(await refusal(plus, { idTokenClaims: (claims) => void (claims.acr = 'eidas0') })).toMatchObject({ code: 'FC_ACR_INVALID' });
    expect(plus.platform.userinfoRequests).toBe(requests);
  });

  it('refuses userinfo about another person than the ID token', async () => {
    expect(await refusal(plus, { userinfoClaims: (claims) => void (claims.sub = 'someone-else') })).toMatchObject({ code: 'FC_USERINFO_INVALID', status: 401, platform: 'fcp' });
  });

  it('refuses userinfo signed with a key the platform does not publish', async () => {
    expect(await refusal(plus, { userinfoRogueKey: true })).toMatchObject({ code: 'FC_USERINFO_INVALID', status: 401 });
  });

  it('calls a userinfo endpoint that fails with an error page unavailable, not a forgery', async () => {
    expect(await refusal(plus, { userinfoAnswer: { status: 503, type: 'text/html', body: '<h1>Service Unavailable</h1>' } })).toMatchObject({
      code: 'FC_PROVIDER_UNAVAILABLE',
      status: 503,
      platform: 'fcp',
    });
  });

  it('refuses a userinfo answer that is not a signed JWT', async () => {
    const body = JSON.stringify({ sub: 'person-sub', given_name: 'Angela' });
    expect(await refusal(plus, { userinfoAnswer: { status: 200, type: 'application/json', body } })).toMatchObject({ code: 'FC_USERINFO_INVALID' });
  });
});

describe('verifySignIn on FranceConnect', () => {
  it('takes signed answers, and keeps the ID token as received', async () => {
    const { identity } = await signIn(connect);
    expect(identity).toMatchObject({ platform: 'fc', sub: 'person-sub', acr: 'eidas1', claims: { family_name: 'DUBOIS' } });
    expect(identity.idToken).toBe(connect.platform.lastIdToken);
  });

  it('refuses a level FranceConnect never returns, even above the one asked for', async () => {
    expect(await refusal(connect, { idTokenClaims: (claims) => void (claims.acr = 'eidas3') }, 'eidas1')).toMatchObject({ code: 'FC_ACR_INVALID', platform: 'fc' });
  });

  it('keeps the access token 60 seconds when the platform does not say how long it lives', async () => {
    const before = Date.now();
    const { accessToken } = await signIn(connect, { noExpiresIn: true });
    expect(accessToken.expiresAt - before).toBeGreaterThanOrEqual(60_000);
    expect(accessToken.expiresAt - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('refuses a token response without an ID token (openid-client does, before the verifier)', async () => {
    expect(await refusal(connect, { noIdToken: true })).toMatchObject({ code: 'FC_ID_TOKEN_INVALID', status: 401, platform: 'fc' });
  });

  it('keeps an empty list of authentication methods when the platform sends none', async () => {
    const { identity } = await signIn(connect, { idTokenClaims: (claims) => void delete claims.amr });
    expect(identity.amr).toEqual([]);
  });
});

describe('the date of issue of an ID token (iat)', () => {
  const issuedIn = (seconds: number) => ({ idTokenClaims: (claims: Claims) => void (claims.iat = Math.floor(Date.now() / 1000) + seconds) });

  it('may be ahead by the clock tolerance, not more', async () => {
    expect((await signIn(connect, issuedIn(3), 'eidas1', { clockToleranceSeconds: 5 })).identity.sub).toBe('person-sub');
    expect(await refusal(connect, issuedIn(30), 'eidas1', { clockToleranceSeconds: 5 })).toMatchObject({
      code: 'FC_ID_TOKEN_INVALID',
      status: 401,
      message: expect.stringContaining('dated in the future ("iat")'),
    });
  });

  it('may be ahead by one token lifetime when no tolerance is given', async () => {
    expect(MAX_IAT_SKEW_SECONDS).toBe(60);
    expect((await signIn(connect, issuedIn(30))).identity.sub).toBe('person-sub');
    expect(await refusal(connect, issuedIn(120))).toMatchObject({ code: 'FC_ID_TOKEN_INVALID' });
  });
});
