/**
 * What the contract tests share: an emulator started with the service providers a file needs, the
 * requests FranceConnect's own API tests send (`quality/fcp/cypress/fixtures/fcp-{high,low}/docker/api-common.json`
 * in france-connect/sources, tag fc-392RC1), and raw access to the token, userinfo and revocation
 * endpoints so that every header and member can be checked, as those tests do.
 *
 * Platforms are named as in FranceConnect's tests: `fcp-high` is FranceConnect+ (our `fcp`), `fcp-low` is
 * FranceConnect (our `fc`). See docs/franceconnect-contract-tests.md.
 */
import { randomBytes } from 'node:crypto';

import { compactDecrypt, compactVerify, createLocalJWKSet, type JSONWebKeySet, type ProtectedHeaderParameters } from 'jose';
import { expect } from 'vitest';

import type { EmulatorClientConfig, EncryptionAlg, SigningAlg, TestIdentity } from '../../libs/fc-emulator/src/index.js';
import { findIdentity, type RunningFcEmulator } from '../../libs/fc-emulator/src/index.js';
import { AMR_CLAIMS, callbackFor, fcClient, fcpClient, generateEncryptionKey, POST_LOGOUT_URI, RP_ORIGIN, secretFor, startEmulatorWithJwks, type EmulatorWithJwks, type RpEncryptionKey } from '../emulator/fixtures.js';
import { completeEmulatorLogout, EmulatorFlowError, type EmulatorLoginChoice } from '../support/emulator-login.js';
import { HttpAgent, parseForms, type AgentResponse, type FollowResult } from '../support/http-agent.js';

export { AMR_CLAIMS, callbackFor, POST_LOGOUT_URI, RP_ORIGIN, secretFor };

/** Our platform identifiers. */
export type Platform = 'fc' | 'fcp';

/** One platform as FranceConnect's tests name it, with the level its default service asks for. */
export interface PlatformCase {
  readonly platform: Platform;
  /** `fcp-high` or `fcp-low`, the tags of FranceConnect's scenarios. */
  readonly tag: 'fcp-high' | 'fcp-low';
  /** `acr_values` of FranceConnect's default request on this platform (`eidas2` on FC+, `eidas1` on FC). */
  readonly acr: 'eidas1' | 'eidas2';
}

export const FCP_HIGH: PlatformCase = Object.freeze({ platform: 'fcp', tag: 'fcp-high', acr: 'eidas2' });
export const FCP_LOW: PlatformCase = Object.freeze({ platform: 'fc', tag: 'fcp-low', acr: 'eidas1' });
/** For `describe.each`: both platforms, FC+ first. */
export const BOTH_PLATFORMS: readonly PlatformCase[] = [FCP_HIGH, FCP_LOW];

/** 64 hex characters, like the `state` and `nonce` of FranceConnect's fixtures. */
export function hex64(): string {
  return randomBytes(32).toString('hex');
}

/** The test identity `id`, which must exist. */
export function person(id: string): TestIdentity {
  const found = findIdentity(id);
  if (found === undefined) throw new Error(`no test identity ${id}`);
  return found;
}

/**
 * FranceConnect's scope fixtures (`quality/fcp/cypress/fixtures/fcp-{high,low}/scopes.json`) that the
 * scenarios use, by the name the scenarios give them.
 */
export const SCOPE_TYPES = {
  'tous les scopes': {
    fcp: 'openid profile gender birthdate birthcountry birthplace given_name family_name email preferred_username birth identite_pivot',
    fc: 'openid profile gender birthdate birthcountry birthplace given_name family_name email preferred_username birth identite_pivot idp_birthdate',
  },
  'profile sans alias': 'openid gender birthdate given_name family_name preferred_username',
  'identite_pivot sans alias': 'openid gender birthdate birthcountry birthplace given_name family_name preferred_username',
  birth: 'openid birth',
  profile: 'openid profile',
  identite_pivot: 'openid identite_pivot',
  anonyme: 'openid',
  'profile avec scope inconnu': 'openid profile inconnu',
  'birthdate et idp_birthdate': 'openid idp_birthdate birthdate',
  'tous les scopes rnipp (authorize)': 'openid rnipp_gender rnipp_birthdate rnipp_birthcountry rnipp_birthplace rnipp_given_name rnipp_family_name',
} as const;

export type ScopeType = keyof typeof SCOPE_TYPES;

/** The `scope` parameter of a scope fixture on a platform. */
export function scopeOf(type: ScopeType, platform: Platform): string {
  const value = SCOPE_TYPES[type];
  return typeof value === 'string' ? value : value[platform];
}

const PIVOT = ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry'];
const PROFILE = ['given_name', 'family_name', 'birthdate', 'gender', 'preferred_username'];

/**
 * The claims each identity scope releases, as FranceConnect's scope tables define them
 * (`back/libs/scopes/src/data/fcp-high/fcp-high.scopes.ts` and `…/fcp-low/fcp-low.scopes.ts`): aliases
 * expanded; on FC, `given_name_array` wherever `given_name` is; on FC+, each `rnipp_*` scope releases the
 * claim and its `rnipp_` twin. Written out here, independently of the emulator's own tables.
 */
const SCOPE_CLAIMS: Readonly<Record<Platform, Readonly<Record<string, readonly string[]>>>> = {
  fcp: {
    openid: ['sub'],
    profile: PROFILE,
    birth: ['birthplace', 'birthcountry'],
    identite_pivot: PIVOT,
    given_name: ['given_name'],
    family_name: ['family_name'],
    birthdate: ['birthdate'],
    gender: ['gender'],
    birthplace: ['birthplace'],
    birthcountry: ['birthcountry'],
    email: ['email'],
    preferred_username: ['preferred_username'],
    rnipp_gender: ['gender', 'rnipp_gender'],
    rnipp_birthdate: ['birthdate', 'rnipp_birthdate'],
    rnipp_birthcountry: ['birthcountry', 'rnipp_birthcountry'],
    rnipp_birthplace: ['birthplace', 'rnipp_birthplace'],
    rnipp_given_name: ['given_name', 'rnipp_given_name', 'rnipp_given_name_array'],
    rnipp_family_name: ['family_name', 'rnipp_family_name'],
  },
  fc: {
    openid: ['sub'],
    profile: [...PROFILE, 'given_name_array'],
    birth: ['birthplace', 'birthcountry'],
    identite_pivot: [...PIVOT, 'given_name_array'],
    given_name: ['given_name', 'given_name_array'],
    family_name: ['family_name'],
    birthdate: ['birthdate'],
    gender: ['gender'],
    birthplace: ['birthplace'],
    birthcountry: ['birthcountry'],
    email: ['email'],
    preferred_username: ['preferred_username'],
    idp_birthdate: ['idp_birthdate'],
  },
};

/** First names as an array, split on spaces, as `given_name_array` carries them. */
function firstNames(who: TestIdentity): string[] {
  return who.given_name.split(' ').filter(Boolean);
}

/** The value of one identity claim for `who` (the emulator's civil registry agrees with its identity providers). */
function claimValue(who: TestIdentity, claim: string): unknown {
  if (claim === 'given_name_array' || claim === 'rnipp_given_name_array') return firstNames(who);
  if (claim === 'idp_birthdate') return who.birthdate;
  const plain = claim.startsWith('rnipp_') ? claim.slice('rnipp_'.length) : claim;
  return (who as unknown as Record<string, unknown>)[plain];
}

/**
 * The identity claims userinfo must carry, with their values, for `scope` on `platform`: nothing
 * else but `sub`, `aud`, `exp`, `iat` and `iss` is allowed beside them. Unknown scopes release nothing.
 */
export function expectedIdentityClaims(platform: Platform, scope: string, who: TestIdentity): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const name of scope.split(' ').filter(Boolean)) {
    for (const claim of SCOPE_CLAIMS[platform][name] ?? []) {
      if (claim !== 'sub') claims[claim] = claimValue(who, claim);
    }
  }
  return claims;
}

/** Members every signed response carries beside the identity claims. */
export const TECHNICAL_CLAIMS = ['sub', 'aud', 'exp', 'iat', 'iss'] as const;

/** How a contract test registers a service provider. */
export interface ServiceSpec {
  id: string;
  platform: Platform;
  /** FC+: key management algorithm of ID token and userinfo encryption. Default `RSA-OAEP-256`. */
  encryption?: EncryptionAlg;
  /** FC: signing algorithm. Default `ES256`. */
  signing?: SigningAlg;
  /** Fields set on the registration (`claims`, `scopes`, `entity_id`, `redirect_uris`, …). */
  registration?: Partial<EmulatorClientConfig>;
}

/** Parameters of an authorization request, with the `state` and `nonce` it was sent with. */
export interface SentRequest {
  clientId: string;
  params: Record<string, string>;
  state: string;
  nonce: string;
}

/** A decoded JOSE response: the JWE header when encrypted, the JWS header and the verified payload. */
export interface OpenedJose {
  /** Compact serialisation as received. */
  raw: string;
  /** Number of segments: 5 for a JWE, 3 for a JWS. */
  segments: number;
  jweHeader?: Record<string, unknown>;
  /** The signed JWT: the response itself, or the JWE's plaintext. */
  jws: string;
  jwsHeader: ProtectedHeaderParameters;
  payload: Record<string, unknown>;
}

/** A raw HTTP answer with its JSON (or text) body read. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function readAnswer(response: Response): Promise<RawAnswer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the assertions look at `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The tokens of a sign-in, read from the token endpoint without a client library. */
export interface SignedIn {
  request: SentRequest;
  callback: URL;
  /** The token response body. */
  body: Record<string, unknown>;
  accessToken: string;
  idToken: OpenedJose;
}

/**
 * One emulator for one test file, with the service providers it declares. FC+ services share one key
 * per algorithm, published on one JWKS server.
 */
export class ContractEmulator {
  readonly #started: EmulatorWithJwks;
  readonly #specs: Map<string, ServiceSpec>;
  readonly #keys: Map<EncryptionAlg, RpEncryptionKey>;
  readonly #jwks = new Map<Platform, JSONWebKeySet>();

  private constructor(started: EmulatorWithJwks, specs: readonly ServiceSpec[], keys: Map<EncryptionAlg, RpEncryptionKey>) {
    this.#started = started;
    this.#specs = new Map(specs.map((spec) => [spec.id, spec]));
    this.#keys = keys;
  }

  /** Starts an emulator on free ports with these service providers. */
  static async start(specs: readonly ServiceSpec[]): Promise<ContractEmulator> {
    const keys = new Map<EncryptionAlg, RpEncryptionKey>();
    for (const spec of specs) {
      const alg = spec.encryption ?? 'RSA-OAEP-256';
      if (spec.platform === 'fcp' && !keys.has(alg)) keys.set(alg, await generateEncryptionKey(alg));
    }
    const started = await startEmulatorWithJwks([...keys.values()].map((key) => key.publicJwk), (jwksUrl) =>
      specs.map((spec) => registrationOf(spec, jwksUrl)),
    );
    return new ContractEmulator(started, specs, keys);
  }

  get emulator(): RunningFcEmulator {
    return this.#started.emulator;
  }

  stop(): Promise<void> {
    return this.#started.stop();
  }

  #spec(clientId: string): ServiceSpec {
    const spec = this.#specs.get(clientId);
    if (spec === undefined) throw new Error(`no service ${clientId} in this emulator`);
    return spec;
  }

  platformOf(clientId: string): Platform {
    return this.#spec(clientId).platform;
  }

  /** The issuer of a platform: `http://localhost:<port>/api/v2`. */
  issuer(platform: Platform): string {
    return this.emulator[platform].issuer;
  }

  /** The encryption key of an FC+ service. */
  keyOf(clientId: string): RpEncryptionKey {
    const key = this.#keys.get(this.#spec(clientId).encryption ?? 'RSA-OAEP-256');
    if (key === undefined) throw new Error(`${clientId} has no encryption key`);
    return key;
  }

  /**
   * FranceConnect's default authorization request (`authorize` in api-common.json): `scope=openid profile`,
   * the platform's default level, the `amr` claims request, `prompt=login consent`, and 64-hex `state`
   * and `nonce`; then `set` replaces or adds parameters and `omit` removes some.
   */
  authorizeRequest(clientId: string, set: Record<string, string> = {}, omit: readonly string[] = []): SentRequest {
    const platform = this.platformOf(clientId);
    const params: Record<string, string> = {
      scope: 'openid profile',
      acr_values: platform === 'fcp' ? 'eidas2' : 'eidas1',
      claims: AMR_CLAIMS,
      prompt: 'login consent',
      client_id: clientId,
      redirect_uri: callbackFor(clientId),
      response_type: 'code',
      state: hex64(),
      nonce: hex64(),
      ...set,
    };
    for (const name of omit) delete params[name];
    return { clientId, params, state: params.state ?? '', nonce: params.nonce ?? '' };
  }

  /**
   * The request FranceConnect's mock service sends when the person clicks the FranceConnect button: the
   * scopes of "tous les scopes" (unless `set.scope`), the platform's default level, the `amr` claims
   * request, and no prompt.
   */
  serviceRequest(clientId: string, set: Record<string, string> = {}, omit: readonly string[] = []): SentRequest {
    const platform = this.platformOf(clientId);
    return this.authorizeRequest(clientId, { scope: scopeOf('tous les scopes', platform), ...set }, ['prompt', ...omit]);
  }

  /** The GET URL of a request. */
  urlOf(request: SentRequest): URL {
    const url = new URL(`${this.issuer(this.platformOf(request.clientId))}/authorize`);
    for (const [name, value] of Object.entries(request.params)) url.searchParams.set(name, value);
    return url;
  }

  /**
   * Sends the request from `agent` (GET, or POST as a form), completes the login page with `choice` and
   * returns the redirect back to the service.
   *
   * @throws {EmulatorFlowError} when the emulator shows an error page instead.
   */
  async authorize(agent: HttpAgent, request: SentRequest, choice: EmulatorLoginChoice, method: 'get' | 'post' = 'get'): Promise<URL> {
    const endpoint = `${this.issuer(this.platformOf(request.clientId))}/authorize`;
    const first = method === 'get' ? await agent.get(this.urlOf(request)) : await agent.postForm(endpoint, request.params);
    const opened = await followLikeABrowser(agent, first);
    if (opened.stoppedAt !== undefined) return opened.stoppedAt;
    const suffix = 'cancel' in choice ? '/abort' : '/login';
    const form = parseForms(opened.response.body, opened.response.url).find(
      (candidate) => candidate.method === 'POST' && candidate.action.pathname.endsWith(suffix),
    );
    if (form === undefined) throw new EmulatorFlowError('the emulator did not show its login page', opened.response);
    const submitted = await agent.submitForm(form, 'cancel' in choice ? {} : { identity: choice.identity, ...(choice.acr ? { acr: choice.acr } : {}) });
    const finished = await followLikeABrowser(agent, submitted);
    if (finished.stoppedAt === undefined) throw new EmulatorFlowError('the emulator did not return to the service', finished.response);
    return finished.stoppedAt;
  }

  /** Opens a request in a fresh browser, following redirects until the service's callback or a page. */
  open(request: SentRequest | URL, agent: HttpAgent = new HttpAgent()): Promise<FollowResult> {
    return agent.follow(request instanceof URL ? request : this.urlOf(request), { stopAt: `${RP_ORIGIN}/` });
  }

  /** POSTs `fields` to the token endpoint of a platform. */
  async token(platform: Platform, fields: Record<string, string>): Promise<RawAnswer> {
    return readAnswer(await fetch(`${this.issuer(platform)}/token`, { method: 'POST', body: new URLSearchParams(fields) }));
  }

  /** The token request FranceConnect's tests send (`token` in api-common.json), for `code`. */
  tokenFields(clientId: string, code: string): Record<string, string> {
    return {
      grant_type: 'authorization_code',
      code,
      redirect_uri: callbackFor(clientId),
      client_id: clientId,
      client_secret: secretFor(clientId),
    };
  }

  /** GET userinfo with `Authorization: Bearer <token>`, or no Authorization header at all. */
  async userinfo(platform: Platform, accessToken?: string): Promise<RawAnswer> {
    const headers: Record<string, string> = accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` };
    return readAnswer(await fetch(`${this.issuer(platform)}/userinfo`, { headers }));
  }

  /** POSTs `fields` to the revocation endpoint of a platform. */
  async revoke(platform: Platform, fields: Record<string, string>): Promise<RawAnswer> {
    return readAnswer(await fetch(`${this.issuer(platform)}/token/revocation`, { method: 'POST', body: new URLSearchParams(fields) }));
  }

  /** The platform's published signing keys. */
  async jwks(platform: Platform): Promise<JSONWebKeySet> {
    let set = this.#jwks.get(platform);
    if (set === undefined) {
      set = (await (await fetch(`${this.issuer(platform)}/jwks`)).json()) as JSONWebKeySet;
      this.#jwks.set(platform, set);
    }
    return set;
  }

  /**
   * Decrypts (FC+) with the service's key and verifies the signature with the platform's published keys.
   *
   * @throws when decryption or the signature check fails.
   */
  async openJose(clientId: string, compact: string): Promise<OpenedJose> {
    const platform = this.platformOf(clientId);
    const segments = compact.split('.').length;
    let jws = compact;
    let jweHeader: Record<string, unknown> | undefined;
    if (segments === 5) {
      const { plaintext, protectedHeader } = await compactDecrypt(compact, this.keyOf(clientId).privateKey);
      jweHeader = { ...protectedHeader };
      jws = new TextDecoder().decode(plaintext);
    }
    const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(await this.jwks(platform)));
    return {
      raw: compact,
      segments,
      jweHeader,
      jws,
      jwsHeader: protectedHeader,
      payload: JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>,
    };
  }

  /** Exchanges the code of `callback` at the token endpoint, then opens the ID token and checks its nonce. */
  async redeem(request: SentRequest, callback: URL): Promise<SignedIn> {
    const code = callback.searchParams.get('code');
    if (code === null) throw new Error(`no code in the callback ${callback.href}`);
    expect(callback.searchParams.get('state')).toBe(request.state);
    const answer = await this.token(this.platformOf(request.clientId), this.tokenFields(request.clientId, code));
    expect(answer.status, answer.text).toBe(200);
    const idToken = await this.openJose(request.clientId, String(answer.json.id_token));
    expect(idToken.payload.nonce).toBe(request.nonce);
    return { request, callback, body: answer.json, accessToken: String(answer.json.access_token), idToken };
  }

  /** A complete sign-in from `agent`: authorize, login page, token. */
  async signIn(agent: HttpAgent, request: SentRequest, choice: EmulatorLoginChoice = { identity: 'angela-dubois' }, method: 'get' | 'post' = 'get'): Promise<SignedIn> {
    return this.redeem(request, await this.authorize(agent, request, choice, method));
  }

  /** Userinfo of a sign-in, decrypted and verified; fails the test unless it is a 200. */
  async userinfoOf(clientId: string, accessToken: string): Promise<OpenedJose & { answer: RawAnswer }> {
    const answer = await this.userinfo(this.platformOf(clientId), accessToken);
    expect(answer.status, answer.text).toBe(200);
    return { ...(await this.openJose(clientId, answer.text)), answer };
  }

  /** Logs out of the platform from the service (RP-initiated logout with the signed ID token as hint). */
  async logout(agent: HttpAgent, signedIn: SignedIn): Promise<URL> {
    const url = new URL(`${this.issuer(this.platformOf(signedIn.request.clientId))}/session/end`);
    url.searchParams.set('id_token_hint', signedIn.idToken.jws);
    url.searchParams.set('post_logout_redirect_uri', POST_LOGOUT_URI);
    url.searchParams.set('state', hex64());
    return completeEmulatorLogout(agent, url);
  }
}

/**
 * Follows redirects up to the service's callback as a browser with JavaScript would: a page that only
 * submits its form at once (`document.forms[0].submit()`, as oidc-provider's pages do) is submitted.
 */
async function followLikeABrowser(agent: HttpAgent, start: AgentResponse): Promise<FollowResult> {
  let result = await agent.follow(start, { stopAt: `${RP_ORIGIN}/` });
  for (let pages = 0; pages < 3 && result.stoppedAt === undefined; pages += 1) {
    const { body, url } = result.response;
    if (!/document\.forms\[0\]\.submit\(\)/.test(body)) break;
    const [form] = parseForms(body, url);
    if (form === undefined) break;
    result = await agent.follow(await agent.submitForm(form), { stopAt: `${RP_ORIGIN}/` });
  }
  return result;
}

function registrationOf(spec: ServiceSpec, jwksUrl: string): EmulatorClientConfig {
  const base =
    spec.platform === 'fcp' ? fcpClient(spec.id, spec.encryption ?? 'RSA-OAEP-256', jwksUrl) : fcClient(spec.id, spec.signing ?? 'ES256');
  return { ...base, ...spec.registration };
}

/**
 * FranceConnect's "page sélection du fournisseur d'identité" stands, on the emulator, for its login page:
 * a 200 HTML page with the form that picks a test identity. Checks the request ended there, not at the
 * service.
 */
export function expectLoginPage(result: FollowResult): void {
  expect(result.stoppedAt?.href).toBeUndefined();
  expect(result.response.status, result.response.body).toBe(200);
  expect(result.response.headers.get('content-type')).toMatch(/^text\/html/);
  const login = parseForms(result.response.body, result.response.url).find((form) => form.method === 'POST' && form.action.pathname.endsWith('/login'));
  expect(login, 'the login form').toBeDefined();
  expect(login?.options.identity?.length ?? 0).toBeGreaterThan(0);
}

/**
 * FranceConnect's error page ("page erreur technique FranceConnect"): an HTML page with this status and
 * code, never a redirect, and no link back to the service (`le lien retour vers le FS n'est pas affiché`).
 */
export function expectErrorPage(response: AgentResponse, status: number, code: string, clientId?: string): void {
  expect(response.status, response.body).toBe(status);
  expect(response.location?.href).toBeUndefined();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.body).toContain(`<code id="error-code">${code}</code>`);
  // "le lien retour vers le FS n'est pas affiché": no link back (the emulator's page may name the
  // registered redirect_uri as text, for the developer).
  if (clientId !== undefined) expect(response.body).not.toContain(`href="${callbackFor(clientId)}`);
  expect(response.body).not.toMatch(/<a\s[^>]*href="https?:/i);
}

/** The `error`, `error_description`, `state` and `iss` a redirect back to the service carries (query or fragment). */
export function redirectParams(location: URL, where: 'query' | 'fragment' = 'query'): Record<string, string> {
  const source = where === 'query' ? location.searchParams : new URLSearchParams(location.hash.replace(/^#/, ''));
  return Object.fromEntries(source.entries());
}

/** Whether `location` is the service's registered callback (ignoring query and fragment). */
export function isCallbackOf(location: URL | undefined, clientId: string): boolean {
  return location !== undefined && `${location.origin}${location.pathname}` === callbackFor(clientId);
}

/** The header names of a JOSE header, sorted, for "l'entête … a N propriétés". */
export function headerNames(header: Record<string, unknown> | ProtectedHeaderParameters | undefined): string[] {
  return Object.keys(header ?? {}).toSorted();
}

/** The member names of a payload or body, sorted. */
export function names(object: Record<string, unknown>): string[] {
  return Object.keys(object).toSorted();
}

/**
 * The JSON error of the token and userinfo endpoints as FranceConnect renders it
 * (`OidcProviderRenderedJsonExceptionFilter`): `error`, `error_description` ("<description> (<detail>)"),
 * and `error_uri` to the partners' documentation with FranceConnect's code.
 */
export function expectJsonError(answer: RawAnswer, status: number, error: string, description: string, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.headers.getSetCookie()).toEqual([]);
  expect(answer.json.error).toBe(error);
  expect(answer.json.error_description).toBe(description);
  expect(String(answer.json.error_uri)).toContain(`https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/fs-technique-erreurs/?code=${code}&id=`);
}
