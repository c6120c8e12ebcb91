import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { CONTENT_ENCRYPTION, PLATFORM_LABELS, PLATFORM_LEVELS } from '../../platforms.js';
import { FranceConnectConfigurationError } from '../../errors/franceconnect.errors.js';
import type { KeySet } from '../../keys/key-set.js';
import { ENCRYPTION_ALGS, SIGNING_ALGS, isEncryptionAlg } from '../../keys/keys.constants.js';
import { PUBLIC_JWK_MEMBERS } from '../../keys/keys.internal-constants.js';
import type { CliIo } from '../cli-io.js';
import { isReadableByOthers, keySetOf, readKeyFile } from '../key-file.js';
import { FRANCECONNECT_AUTHORIZE_PARAMETERS, FranceConnectStrategy } from '../../oidc/franceconnect.strategy.js';
import { resolveFranceConnectOptions, type ResolvedPlatform } from '../../options/resolve-options.js';
import type { DoctorConfig, DoctorPlatform } from './doctor-config.js';

/** The verdict of one check. `warn` does not fail the run. */
export type Verdict = 'ok' | 'warn' | 'FAIL';

/** One line of the report. */
export interface DoctorCheck {
  /** Stable name, prefixed with the platform (`FC+ discovery`) or `SP` for the service's own setup. */
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

/** Clock skew, in seconds, from which a warning is given: the library's default clock tolerance. */
export const CLOCK_SKEW_WARN_SECONDS = 5;
/**
 * Clock skew, in seconds, from which the check fails: an ID token lives 60 s, so with this much skew
 * (and the 5 s tolerance) tokens look expired the moment they arrive.
 */
export const CLOCK_SKEW_FAIL_SECONDS = 55;
/** Minimum length of `state` and `nonce` in FranceConnect's documentation. */
export const MIN_STATE_NONCE_LENGTH = 32;
/** Content encryption FranceConnect+ uses, the only one the library accepts. */
/** Levels each platform must offer. */
/** JWKS cache lifetime above which a rotation takes too long to reach the platform. */
const MAX_JWKS_MAX_AGE_SECONDS = 3600;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/**
 * Runs every check of a configuration, in a fixed order: for each platform its settings, issuer,
 * redirect URIs, discovery and what it advertises, its signing keys; then `state`/`nonce`, the session
 * secret, the private key file and the service's published JWKS. Checks that need an answer the
 * platform did not give (no discovery) are left out: the failure that prevents them is reported.
 */
export async function runDoctorChecks(config: DoctorConfig, options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  if (config.platforms.length === 0) {
    checks.push(
      fail(
        'config',
        `no platform is configured in ${config.source}: set FCP_ISSUER, FCP_CLIENT_ID, FCP_CLIENT_SECRET (FranceConnect+) and/or FC_ISSUER, FC_CLIENT_ID, FC_CLIENT_SECRET (FranceConnect), or give --config.`,
      ),
    );
  }
  for (const platform of config.platforms) checks.push(...(await checkPlatform(platform, options)));
  checks.push(checkStateAndNonce());
  if (config.sessionSecret) checks.push(checkSessionSecret(config.sessionSecret.value));
  const plus = config.platforms.find((platform) => platform.id === 'fcp');
  if (plus) {
    const { check, keySet } = await checkKeyFile(config, plus, options);
    checks.push(check);
    checks.push(await checkPublishedJwks(config, plus, keySet, options));
  }
  return checks;
}

async function checkPlatform(platform: DoctorPlatform, options: DoctorOptions): Promise<DoctorCheck[]> {
  const checks = [checkSettings(platform, options), checkIssuer(platform, options), checkRedirectUris(platform, options)];
  if (platform.issuer === undefined || !URL.canParse(platform.issuer)) return checks;

  const discoveryUrl = `${platform.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const fetched = await httpGet(discoveryUrl, options);
  const name = `${platform.label} discovery`;
  if ('error' in fetched) {
    checks.push(fail(name, `${discoveryUrl} is unreachable (${fetched.error}): check ${platform.names.issuer} and the network path to the platform.`));
    return checks;
  }
  if (fetched.response.status !== 200) {
    checks.push(fail(name, `${discoveryUrl} answered HTTP ${fetched.response.status}: check ${platform.names.issuer} (it ends with /api/v2).`));
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
        `the platform names its issuer ${JSON.stringify(metadata['issuer'])}, not ${JSON.stringify(platform.issuer)}: set ${platform.names.issuer} to exactly that value (ID tokens are checked against it).`,
      ),
    );
    return checks;
  }
  checks.push(ok(name, `${discoveryUrl} answered, issuer matches`));
  checks.push(checkClock(platform, fetched));
  checks.push(checkSigning(platform, metadata));
  if (platform.id === 'fcp') checks.push(checkEncryption(platform, metadata));
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
async function checkAuthorizationRequest(platform: DoctorPlatform, metadata: Record<string, unknown>, options: DoctorOptions): Promise<DoctorCheck | undefined> {
  const name = `${platform.label} authorization request`;
  const resolved = resolvedPlatform(platform, options);
  if (resolved === undefined || typeof metadata['authorization_endpoint'] !== 'string') return undefined;
  const configuration = new client.Configuration(metadata as client.ServerMetadata, resolved.clientId);
  if (options.dev) client.allowInsecureRequests(configuration);
  const { url } = new FranceConnectStrategy(configuration, resolved, () => undefined).buildAuthorizationRequest();
  const outside = [...url.searchParams.keys()].filter((parameter) => !FRANCECONNECT_AUTHORIZE_PARAMETERS.includes(parameter));
  if (outside.length > 0) {
    return fail(name, `sends ${outside.join(', ')}, which FranceConnect refuses (error page Y030007): turn pkce off for FranceConnect.`);
  }
  const fetched = await httpGet(url.href, options);
  if ('error' in fetched) return warn(name, `not tried: ${url.origin}${url.pathname} is unreachable (${fetched.error}).`);
  const { status } = fetched.response;
  const location = fetched.response.headers.get('location');
  const target = location === null ? undefined : new URL(location, url);
  const backToService = target !== undefined && resolved.redirectUri === `${target.origin}${target.pathname}`;
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

/** The library's own resolution of these settings, or `undefined` when they are not complete enough. */
function resolvedPlatform(platform: DoctorPlatform, options: DoctorOptions): ResolvedPlatform | undefined {
  const raw = {
    issuer: platform.issuer ?? '',
    clientId: platform.clientId ?? '',
    clientSecret: platform.clientSecret,
    tokenEndpointAuthMethod: platform.tokenEndpointAuthMethod as 'client_secret_post',
    redirectUri: platform.redirectUri ?? '',
    requestAmr: platform.requestAmr,
    pkce: platform.pkce,
  };
  try {
    const resolved = resolveFranceConnectOptions(
      platform.id === 'fcp' ? { franceConnectPlus: raw, allowInsecureHttp: options.dev, production: false } : { franceConnect: raw, allowInsecureHttp: options.dev, production: false },
      {},
    );
    return resolved.platforms[platform.id];
  } catch (error) {
    // The settings check reports what is wrong.
    if (error instanceof FranceConnectConfigurationError) return undefined;
    throw error;
  }
}

function checkSettings(platform: DoctorPlatform, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} settings`;
  const problems: string[] = [];
  const warnings: string[] = [];
  const { names } = platform;
  if (platform.issuer === undefined) problems.push(`${names.issuer} is not set`);
  if (platform.clientId === undefined) problems.push(`${names.clientId} is not set (the client id given at registration)`);
  if (platform.tokenEndpointAuthMethod === 'private_key_jwt') {
    // No secret is sent: the token endpoint gets an assertion signed with the key file's current sig key.
  } else if (platform.clientSecret === undefined) {
    problems.push(`${names.clientSecret} is not set (the client secret given at registration)`);
  } else if (/not-for-production/.test(platform.clientSecret) && !options.dev) {
    problems.push(`${names.clientSecret} is the emulator's demo secret: use the secret of your registration (or pass --dev against the emulator)`);
  } else if (platform.clientSecret.length < 32) {
    warnings.push(`${names.clientSecret} has ${platform.clientSecret.length} characters: FranceConnect's secrets are longer, check it was copied whole`);
  }
  if (platform.id === 'fcp') {
    if (platform.encryptionAlg === undefined || !isEncryptionAlg(platform.encryptionAlg)) {
      problems.push(`${names.encryptionAlg} ${JSON.stringify(platform.encryptionAlg)} is not one of ${ENCRYPTION_ALGS.join(', ')}`);
    }
    if (platform.signingAlg !== 'ES256') problems.push(`FranceConnect+ signs with ES256 only, not ${platform.signingAlg}`);
  } else if (!(SIGNING_ALGS as readonly string[]).includes(platform.signingAlg)) {
    problems.push(`${names.signingAlg} ${JSON.stringify(platform.signingAlg)} is not one of ${SIGNING_ALGS.join(', ')}`);
  }
  if (problems.length > 0) return fail(name, `${[...problems, ...warnings].join('; ')}.`);
  if (warnings.length > 0) return warn(name, `${warnings.join('; ')}.`);
  const algs = platform.id === 'fcp' ? `signing ES256, encryption ${platform.encryptionAlg} + ${CONTENT_ENCRYPTION}` : `signing ${platform.signingAlg}`;
  return ok(name, `client ${platform.clientId}, secret set, ${algs}`);
}

function checkIssuer(platform: DoctorPlatform, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} issuer`;
  const { issuer } = platform;
  if (issuer === undefined) return fail(name, `${platform.names.issuer} is not set.`);
  const url = checkUrl(issuer, options);
  if (url.verdict !== 'ok') return { name, verdict: url.verdict, detail: `${platform.names.issuer}: ${url.detail}.` };
  if (issuer.endsWith('/')) return fail(name, `${issuer} ends with "/": FranceConnect's issuers do not; remove it, ID tokens are checked against the exact string.`);
  if (!new URL(issuer).pathname.endsWith('/api/v2')) {
    return warn(name, `${issuer} does not end with /api/v2, the path of FranceConnect's issuers: check it.`);
  }
  return ok(name, `${issuer}${url.note}`);
}

function checkRedirectUris(platform: DoctorPlatform, options: DoctorOptions): DoctorCheck {
  const name = `${platform.label} redirect URIs`;
  const problems: string[] = [];
  const notes: string[] = [];
  const entries: [string, string | undefined][] = [
    [platform.names.redirectUri, platform.redirectUri],
    [platform.names.postLogoutRedirectUri, platform.postLogoutRedirectUri],
  ];
  for (const [label, uri] of entries) {
    if (uri === undefined) {
      problems.push(`${label} is not set (set APP_URL or the URI itself)`);
      continue;
    }
    const url = checkUrl(uri, options);
    if (url.verdict !== 'ok') problems.push(`${uri}: ${url.detail}`);
    else if (new URL(uri).hash !== '') problems.push(`${uri} has a fragment: redirect URIs must not`);
    else notes.push(uri);
  }
  if (problems.length > 0) return fail(name, `${problems.join('; ')}.`);
  return ok(name, `${notes.join(', ')} (register them exactly)`);
}

function checkClock(platform: DoctorPlatform, fetched: Fetched): DoctorCheck {
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
  if (Math.abs(skew) > CLOCK_SKEW_WARN_SECONDS) {
    return warn(name, `${detail}: more than the ${CLOCK_SKEW_WARN_SECONDS} s tolerance; ID tokens live 60 s. Synchronise the clock (NTP).`);
  }
  return ok(name, Math.abs(skew) === 0 ? 'in step with the platform (±1 s)' : `${detail} (within ${CLOCK_SKEW_WARN_SECONDS} s)`);
}

function checkSigning(platform: DoctorPlatform, metadata: Record<string, unknown>): DoctorCheck {
  const name = `${platform.label} signing`;
  const missing = ['id_token_signing_alg_values_supported', 'userinfo_signing_alg_values_supported'].filter(
    (member) => !listOf(metadata[member]).includes(platform.signingAlg),
  );
  if (missing.length > 0) {
    return fail(name, `${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not include ${platform.signingAlg}, the algorithm registered: ${platform.id === 'fcp' ? 'FranceConnect+ signs with ES256' : `check ${platform.names.signingAlg} against the registration`}.`);
  }
  return ok(name, `ID token and userinfo signed with ${platform.signingAlg}`);
}

function checkEncryption(platform: DoctorPlatform, metadata: Record<string, unknown>): DoctorCheck {
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
    return fail(name, `${problems.join('; ')}: the platform cannot encrypt as registered (${platform.names.encryptionAlg}); check the algorithm and that this is a FranceConnect+ issuer.`);
  }
  return ok(name, `ID token and userinfo encrypted with ${alg} + ${CONTENT_ENCRYPTION}`);
}

/**
 * The token endpoint offers the configured method and, with `client_secret_post`, accepts the client id
 * and secret: one token request with a made-up code, which the platform refuses as `invalid_grant` once it
 * has authenticated the client, or as `invalid_client` when the id or the secret is wrong (the client is
 * authenticated before the code is looked at). No code exists, so nothing is issued.
 */
async function checkClientAuth(platform: DoctorPlatform, metadata: Record<string, unknown>, options: DoctorOptions): Promise<DoctorCheck> {
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
    redirect_uri: platform.redirectUri ?? '',
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
    return fail(name, `the token endpoint refused the client id or secret (invalid_client): check ${platform.names.clientId} and ${platform.names.clientSecret} against this platform's registration (integration and production differ).`);
  }
  return warn(name, `${method}; the token endpoint answered HTTP ${answer.status}${typeof answer.error === 'string' ? ` ${answer.error.slice(0, 60)}` : ''} to a made-up code, not invalid_grant: the credentials could not be confirmed.`);
}

function checkEndpoints(platform: DoctorPlatform, metadata: Record<string, unknown>, options: DoctorOptions): DoctorCheck {
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

function checkAcr(platform: DoctorPlatform, metadata: Record<string, unknown>): DoctorCheck {
  const name = `${platform.label} acr`;
  const offered = listOf(metadata['acr_values_supported']);
  const missing = PLATFORM_LEVELS[platform.id].filter((level) => !offered.includes(level));
  if (missing.length > 0) {
    return warn(name, `acr_values_supported (${offered.join(', ') || 'absent'}) lacks ${missing.join(', ')}: is this the ${PLATFORM_LABELS[platform.id]} issuer?`);
  }
  return ok(name, offered.join(', '));
}

async function checkPlatformJwks(platform: DoctorPlatform, metadata: Record<string, unknown>, options: DoctorOptions): Promise<DoctorCheck> {
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

function checkSessionSecret(value: string | undefined): DoctorCheck {
  const name = 'SP session secret';
  if (value === undefined) {
    return warn(name, 'SESSION_SECRET is not set: the sample app picks a random one at each start, so sessions are lost on restart and cannot be shared between instances.');
  }
  const secrets = value.split(',').map((secret) => secret.trim()).filter(Boolean);
  const short = secrets.filter((secret) => secret.length < 32).length;
  if (secrets.length === 0 || short > 0) return fail(name, 'SESSION_SECRET: each secret (comma-separated) must have at least 32 characters.');
  return ok(name, `${secrets.length} secret${secrets.length > 1 ? 's' : ''} of 32 characters or more`);
}

async function checkKeyFile(
  config: DoctorConfig,
  plus: DoctorPlatform,
  options: DoctorOptions,
): Promise<{ check: DoctorCheck; keySet?: KeySet }> {
  const name = 'SP key file';
  if (config.keysFile === undefined) {
    return {
      check: warn(name, `${config.names.keysFile} is not set: the published JWKS cannot be compared with the private keys that decrypt.`),
    };
  }
  let keySet: KeySet;
  const notes: string[] = [];
  try {
    const file = await readKeyFile(config.keysFile);
    if (!file.exists) return { check: fail(name, `${config.keysFile} does not exist: create it with franceconnect keys generate --alg ${plus.encryptionAlg}.`) };
    keySet = await keySetOf(file, { now: options.io.now });
    if (file.mode !== undefined && isReadableByOthers(file.mode)) {
      notes.push(`mode ${file.mode.toString(8).padStart(4, '0')} lets other users read private keys: chmod 600 ${config.keysFile}`);
    }
  } catch (error) {
    return { check: fail(name, error instanceof Error ? error.message.replace(/\n\s*/g, ' ') : String(error)) };
  }
  const alg = plus.encryptionAlg;
  const first = alg !== undefined && isEncryptionAlg(alg) ? keySet.firstEncryptionKey(alg) : undefined;
  if (first === undefined) {
    return { check: fail(name, `${config.keysFile} publishes no ${alg} key, the algorithm registered: add one with franceconnect keys generate --alg ${alg}.`), keySet };
  }
  const described = keySet.describeKeys();
  const expired = described.filter((key) => key.state === 'retired' && !key.decrypts && key.use === 'enc');
  if (expired.length > 0) notes.push(`${expired.length} retired key${expired.length > 1 ? 's are' : ' is'} past the grace period: franceconnect keys prune`);
  const state = described.find((key) => key.kid === first.kid)?.state;
  const summary = `${described.length} key${described.length > 1 ? 's' : ''}; FranceConnect+ encrypts to ${JSON.stringify(first.kid)} (${alg}, ${state})`;
  return { check: notes.length > 0 ? warn(name, `${summary}; ${notes.join('; ')}.`) : ok(name, summary), keySet };
}

async function checkPublishedJwks(config: DoctorConfig, plus: DoctorPlatform, keySet: KeySet | undefined, options: DoctorOptions): Promise<DoctorCheck> {
  const name = 'SP published JWKS';
  const url = config.jwksUrl;
  if (url === undefined) return fail(name, `${config.names.jwksUrl} is not set: FranceConnect+ fetches the public keys it encrypts to from the JWKS URL registered.`);
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

  const alg = plus.encryptionAlg ?? '';
  const first = keys.find((key) => key['alg'] === alg);
  if (first === undefined) {
    return fail(name, `${url} has no ${alg} key: FranceConnect+ encrypts to the first key of the registered algorithm (${keys.map((key) => String(key['alg'])).join(', ') || 'no key'} published).`);
  }
  if (first['use'] !== 'enc') {
    return fail(name, `the first ${alg} key (kid ${JSON.stringify(first['kid'])}) has use ${JSON.stringify(first['use'])}: FranceConnect+ needs use "enc".`);
  }
  const notes: string[] = [];
  if (keySet !== undefined) {
    const expected = isEncryptionAlg(alg) ? keySet.firstEncryptionKey(alg) : undefined;
    const local = keySet.publicJwks().keys.find((key) => key.kid === expected?.kid);
    if (expected === undefined || local === undefined || first['kid'] !== expected.kid) {
      const known = keySet.describeKeys().find((key) => key.kid === first['kid']);
      return fail(
        name,
        `FranceConnect+ will encrypt to kid ${JSON.stringify(first['kid'])}, but the key file's current ${alg} key is ${JSON.stringify(expected?.kid)}${known ? ` (the file has ${JSON.stringify(first['kid'])} as ${known.state})` : ` and the file does not hold ${JSON.stringify(first['kid'])}`}: make the application use the key file (reload or restart).`,
      );
    }
    if (PUBLIC_JWK_MEMBERS.some((member) => (local as Record<string, unknown>)[member] !== first[member])) {
      return fail(name, `the published key ${JSON.stringify(first['kid'])} is not the key of that kid in ${config.keysFile}: answers would not decrypt.`);
    }
    notes.push('matches the key file');
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
