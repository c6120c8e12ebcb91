/**
 * A hostile stand-in for one FranceConnect platform, for security tests only: it speaks the protocol
 * well enough for the service to talk to it (discovery, JWKS, authorize, token, userinfo, revocation,
 * end session), answers honestly by default, and forges whatever a test's {@link Scenario} asks for:
 * a callback with a foreign `iss`, an ID token signed with `alg: none`, a userinfo answer that is not
 * encrypted, a JWE with a flipped tag…
 *
 * It lives under `test/` and nothing in the library or the sample app refers to it: it is only reached
 * when a test points a platform's issuer at it.
 *
 * @example
 * ```ts
 * const fcp = await AdversarialProvider.start({ platform: 'fcp', clientId, clientSecret, clientJwksUri, encryptionAlg: 'RSA-OAEP-256' });
 * fcp.setScenario({ idTokenClaims: (claims) => void delete claims.nonce });
 * // point FranceConnect+'s issuer at fcp.issuer, sign in, expect FC_ID_TOKEN_INVALID
 * await fcp.close();
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  calculateJwkThumbprint,
  CompactEncrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import { commonClaims, findIdentity } from '../../libs/fc-emulator/src/index.js';
import { rsaSigningJwks } from './adversarial-keys.js';

/** The platform impersonated: `fc` (FranceConnect) or `fcp` (FranceConnect+). */
export type AdversaryPlatform = 'fc' | 'fcp';

/** Claims of a forged token or userinfo answer; tests edit them freely (delete, retype, add). */
export type Claims = Record<string, unknown>;

/** Options of {@link AdversarialProvider.start}. */
export interface AdversaryOptions {
  readonly platform: AdversaryPlatform;
  /** The service's client id and secret, as registered with the real platform. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** FranceConnect+: the service's `jwks_uri`, where the key to encrypt to is fetched (first key of `encryptionAlg`). */
  readonly clientJwksUri?: string;
  /** FranceConnect+: the registered key-management algorithm. Default `RSA-OAEP-256`. */
  readonly encryptionAlg?: string;
  /** Algorithm of honest signatures. Default `ES256`. */
  readonly signingAlg?: 'ES256' | 'RS256';
}

/** One authorization request, as the adversary recorded it, and what it answered with. */
export interface Grant {
  readonly code: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state?: string;
  readonly nonce?: string;
  /** The level answered honestly: the lowest known level of `acr_values`. */
  readonly acr: string;
  readonly codeChallenge?: string;
  readonly accessToken: string;
  readonly sub: string;
}

/** An answer forged whole: status, content type and body as sent. */
export interface ForgedAnswer {
  readonly status?: number;
  readonly contentType?: string;
  readonly body: string;
  /** Wait this long before answering (a platform that hangs). */
  readonly delayMs?: number;
  /** Headers to add (`content-length`: the body is then sent whole, not chunked). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of {@link Forge.sign}. */
export interface SignOptions {
  /** `ES256` (default), `RS256` (the published RSA key), `HS256` (the client secret as key) or `none`. */
  readonly alg?: 'ES256' | 'RS256' | 'HS256' | 'none';
  /** `published` (default): the platform's key in its JWKS; `rogue`: a key of the same kind that is not published. */
  readonly key?: 'published' | 'rogue';
  /** `kid` header; default the published key's. `null` leaves it out. */
  readonly kid?: string | null;
  /** Extra protected header members. */
  readonly header?: Record<string, unknown>;
}

/** Options of {@link Forge.encrypt}. */
export interface EncryptOptions {
  /** Key management; default the registered one. */
  readonly alg?: string;
  /** Content encryption; default `A256GCM`. */
  readonly enc?: string;
  /** Encrypt to the service's first published key of this `alg` instead of the registered one. */
  readonly keyOfAlg?: string;
  /** `kid` header; default the key's. `null` leaves it out. */
  readonly kid?: string | null;
  /** Extra protected header members (`cty: 'JWT'` is set unless overridden). */
  readonly header?: Record<string, unknown>;
}

/** Forging tools handed to scenarios; the defaults produce what the honest platform would send. */
export interface Forge {
  readonly platform: AdversaryPlatform;
  readonly issuer: string;
  /** A compact JWS of `claims`. */
  sign(claims: Claims, options?: SignOptions): Promise<string>;
  /** A compact JWE of `plaintext`, encrypted to the service's public key. */
  encrypt(plaintext: string, options?: EncryptOptions): Promise<string>;
  /** What the platform sends: signed, then on FranceConnect+ encrypted. */
  seal(claims: Claims, options?: SignOptions): Promise<string>;
  /** Encrypts an already forged JWS on FranceConnect+ (as the platform would), leaves it as is on FranceConnect. */
  wrap(jws: string): Promise<string>;
  /** The service's public encryption key the platform encrypts to, as published. */
  serviceKey(alg?: string): Promise<JWK>;
}

/**
 * How to forge the answers of one sign-in. Every hook is optional; without hooks the adversary answers
 * like the real platform. Hooks that edit (`callback`, `*Claims`, `tokenResponse`) change the honest
 * answer in place; hooks that produce (`idToken`, `userinfo`, `token`) replace it.
 */
export interface Scenario {
  /** Edits the callback parameters (`code`, `state`, `iss`, or `error`…) sent to the redirect_uri. */
  callback?(params: URLSearchParams, grant: Grant): void;
  /** Edits the claims of the ID token before it is signed. */
  idTokenClaims?(claims: Claims, grant: Grant): void;
  /** Produces the ID token from its (edited) claims. Default `forge.seal(claims)`. */
  idToken?(claims: Claims, forge: Forge, grant: Grant): Promise<string> | string;
  /** Edits the token endpoint's JSON answer (after the ID token is in it). */
  tokenResponse?(body: Record<string, unknown>, grant: Grant): void;
  /** Replaces the token endpoint's answer. */
  token?(grant: Grant, forge: Forge): Promise<ForgedAnswer> | ForgedAnswer;
  /** Edits the userinfo claims before they are signed. */
  userinfoClaims?(claims: Claims, grant: Grant): void;
  /** Replaces the userinfo answer. Default: `application/jwt`, `forge.seal(claims)`. */
  userinfo?(claims: Claims, forge: Forge, grant: Grant): Promise<ForgedAnswer> | ForgedAnswer;
  /** Edits the discovery document. */
  discovery?(document: Record<string, unknown>): void;
}

const EIDAS_RANK: Readonly<Record<string, number>> = { eidas1: 1, eidas2: 2, eidas3: 3 };
const PLATFORM_LEVELS: Readonly<Record<AdversaryPlatform, readonly string[]>> = { fc: ['eidas1'], fcp: ['eidas2', 'eidas3'] };

/** The pivot identity of FranceConnect's public test person DUBOIS Angela Claire Louise, as the emulator has it. */
export const ADVERSARY_IDENTITY: Readonly<Claims> = Object.freeze(commonClaims(findIdentity('angela-dubois')!));

interface SigningKeyPair {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function signingKeyPair(alg: 'ES256'): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return describeKeyPair(alg, privateKey, await exportJWK(publicKey));
}

async function describeKeyPair(alg: 'ES256' | 'RS256', privateKey: CryptoKey, publicMembers: JWK): Promise<SigningKeyPair> {
  const { kty, crv, x, y, n, e } = publicMembers;
  const jwk = Object.fromEntries(Object.entries({ kty, crv, x, y, n, e }).filter(([, value]) => value !== undefined)) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/**
 * RSA keys only serve the algorithm-confusion cases and take long to generate: one published and one
 * rogue pair, cached across test files, shared by every adversary. ES256 keys, the ones that sign honest
 * answers, are each adversary's own, so one platform's signature never verifies with the other's JWKS.
 */
let rsaKeys: Promise<[SigningKeyPair, SigningKeyPair]> | undefined;
function sharedRsaKeys(): Promise<[SigningKeyPair, SigningKeyPair]> {
  rsaKeys ??= rsaSigningJwks().then(async ([published, rogue]) => {
    const load = async (jwk: JWK): Promise<SigningKeyPair> => describeKeyPair('RS256', (await importJWK(jwk, 'RS256')) as CryptoKey, jwk);
    return Promise.all([load(published!), load(rogue!)]);
  });
  return rsaKeys;
}

const b64u = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');
const random = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** A running adversarial platform. */
export class AdversarialProvider implements Forge {
  /** Every request received, one line each: `POST /api/v2/token 200`. */
  readonly requests: string[] = [];
  /** Every code, token and userinfo answer handed out, for "nothing secret in the logs" checks. */
  readonly issued: string[] = [];

  #scenario: Scenario = {};
  #es256!: SigningKeyPair;
  #rs256!: SigningKeyPair;
  #rogueEs256!: SigningKeyPair;
  #rogueRs256!: SigningKeyPair;
  /** Keys published besides the current ones (kept during a rotation). */
  #retired: JWK[] = [];
  readonly #grants = new Map<string, Grant>();
  readonly #accessTokens = new Map<string, Grant>();
  readonly #serviceKeys = new Map<string, JWK>();
  #server!: Server;
  #issuer = '';

  private constructor(private readonly options: AdversaryOptions) {}

  /** Starts the adversary on `127.0.0.1` and a free port; its issuer ends in `/api/v2`, like FranceConnect's. */
  static async start(options: AdversaryOptions): Promise<AdversarialProvider> {
    const adversary = new AdversarialProvider(options);
    [adversary.#es256, adversary.#rogueEs256, [adversary.#rs256, adversary.#rogueRs256]] = await Promise.all([
      signingKeyPair('ES256'),
      signingKeyPair('ES256'),
      sharedRsaKeys(),
    ]);
    adversary.#server = createServer((req, res) => {
      adversary.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`adversary failure: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
    await new Promise<void>((resolve) => adversary.#server.listen(0, '127.0.0.1', resolve));
    const { port } = adversary.#server.address() as AddressInfo;
    adversary.#issuer = `http://127.0.0.1:${port}/api/v2`;
    return adversary;
  }

  get platform(): AdversaryPlatform {
    return this.options.platform;
  }

  get issuer(): string {
    return this.#issuer;
  }

  /** The `kid` of the published ES256 signing key. */
  get signingKid(): string {
    return this.#es256.kid;
  }

  /** Sets how the next answers are forged (until the next call). */
  setScenario(scenario: Scenario): void {
    this.#scenario = scenario;
  }

  /** Back to honest answers. */
  reset(): void {
    this.#scenario = {};
  }

  /** Number of requests received so far whose path ends with `suffix` (e.g. `/token`, `/jwks`). */
  count(suffix: string): number {
    return this.requests.filter((line) => line.split(' ')[1]?.endsWith(suffix)).length;
  }

  /**
   * Rotates the ES256 signing key, as FranceConnect does from time to time: a new key (new `kid`) signs
   * from now on; the old one stays published unless `dropOld`.
   */
  async rotateSigningKey(options: { dropOld?: boolean } = {}): Promise<void> {
    if (!options.dropOld) this.#retired.push(this.#es256.publicJwk);
    this.#es256 = await signingKeyPair('ES256');
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  // ---- Forge -------------------------------------------------------------------------------------

  async sign(claims: Claims, options: SignOptions = {}): Promise<string> {
    const alg = options.alg ?? this.options.signingAlg ?? 'ES256';
    if (alg === 'none') {
      const header = { alg: 'none', typ: 'JWT', ...options.header };
      return `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}.`;
    }
    let key: CryptoKey | Uint8Array;
    let kid: string | undefined;
    if (alg === 'HS256') {
      key = new TextEncoder().encode(this.options.clientSecret);
    } else {
      const rogue = options.key === 'rogue';
      const pair = alg === 'RS256' ? (rogue ? this.#rogueRs256 : this.#rs256) : rogue ? this.#rogueEs256 : this.#es256;
      key = pair.privateKey;
      // A rogue key claims the published key's kid unless told otherwise: only the signature betrays it.
      kid = (alg === 'RS256' ? this.#rs256 : this.#es256).kid;
    }
    if (options.kid !== undefined) kid = options.kid ?? undefined;
    const header = { alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }), ...options.header };
    return new SignJWT(claims as JWTPayload).setProtectedHeader(header).sign(key);
  }

  async encrypt(plaintext: string, options: EncryptOptions = {}): Promise<string> {
    const registered = this.options.encryptionAlg ?? 'RSA-OAEP-256';
    const alg = options.alg ?? registered;
    const jwk = await this.serviceKey(options.keyOfAlg ?? registered);
    // Import under the algorithm used now, which may differ from the one the key is published for.
    const { alg: _published, use: _use, key_ops: _ops, ...material } = jwk;
    const key = await importJWK(material, alg);
    const kid = options.kid === undefined ? jwk.kid : (options.kid ?? undefined);
    const header = { alg, enc: options.enc ?? 'A256GCM', cty: 'JWT', ...(kid === undefined ? {} : { kid }), ...options.header };
    return new CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader(header).encrypt(key);
  }

  async seal(claims: Claims, options?: SignOptions): Promise<string> {
    return this.wrap(await this.sign(claims, options));
  }

  async wrap(jws: string): Promise<string> {
    return this.options.platform === 'fcp' ? this.encrypt(jws) : jws;
  }

  /** The service's first published encryption key of `alg` (default: the registered one), fetched once. */
  async serviceKey(alg: string = this.options.encryptionAlg ?? 'RSA-OAEP-256'): Promise<JWK> {
    const cached = this.#serviceKeys.get(alg);
    if (cached) return cached;
    if (!this.options.clientJwksUri) throw new Error('the adversary has no clientJwksUri to encrypt to');
    const { keys } = (await (await fetch(this.options.clientJwksUri)).json()) as { keys: JWK[] };
    const key = keys.find((candidate) => candidate.alg === alg && (candidate.use === undefined || candidate.use === 'enc'));
    if (!key) throw new Error(`the service publishes no ${alg} encryption key`);
    this.#serviceKeys.set(alg, key);
    return key;
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#issuer);
    res.on('finish', () => this.requests.push(`${req.method ?? '-'} ${url.pathname} ${res.statusCode}`));
    const path = url.pathname.startsWith('/api/v2') ? url.pathname.slice('/api/v2'.length) : url.pathname;
    switch (`${req.method} ${path}`) {
      case 'GET /.well-known/openid-configuration':
        return json(res, 200, this.#discovery());
      case 'GET /jwks':
        return json(res, 200, { keys: this.#publishedKeys() }, 'application/jwk-set+json');
      case 'GET /authorize':
        return this.#authorize(url, res);
      case 'POST /token':
        return this.#token(new URLSearchParams(await readBody(req)), res);
      case 'GET /userinfo':
      case 'POST /userinfo':
        return this.#userinfo(req, res);
      case 'POST /token/revocation':
        await readBody(req);
        res.writeHead(200).end();
        return;
      case 'GET /session/end':
        return this.#endSession(url, res);
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  #discovery(): Record<string, unknown> {
    const issuer = this.#issuer;
    const fcp = this.options.platform === 'fcp';
    const signing = fcp ? ['ES256'] : ['ES256', 'RS256'];
    const document: Record<string, unknown> = {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      end_session_endpoint: `${issuer}/session/end`,
      revocation_endpoint: `${issuer}/token/revocation`,
      jwks_uri: `${issuer}/jwks`,
      authorization_response_iss_parameter_supported: true,
      acr_values_supported: PLATFORM_LEVELS[this.options.platform],
      claims_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
      grant_types_supported: ['authorization_code'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      scopes_supported: ['openid', 'given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry', 'email', 'preferred_username'],
      subject_types_supported: ['public'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      id_token_signing_alg_values_supported: signing,
      userinfo_signing_alg_values_supported: signing,
      request_uri_parameter_supported: false,
      ...(fcp && {
        id_token_encryption_alg_values_supported: ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'],
        id_token_encryption_enc_values_supported: ['A256GCM'],
        userinfo_encryption_alg_values_supported: ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'],
        userinfo_encryption_enc_values_supported: ['A256GCM'],
      }),
    };
    this.#scenario.discovery?.(document);
    return document;
  }

  #publishedKeys(): JWK[] {
    return [this.#es256.publicJwk, this.#rs256.publicJwk, ...this.#retired];
  }

  #authorize(url: URL, res: ServerResponse): void {
    const query = url.searchParams;
    const redirectUri = query.get('redirect_uri');
    if (query.get('client_id') !== this.options.clientId || !redirectUri) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_client');
      return;
    }
    const requested = (query.get('acr_values') ?? '').split(' ').filter((level) => PLATFORM_LEVELS[this.options.platform].includes(level));
    const acr = requested.toSorted((a, b) => (EIDAS_RANK[a] ?? 0) - (EIDAS_RANK[b] ?? 0))[0] ?? PLATFORM_LEVELS[this.options.platform][0]!;
    const grant: Grant = {
      code: random(),
      clientId: this.options.clientId,
      redirectUri,
      state: query.get('state') ?? undefined,
      nonce: query.get('nonce') ?? undefined,
      acr,
      codeChallenge: query.get('code_challenge') ?? undefined,
      accessToken: random(),
      sub: `${createHash('sha256').update(`${this.options.clientId}:angela-dubois`).digest('hex')}v1`,
    };
    this.#grants.set(grant.code, grant);
    this.issued.push(grant.code);
    const params = new URLSearchParams({ code: grant.code });
    if (grant.state !== undefined) params.set('state', grant.state);
    params.set('iss', this.#issuer);
    this.#scenario.callback?.(params, grant);
    const target = new URL(redirectUri);
    for (const [name, value] of params) target.searchParams.append(name, value);
    res.writeHead(303, { location: target.href }).end();
  }

  async #token(body: URLSearchParams, res: ServerResponse): Promise<void> {
    if (body.get('client_id') !== this.options.clientId || body.get('client_secret') !== this.options.clientSecret) {
      return json(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    const grant = this.#grants.get(body.get('code') ?? '');
    // Codes are single-use, bound to the redirect_uri and to the PKCE challenge, as on the real platform.
    this.#grants.delete(body.get('code') ?? '');
    const verifier = body.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (!grant || body.get('redirect_uri') !== grant.redirectUri || (grant.codeChallenge !== undefined && challenge !== grant.codeChallenge)) {
      return json(res, 400, { error: 'invalid_grant', error_description: 'grant request is invalid' });
    }
    const scenario = this.#scenario;
    if (scenario.token) return send(res, await scenario.token(grant, this));
    const now = Math.floor(Date.now() / 1000);
    const claims: Claims = {
      iss: this.#issuer,
      sub: grant.sub,
      aud: grant.clientId,
      exp: now + 60,
      iat: now,
      auth_time: now,
      acr: grant.acr,
      amr: ['pwd'],
      ...(grant.nonce !== undefined && { nonce: grant.nonce }),
    };
    scenario.idTokenClaims?.(claims, grant);
    const idToken = scenario.idToken ? await scenario.idToken(claims, this, grant) : await this.seal(claims);
    const answer: Record<string, unknown> = {
      access_token: grant.accessToken,
      token_type: 'Bearer',
      expires_in: 60,
      id_token: idToken,
      scope: 'openid given_name family_name birthdate gender birthplace birthcountry email preferred_username',
    };
    scenario.tokenResponse?.(answer, grant);
    this.#accessTokens.set(grant.accessToken, grant);
    this.issued.push(grant.accessToken);
    if (typeof answer.id_token === 'string') this.issued.push(answer.id_token);
    return json(res, 200, answer);
  }

  async #userinfo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await readBody(req);
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = token === undefined ? undefined : this.#accessTokens.get(token);
    if (!grant) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const claims: Claims = { sub: grant.sub, ...ADVERSARY_IDENTITY, iss: this.#issuer, aud: grant.clientId };
    this.#scenario.userinfoClaims?.(claims, grant);
    const answer = this.#scenario.userinfo
      ? await this.#scenario.userinfo(claims, this, grant)
      : { contentType: 'application/jwt', body: await this.seal(claims) };
    this.issued.push(answer.body);
    return send(res, answer);
  }

  #endSession(url: URL, res: ServerResponse): void {
    const back = url.searchParams.get('post_logout_redirect_uri');
    if (!back) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_request');
      return;
    }
    const target = new URL(back);
    const state = url.searchParams.get('state');
    if (state !== null) target.searchParams.set('state', state);
    res.writeHead(303, { location: target.href }).end();
  }
}

function json(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function send(res: ServerResponse, answer: ForgedAnswer): Promise<void> {
  if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
  if (res.destroyed) return;
  res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json', 'cache-control': 'no-store', ...answer.headers });
  res.end(answer.body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Flips one bit in the middle of segment `index` of a compact JWS/JWE (0 = header … 4 = tag). */
export function flipBit(compact: string, index: number): string {
  const parts = compact.split('.');
  const bytes = Buffer.from(parts[index] ?? '', 'base64url');
  if (bytes.length === 0) throw new Error(`segment ${index} is empty`);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

/** Replaces the payload of a compact JWS with `claims`, keeping the original header and signature. */
export function withPayload(jws: string, claims: Claims): string {
  const [header, , signature] = jws.split('.');
  return `${header}.${b64u(JSON.stringify(claims))}.${signature}`;
}

/**
 * A compact JWE that claims `ECDH-ES` with an ephemeral public key that is not a point of P-256: a
 * service that used it without checking would leak bits of its private key (invalid curve attack).
 */
export function invalidCurveJwe(kid: string): string {
  const header = {
    alg: 'ECDH-ES',
    enc: 'A256GCM',
    cty: 'JWT',
    kid,
    // x = 1, y = 1 is not on P-256 (y² ≠ x³ − 3x + b).
    epk: { kty: 'EC', crv: 'P-256', x: b64u(Buffer.alloc(32, 0).fill(1, 31)), y: b64u(Buffer.alloc(32, 0).fill(1, 31)) },
  };
  return [b64u(JSON.stringify(header)), '', random(12), random(64), random(16)].join('.');
}

/** A compact JWE-shaped string with the given header and random IV, ciphertext and tag. */
export function jweWithHeader(header: Record<string, unknown>, encryptedKey = random(256)): string {
  return [b64u(JSON.stringify(header)), encryptedKey, random(12), random(64), random(16)].join('.');
}

/** The segments of every value in `issued` long enough to be recognised in a log line or a page. */
export function secretParts(issued: readonly string[]): string[] {
  return [...new Set(issued.flatMap((value) => [value, ...value.split('.')]).filter((part) => part.length >= 20))];
}

/** An `idToken` hook: signs the claims with `options`, then wraps as the platform would (encrypted on FranceConnect+). */
export function idTokenSignedWith(options: SignOptions): NonNullable<Scenario['idToken']> {
  return async (claims, forge) => forge.wrap(await forge.sign(claims, options));
}

/** A `userinfo` hook: signs the claims with `options`, then wraps as the platform would. */
export function userinfoSignedWith(options: SignOptions): NonNullable<Scenario['userinfo']> {
  return async (claims, forge) => jwtAnswer(await forge.wrap(await forge.sign(claims, options)));
}

/** An `application/jwt` answer. */
export function jwtAnswer(body: string): ForgedAnswer {
  return { contentType: 'application/jwt', body };
}
