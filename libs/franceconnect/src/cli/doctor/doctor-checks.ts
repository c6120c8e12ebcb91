import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as client from 'openid-client';
import { CONTENT_ENCRYPTION, PLATFORM_IDS, PLATFORM_LEVELS, PLATFORM_OPTIONS } from '../../platforms.js';
import type { KeySet } from '../../keys/key-set.js';
import { loadServiceKeySet } from '../../keys/key.service.js';
import { KeyConfigurationError } from '../../keys/keys.errors.js';
import { PUBLIC_JWK_MEMBERS } from '../../keys/keys.internal-constants.js';
import type { CliIo } from '../cli-io.js';
import { isReadableByOthers } from '../key-file.js';
import { FRANCECONNECT_AUTHORIZE_PARAMETERS, FranceConnectStrategy } from '../../oidc/franceconnect.strategy.js';
import type { KeysOptions } from '../../options/franceconnect-options.interface.js';
import { serviceKeyNeeds, type ResolvedFranceConnectOptions, type ResolvedPlatform } from '../../options/resolve-options.js';
import type { DoctorConfig } from './doctor-config.js';

/** The verdict of one check. `warn` does not fail the run. */
export type Verdict = 'ok' | 'warn' | 'FAIL';

/** One line of the report. */
export interface DoctorCheck {
  /**
   * Stable name: `options` for a problem of the options themselves, the platform's name for its checks
   * (`FranceConnect+ discovery`), `SP` for the service's own setup (`SP keys`).
   */
  readonly name: string;
  readonly verdict: Verdict;
  /** What was found, and for a warning or a failure, what to do. */
  readonly detail: string;
}

/** How `doctor` runs. */
export interface DoctorOptions {
  /** Allow http://localhost URLs and the emulator's demo clients. */
  readonly dev: boolean;
  /** Timeout of each HTTP request, milliseconds. */
  readonly timeoutMs: number;
  readonly io: CliIo;
}

/** Clock skew, in seconds, from which a warning is given when the options do not resolve: the module's default clock tolerance. */
const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/**
 * Clock skew, in seconds, from which the check fails: an ID token lives 60 s, so with this much skew
 * (and the 5 s tolerance) tokens look expired the moment they arrive.
 */
export const CLOCK_SKEW_FAIL_SECONDS = 55;
/** Minimum length of `state` and `nonce` in FranceConnect's documentation. */
export const MIN_STATE_NONCE_LENGTH = 32;
/** JWKS cache lifetime above which a rotation takes too long to reach the platform. */
const MAX_JWKS_MAX_AGE_SECONDS = 3600;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/**
 * Runs every check of a configuration, in a fixed order: first what keeps the options from resolving,
 * one `options` line per problem, as the module would refuse to start; then for each platform its
 * settings, issuer, redirect URIs, discovery and what it advertises, its signing keys and the
 * authorization request; then `state`/`nonce`, the service's keys and the JWKS it publishes. A check that
 * needs what is missing (a platform's discovery document, options that resolve for the service's keys) is
 * left out: the failure that prevents it is reported.
 */
export async function runDoctorChecks(config: DoctorConfig, options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = config.problems.map((problem) => fail('options', problem));
  // A skew past the tolerance the module accepts in ID tokens is worth a warning.
  const tolerance = config.options?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  for (const platform of config.platforms) checks.push(...(await checkPlatform(platform, options, tolerance)));
  checks.push(checkStateAndNonce());
  const resolved = config.options;
  if (resolved?.keys !== undefined) {
    const { check, keySet } = await checkKeys(resolved, resolved.keys, options);
    checks.push(check);
    const plus = resolved.platforms.fcp;
    if (plus) checks.push(await checkPublishedJwks(resolved, plus, keySet, options));
  }
  return checks;
}

/**
 * Where FranceConnect+ fetches the service's public keys: the module serves them at `jwksPath`, on the
 * site of the FranceConnect+ callback.
 */
function publishedJwksUrl(options: ResolvedFranceConnectOptions, plus: ResolvedPlatform): string {
  return `${new URL(plus.redirectUri).origin}${options.jwksPath}`;
}

async function checkPlatform(platform: ResolvedPlatform, options: DoctorOptions, tolerance: number): Promise<DoctorCheck[]> {
  const checks = [checkSettings(platform, options), checkIssuer(platform, options), checkRedirectUris(platform, options)];
  // The resolved issuer has no trailing "/".
  const discoveryUrl = `${platform.issuer}/.well-known/openid-configuration`;
  const fetched = await httpGet(discoveryUrl, options);
  const name = `${platform.label} discovery`;
  const at = PLATFORM_OPTIONS[platform.id];
  if ('error' in fetched) {
    checks.push(fail(name, `${discoveryUrl} is unreachable (${fetched.error}): check ${at}.issuer and the network path to the platform.`));
    return checks;
  }
  if (fetched.response.status !== 200) {
    checks.push(fail(name, `${discoveryUrl} answered HTTP ${fetched.response.status}: check ${at}.issuer (it ends with /api/v2).`));
    return checks;
  }
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(fetched.body) as Record<string, unknown>;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw new TypeError('not an object');
  } catch {
    checks.push(fail(name, `${discoveryUrl} did not answer a JSON object: it is not an OpenID Connect discovery document.`));
    return checks;
  }
  if (metadata['issuer'] !== platform.issuer) {
    checks.push(
      fail(
        name,
        `the platform names its issuer ${JSON.stringify(metadata['issuer'])}, not ${JSON.stringify(platform.issuer)}: set ${at}.issuer to exactly that value (ID tokens are checked against it).`,
      ),
    );
    return checks;
  }
  checks.push(ok(name, `${discoveryUrl} answered, issuer matches`));
  checks.push(checkClock(platform, fetched, tolerance));
  checks.push(checkSigning(platform, metadata));
  if (platform.encryptionAlg !== undefined) checks.push(checkEncryption(platform, metadata));
  checks.push(await checkClientAuth(platform, metadata, options));
  checks.push(checkEndpoints(platform, metadata, options));
  checks.push(checkAcr(platform, metadata));
  checks.push(await checkPlatformJwks(platform, metadata, options));
  const authorization = await checkAuthorizationRequest(platform, metadata, options);
  if (authorization) checks.push(authorization);
  return checks;
}

/** What FranceConnect's error codes at `/authorize` mean for the service, and what to change. */
const AUTHORIZE_ERRORS: Readonly<Record<string, string>> = {
  Y030007: 'a parameter is missing, malformed or not in its list (PKCE included): check pkce and the redirect URI',
  Y100009: 'the amr claim is asked for but the registration does not list it: turn requestAmr off, or have amr added to the registration',
  Y04C013C: 'the redirect URI is not registered for this client: register it exactly (scheme, host, port, path)',
  Y04EA6EF: 'the client id is unknown or deactivated: check the client id of this platform and environment',
};

/**
 * The authorization request the module would send, built by the library's own strategy from these
 * settings: its parameters checked against FranceConnect's list, then sent to the platform (without
 * following its answer), which refuses it on its error page when a parameter, the redirect URI, the
 * client or the `amr` claim does not match the registration. The platform's login page means accepted.
 */
async function checkAuthorizationRequest(platform: ResolvedPlatform, metadata: Record<string, unknown>, options: DoctorOptions): Promise<DoctorCheck | undefined> {
  const name = `${platform.label} authorization request`;
  const endpoint = metadata['authorization_endpoint'];
  // An endpoint the endpoints check refuses (missing, or http without --dev) is not tried.
  if (typeof endpoint !== 'string' || checkUrl(endpoint, options).verdict !== 'ok') return undefined;
  const configuration = new client.Configuration(metadata as client.ServerMetadata, platform.clientId);
  if (options.dev) client.allowInsecureRequests(configuration);
  const { url } = new FranceConnectStrategy(configuration, platform, () => undefined).buildAuthorizationRequest();
  const outside = [...url.searchParams.keys()].filter((parameter) => !FRANCECONNECT_AUTHORIZE_PARAMETERS.includes(parameter));
  if (outside.length > 0) {
    return fail(name, `sends ${outside.join(', ')}, which FranceConnect refuses (error page Y030007): turn ${PLATFORM_OPTIONS[platform.id]}.pkce off.`);
  }
  const fetched = await httpGet(url.href, options);
  if ('error' in fetched) return warn(name, `not tried: ${url.origin}${url.pathname} is unreachable (${fetched.error}).`);
  const { status } = fetched.response;
  const location = fetched.response.headers.get('location');
  const target = location === null ? undefined : new URL(location, url);
  const backToService = target !== undefined && platform.redirectUri === `${target.origin}${target.pathname}`;
  if (backToService && target.searchParams.has('error')) {
    const error = target.searchParams.get('error') ?? '';
    return fail(name, `the platform sent the sign-in back with error=${error} (${target.searchParams.get('error_description') ?? 'no description'}).`);
  }
  if (status >= 400) {
    const code = /\bY[0-9A-F]{6,7}\b/.exec(fetched.body)?.[0];
    const meaning = code === undefined ? undefined : AUTHORIZE_ERRORS[code];
    return fail(name, `the platform refused it with HTTP ${status}${code ? ` and its error page ${code}` : ''}${meaning ? `: ${meaning}` : ''}.`);
  }
  const sent = [...url.searchParams.keys()].join(', ');
  return ok(name, `accepted (HTTP ${status}); sends ${sent}`);
}

/**
 * What the module's resolution leaves to check in a platform's settings: the emulator's demo secret
 * outside `--dev`, and a secret too short to be one FranceConnect gave.
 */
function checkSettings(platform: ResolvedPlatform, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} settings`;
  const at = PLATFORM_OPTIONS[platform.id];
  const secret = platform.clientSecret;
  if (secret !== undefined && /not-for-production/.test(secret) && !options.dev) {
    return fail(name, `${at}.clientSecret is the emulator's demo secret: use the secret of your registration (or pass --dev against the emulator).`);
  }
  const authentication =
    platform.tokenEndpointAuthMethod === 'private_key_jwt' ? `private_key_jwt signed with ${platform.tokenEndpointSigningAlg}` : 'secret set';
  const algs = platform.encryptionAlg === undefined
    ? `signing ${platform.signingAlg}`
    : `signing ${platform.signingAlg}, encryption ${platform.encryptionAlg} + ${CONTENT_ENCRYPTION}`;
  const summary = `client ${platform.clientId}, ${authentication}, ${algs}, level ${platform.acrValues}`;
  if (secret !== undefined && secret.length < 32) {
    return warn(name, `${summary}; ${at}.clientSecret has ${secret.length} characters: FranceConnect's secrets are longer, check it was copied whole.`);
  }
  return ok(name, summary);
}

function checkIssuer(platform: ResolvedPlatform, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} issuer`;
  const { issuer } = platform;
  const url = checkUrl(issuer, options);
  if (url.verdict !== 'ok') return { name, verdict: url.verdict, detail: `${PLATFORM_OPTIONS[platform.id]}.issuer ${issuer}: ${url.detail}.` };
  if (!new URL(issuer).pathname.endsWith('/api/v2')) {
    return warn(name, `${issuer} does not end with /api/v2, the path of FranceConnect's issuers: check it.`);
  }
  return ok(name, `${issuer}${url.note}`);
}

function checkRedirectUris(platform: ResolvedPlatform, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} redirect URIs`;
  const at = PLATFORM_OPTIONS[platform.id];
  const problems: string[] = [];
  const warnings: string[] = [];
  const uris: string[] = [];
  const entries: [string, string | undefined][] = [
    [`${at}.redirectUri`, platform.redirectUri],
    [`${at}.postLogoutRedirectUri`, platform.postLogoutRedirectUri],
  ];
  for (const [option, uri] of entries) {
    if (uri === undefined) {
      warnings.push(`${option} is not set: signing out closes the local session only, never the one at ${platform.label}`);
      continue;
    }
    const url = checkUrl(uri, options);
    if (url.verdict === 'ok') uris.push(uri);
    else problems.push(`${option} ${uri}: ${url.detail}`);
  }
  if (problems.length > 0) return fail(name, `${[...problems, ...warnings].join('; ')}.`);
  const registered = `${uris.join(', ')} (register ${uris.length > 1 ? 'them' : 'it'} exactly)`;
  if (warnings.length > 0) return warn(name, `${registered}; ${warnings.join('; ')}.`);
  return ok(name, registered);
}

function checkClock(platform: ResolvedPlatform, fetched: Fetched, tolerance: number): DoctorCheck {
  const name = `${platform.label} clock`;
  const header = fetched.response.headers.get('date');
  const platformTime = header === null ? Number.NaN : Date.parse(header);
  if (Number.isNaN(platformTime)) return warn(name, 'the platform sent no usable Date header: cannot measure the clock skew.');
  // The Date header has a one-second resolution: the platform's clock is within [date, date + 1 s).
  const localTime = (fetched.sentAt + fetched.receivedAt) / 2;
  const skew = Math.round((platformTime + 500 - localTime) / 1000);
  const direction = skew > 0 ? 'behind' : 'ahead of';
  const detail = `local clock ${Math.abs(skew)} s ${direction} the platform's`;
  if (Math.abs(skew) >= CLOCK_SKEW_FAIL_SECONDS) {
    return fail(name, `${detail}: ID tokens live 60 s and will be refused as expired or not yet valid. Synchronise the clock (NTP).`);
  }
  if (Math.abs(skew) > tolerance) {
    return warn(name, `${detail}: more than the ${tolerance} s tolerance (clockToleranceSeconds); ID tokens live 60 s. Synchronise the clock (NTP).`);
  }
  return ok(name, Math.abs(skew) === 0 ? 'in step with the platform (±1 s)' : `${detail} (within ${tolerance} s)`);
}

function checkSigning(platform: ResolvedPlatform, metadata: Record<string, unknown>): DoctorCheck {
  const name = `${platform.label} signing`;
  const missing = ['id_token_signing_alg_values_supported', 'userinfo_signing_alg_values_supported'].filter(
    (member) => !listOf(metadata[member]).includes(platform.signingAlg),
  );
  if (missing.length > 0) {
    return fail(name, `${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not include ${platform.signingAlg}, the algorithm registered: ${platform.id === 'fcp' ? 'FranceConnect+ signs with ES256' : `check ${PLATFORM_OPTIONS[platform.id]}.signingAlg against the registration`}.`);
  }
  return ok(name, `ID token and userinfo signed with ${platform.signingAlg}`);
}

function checkEncryption(platform: ResolvedPlatform, metadata: Record<string, unknown>): DoctorCheck {
  const name = `${platform.label} encryption`;
  const alg = platform.encryptionAlg ?? '';
  const problems: string[] = [];
  for (const what of ['id_token', 'userinfo']) {
    if (!listOf(metadata[`${what}_encryption_alg_values_supported`]).includes(alg)) {
      problems.push(`${what}_encryption_alg_values_supported does not include ${alg}`);
    }
    if (!listOf(metadata[`${what}_encryption_enc_values_supported`]).includes(CONTENT_ENCRYPTION)) {
      problems.push(`${what}_encryption_enc_values_supported does not include ${CONTENT_ENCRYPTION}`);
    }
  }
  if (problems.length > 0) {
    return fail(name, `${problems.join('; ')}: the platform cannot encrypt as registered (${PLATFORM_OPTIONS[platform.id]}.encryptionAlg); check the algorithm and that this is a FranceConnect+ issuer.`);
  }
  return ok(name, `ID token and userinfo encrypted with ${alg} + ${CONTENT_ENCRYPTION}`);
}

/**
 * The token endpoint offers the configured method and, with `client_secret_post`, accepts the client id
 * and secret: one token request with a made-up code, which the platform refuses as `invalid_grant` once it
 * has authenticated the client, or as `invalid_client` when the id or the secret is wrong (the client is
 * authenticated before the code is looked at). No code exists, so nothing is issued.
 */
async function checkClientAuth(platform: ResolvedPlatform, metadata: Record<string, unknown>, options: DoctorOptions): Promise<DoctorCheck> {
  const name = `${platform.label} client auth`;
  const methods = metadata['token_endpoint_auth_methods_supported'];
  const method = platform.tokenEndpointAuthMethod;
  // Without the member, OpenID Connect Discovery's default is client_secret_basic only.
  if (!listOf(methods).includes(method)) {
    return fail(name, `the token endpoint does not offer ${method} (offers ${listOf(methods).join(', ') || 'client_secret_basic by default'}), the method this service is configured with.`);
  }
  const tokenEndpoint = metadata['token_endpoint'];
  if (method !== 'client_secret_post' || !platform.clientId || !platform.clientSecret || typeof tokenEndpoint !== 'string' || !URL.canParse(tokenEndpoint)) {
    return ok(name, method);
  }
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: randomBytes(32).toString('base64url'),
    redirect_uri: platform.redirectUri,
    client_id: platform.clientId,
    client_secret: platform.clientSecret,
  });
  let answer: { status: number; error?: unknown };
  try {
    const response = await options.io.fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await response.text();
    let error: unknown;
    try {
      error = (JSON.parse(text) as { error?: unknown }).error;
    } catch {
      error = undefined;
    }
    answer = { status: response.status, error };
  } catch (error) {
    return warn(name, `${method}; the client credentials were not tried: ${tokenEndpoint} ${describeNetworkError(error, options.timeoutMs)}.`);
  }
  if (answer.error === 'invalid_grant') return ok(name, `${method}; the client id and secret are accepted (a made-up code was refused as invalid_grant)`);
  if (answer.error === 'invalid_client') {
    return fail(name, `the token endpoint refused the client id or secret (invalid_client): check ${PLATFORM_OPTIONS[platform.id]}.clientId and ${PLATFORM_OPTIONS[platform.id]}.clientSecret against this platform's registration (integration and production differ).`);
  }
  return warn(name, `${method}; the token endpoint answered HTTP ${answer.status}${typeof answer.error === 'string' ? ` ${answer.error.slice(0, 60)}` : ''} to a made-up code, not invalid_grant: the credentials could not be confirmed.`);
}

function checkEndpoints(platform: ResolvedPlatform, metadata: Record<string, unknown>, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} endpoints`;
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const member of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri']) {
    const value = metadata[member];
    if (typeof value !== 'string') problems.push(`${member} is missing`);
    else if (checkUrl(value, options).verdict !== 'ok') problems.push(`${member} ${value} is not https`);
  }
  if (typeof metadata['end_session_endpoint'] !== 'string') warnings.push('end_session_endpoint is missing: logout at the platform is not possible');
  if (typeof metadata['revocation_endpoint'] !== 'string') warnings.push('revocation_endpoint is missing: access tokens cannot be revoked at logout');
  if (problems.length > 0) return fail(name, `${[...problems, ...warnings].join('; ')}.`);
  if (warnings.length > 0) return warn(name, `${warnings.join('; ')}.`);
  return ok(name, 'authorization, token, userinfo, jwks, end session, revocation');
}

function checkAcr(platform: ResolvedPlatform, metadata: Record<string, unknown>): DoctorCheck {
  const name = `${platform.label} acr`;
  const offered = listOf(metadata['acr_values_supported']);
  const missing = PLATFORM_LEVELS[platform.id].filter((level) => !offered.includes(level));
  if (missing.length > 0) {
    return warn(name, `acr_values_supported (${offered.join(', ') || 'absent'}) lacks ${missing.join(', ')}: is this the ${platform.label} issuer?`);
  }
  return ok(name, offered.join(', '));
}

async function checkPlatformJwks(platform: ResolvedPlatform, metadata: Record<string, unknown>, options: DoctorOptions): Promise<DoctorCheck> {
  const name = `${platform.label} signing keys`;
  const uri = metadata['jwks_uri'];
  if (typeof uri !== 'string') return fail(name, 'the discovery document has no jwks_uri: signatures cannot be verified.');
  const fetched = await httpGet(uri, options);
  if ('error' in fetched) return fail(name, `${uri} is unreachable (${fetched.error}).`);
  const keys = jwksKeys(fetched.body);
  if (fetched.response.status !== 200 || keys === undefined) return fail(name, `${uri} did not answer a JWKS (HTTP ${fetched.response.status}).`);
  const [kty, crv] = platform.signingAlg === 'ES256' ? ['EC', 'P-256'] : ['RSA', undefined];
  const usable = keys.filter(
    (key) =>
      key['kty'] === kty &&
      (crv === undefined || key['crv'] === crv) &&
      (key['use'] === undefined || key['use'] === 'sig') &&
      (key['alg'] === undefined || key['alg'] === platform.signingAlg),
  );
  if (usable.length === 0) return fail(name, `${uri} publishes no ${platform.signingAlg} key: ID tokens cannot be verified.`);
  const withoutKid = usable.filter((key) => typeof key['kid'] !== 'string');
  if (withoutKid.length > 0 && usable.length > 1) {
    return warn(name, `${usable.length} ${platform.signingAlg} keys, some without kid: a token cannot name the key that signed it.`);
  }
  return ok(name, `${usable.length} ${platform.signingAlg} key${usable.length > 1 ? 's' : ''} (kid ${usable.map((key) => String(key['kid'])).join(', ')})`);
}

function checkStateAndNonce(): DoctorCheck {
  // The values the library sends: openid-client's generators, 32 random bytes in base64url.
  const lengths = [client.randomState().length, client.randomNonce().length];
  const shortest = Math.min(...lengths);
  if (shortest < MIN_STATE_NONCE_LENGTH) {
    return fail('SP state/nonce', `state and nonce have ${shortest} characters; FranceConnect requires at least ${MIN_STATE_NONCE_LENGTH}.`);
  }
  return ok('SP state/nonce', `${shortest} random characters each (FranceConnect requires at least ${MIN_STATE_NONCE_LENGTH}), single use`);
}

/**
 * The service's private keys, loaded as the module loads them at start-up (a development key set is read,
 * never generated), against what the configured platforms need of them: an encryption key of the
 * algorithm registered with FranceConnect+, a current signing key for `private_key_jwt`.
 */
async function checkKeys(
  resolved: ResolvedFranceConnectOptions,
  keys: KeysOptions,
  options: DoctorOptions,
): Promise<{ check: DoctorCheck; keySet?: KeySet }> {
  const name = 'SP keys';
  const { io } = options;
  const notes: string[] = [];
  const plus = resolved.platforms.fcp;
  const needs = serviceKeyNeeds(resolved)!;
  let where = 'env' in keys ? `environment variable ${keys.env}` : 'jwks' in keys ? 'keys.jwks' : 'keys.source';
  let keySet: KeySet;
  try {
    const given: unknown = 'file' in keys ? keys.file : 'generate' in keys ? keys.generate?.file : undefined;
    if (typeof given === 'string' && given !== '') {
      // A relative path starts from the working directory, as the application resolves it.
      const path = resolve(io.cwd, given);
      where = path;
      const mode = await stat(path).then((found) => found.mode, (error: { code?: string }) => (error.code === 'ENOENT' ? undefined : Number.NaN));
      if (mode === undefined) {
        const how = `franceconnect keys generate --alg ${plus?.encryptionAlg ?? `${needs.signers[0]?.alg ?? 'ES256'} --use sig`} --file ${path}`;
        if ('generate' in keys) {
          return { check: warn(name, `keys.generate: ${path} does not exist yet; the application generates a development key set there at its first start, or create it with ${how}.`) };
        }
        return { check: fail(name, `keys.file ${path} does not exist: create it with ${how}.`) };
      }
      if (!Number.isNaN(mode) && isReadableByOthers(mode)) {
        notes.push(`mode ${(mode & 0o777).toString(8).padStart(4, '0')} lets other users read private keys: chmod 600 ${path}`);
      }
      if ('generate' in keys) notes.push('keys.generate is for development only: in production, give keys: { file } (or env, source) with a key set generated once');
    }
    // Loaded as the application loads them at start-up (an existing development file is only read),
    // with the same check of what the platforms need.
    keySet = await loadServiceKeySet({ ...needs, source: relativeTo(io.cwd, keys) }, { generate: true, env: io.env, now: io.now });
  } catch (error) {
    // Each problem names the file or the variable, never key material.
    if (error instanceof KeyConfigurationError) return { check: fail(name, error.problems.join('; ')) };
    return { check: fail(name, error instanceof Error ? error.message.replace(/\n\s*/g, ' ') : String(error)) };
  }

  const described = keySet.describeKeys();
  const expired = described.filter((key) => key.state === 'retired' && !key.decrypts && key.use === 'enc');
  if (expired.length > 0) notes.push(`${expired.length} retired key${expired.length > 1 ? 's are' : ' is'} past the grace period: franceconnect keys prune`);
  const uses: string[] = [];
  const first = plus?.encryptionAlg === undefined ? undefined : keySet.firstEncryptionKey(plus.encryptionAlg);
  if (first !== undefined) {
    uses.push(`FranceConnect+ encrypts to ${JSON.stringify(first.kid)} (${first.alg}, ${described.find((key) => key.kid === first.kid)?.state})`);
  }
  for (const platform of PLATFORM_IDS.map((id) => resolved.platforms[id])) {
    const signing = platform?.tokenEndpointSigningAlg === undefined ? undefined : keySet.currentSigningKey(platform.tokenEndpointSigningAlg);
    if (signing !== undefined) uses.push(`${platform?.label} client assertions signed with ${JSON.stringify(signing.kid)} (${signing.alg})`);
  }
  const summary = `${where}: ${described.length} key${described.length > 1 ? 's' : ''}${uses.length > 0 ? `; ${uses.join('; ')}` : ''}`;
  return { check: notes.length > 0 ? warn(name, `${summary}; ${notes.join('; ')}.`) : ok(name, summary), keySet };
}

/** A file source with its path resolved from the working directory, as the application resolves it. */
function relativeTo(cwd: string, keys: KeysOptions): KeysOptions {
  if ('file' in keys && typeof keys.file === 'string' && keys.file !== '') return { file: resolve(cwd, keys.file) };
  if ('generate' in keys && typeof keys.generate?.file === 'string' && keys.generate.file !== '') return { generate: { file: resolve(cwd, keys.generate.file) } };
  return keys;
}

/**
 * The JWKS the running service publishes, fetched where FranceConnect+ fetches it: public members only,
 * the registered algorithm's first key for encryption, and that key the one the service's keys decrypt
 * with (a running instance that has not loaded the key file yet publishes another).
 */
async function checkPublishedJwks(resolved: ResolvedFranceConnectOptions, plus: ResolvedPlatform, keySet: KeySet | undefined, options: DoctorOptions): Promise<DoctorCheck> {
  const name = 'SP published JWKS';
  const url = publishedJwksUrl(resolved, plus);
  const shape = checkUrl(url, options);
  if (shape.verdict !== 'ok') return fail(name, `${url}: ${shape.detail}; FranceConnect+ fetches it from the internet.`);
  const fetched = await httpGet(url, options);
  if ('error' in fetched) return fail(name, `${url} is unreachable (${fetched.error}): FranceConnect+ must be able to fetch it anonymously.`);
  const keys = jwksKeys(fetched.body);
  if (fetched.response.status !== 200 || keys === undefined) return fail(name, `${url} did not answer a JWKS (HTTP ${fetched.response.status}).`);

  const leaking = keys.filter((key) => PRIVATE_JWK_MEMBERS.some((member) => member in key));
  if (leaking.length > 0) {
    return fail(name, `${url} publishes PRIVATE key material (kid ${leaking.map((key) => JSON.stringify(key['kid'])).join(', ')}): stop serving it, and replace those keys, they are compromised.`);
  }
  const kids = keys.map((key) => key['kid']);
  if (kids.some((kid) => typeof kid !== 'string' || kid === '')) return fail(name, `${url} has a key without kid: FranceConnect+ names the key it encrypts to by kid.`);
  if (new Set(kids).size !== kids.length) return fail(name, `${url} has two keys with one kid.`);

  const alg = plus.encryptionAlg;
  const first = keys.find((key) => key['alg'] === alg);
  if (first === undefined) {
    return fail(name, `${url} has no ${alg} key: FranceConnect+ encrypts to the first key of the registered algorithm (${keys.map((key) => String(key['alg'])).join(', ') || 'no key'} published).`);
  }
  if (first['use'] !== 'enc') {
    return fail(name, `the first ${alg} key (kid ${JSON.stringify(first['kid'])}) has use ${JSON.stringify(first['use'])}: FranceConnect+ needs use "enc".`);
  }
  const notes: string[] = [];
  if (keySet !== undefined) {
    const expected = alg === undefined ? undefined : keySet.firstEncryptionKey(alg);
    const local = keySet.publicJwks().keys.find((key) => key.kid === expected?.kid);
    if (expected === undefined || local === undefined || first['kid'] !== expected.kid) {
      const known = keySet.describeKeys().find((key) => key.kid === first['kid']);
      return fail(
        name,
        `FranceConnect+ will encrypt to kid ${JSON.stringify(first['kid'])}, but the first ${alg} key of the service's keys is ${JSON.stringify(expected?.kid)}${known ? ` (they hold ${JSON.stringify(first['kid'])} as ${known.state})` : ` and they do not hold ${JSON.stringify(first['kid'])}`}: make the application load its keys again (KeyService.reload() or a restart).`,
      );
    }
    if (PUBLIC_JWK_MEMBERS.some((member) => (local as Record<string, unknown>)[member] !== first[member])) {
      return fail(name, `the published key ${JSON.stringify(first['kid'])} is not the service's key of that kid: answers would not decrypt.`);
    }
    notes.push('matches the service\'s keys');
  }
  const maxAge = /max-age=(\d+)/i.exec(fetched.response.headers.get('cache-control') ?? '')?.[1];
  if (maxAge !== undefined && Number(maxAge) > MAX_JWKS_MAX_AGE_SECONDS) {
    return warn(name, `Cache-Control max-age=${maxAge}: a rotation takes that long to reach FranceConnect+; keep it at ${MAX_JWKS_MAX_AGE_SECONDS} s or less (the library serves 300).`);
  }
  const cache = maxAge === undefined ? 'no max-age' : `max-age=${maxAge}`;
  return ok(name, `${url}: FranceConnect+ encrypts to kid ${JSON.stringify(first['kid'])} (${alg}, first of ${keys.length} key${keys.length > 1 ? 's' : ''}), ${[...notes, cache].join(', ')}`);
}

/** A GET answered, with when it was sent and received (epoch ms, from the io clock). */
interface Fetched {
  readonly response: Response;
  readonly body: string;
  readonly sentAt: number;
  readonly receivedAt: number;
}

async function httpGet(url: string, options: DoctorOptions): Promise<Fetched | { error: string }> {
  const { io, timeoutMs } = options;
  const sentAt = io.now();
  try {
    const response = await io.fetch(url, {
      headers: { accept: 'application/json, application/jwk-set+json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const receivedAt = io.now();
    const body = await response.text();
    return { response, body, sentAt, receivedAt };
  } catch (error) {
    return { error: describeNetworkError(error, timeoutMs) };
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

function jwksKeys(body: string): Record<string, unknown>[] | undefined {
  try {
    const parsed = JSON.parse(body) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) return undefined;
    return parsed.keys.filter((key): key is Record<string, unknown> => typeof key === 'object' && key !== null && !Array.isArray(key));
  } catch {
    return undefined;
  }
}

/** Whether a URL is acceptable: https, or http://localhost with --dev. */
function checkUrl(text: string, options: DoctorOptions): { verdict: Verdict; detail: string; note: string } {
  if (!URL.canParse(text)) return { verdict: 'FAIL', detail: 'not an absolute URL', note: '' };
  const url = new URL(text);
  if (url.protocol === 'https:') return { verdict: 'ok', detail: '', note: '' };
  if (url.protocol !== 'http:') return { verdict: 'FAIL', detail: `${url.protocol} is not https`, note: '' };
  if (!isLocalhost(url.hostname)) return { verdict: 'FAIL', detail: 'http:// is refused: use https', note: '' };
  if (!options.dev) return { verdict: 'FAIL', detail: 'http://localhost is only for development: use https, or pass --dev', note: '' };
  return { verdict: 'ok', detail: '', note: ' (http://localhost allowed by --dev)' };
}

function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]';
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function ok(name: string, detail: string): DoctorCheck {
  return { name, verdict: 'ok', detail };
}

function warn(name: string, detail: string): DoctorCheck {
  return { name, verdict: 'warn', detail };
}

function fail(name: string, detail: string): DoctorCheck {
  return { name, verdict: 'FAIL', detail };
}
