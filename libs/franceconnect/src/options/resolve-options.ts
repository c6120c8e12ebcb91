import { EIDAS_LEVELS, PLATFORM_LEVELS, type EidasLevel } from '../acr/eidas.js';
import { errorPageTemplateProblem, type ErrorPageTemplate } from '../errors/error-page.js';
import { FranceConnectConfigurationError } from '../errors/franceconnect.errors.js';
import { ENCRYPTION_ALGS, PLATFORM_LABELS, PLATFORM_OPTIONS, PLATFORM_STRATEGY_NAMES, SIGNING_ALGS, type EncryptionAlg, type PlatformId } from '../platforms.js';
import { isEncryptionAlg } from '../keys/keys.constants.js';
import { KEY_SOURCE_KINDS } from '../keys/key-source.js';
import { isSameOriginPath } from '../return-path.js';
import type { ServiceKeyNeeds } from '../keys/key-set-requirements.js';
import { IdentityConfigurationError } from '../identity/identity.errors.js';
import { resolveIdentityLinkOptions } from '../identity/identity-link.options.js';
import type { ResolvedSignInRateLimit, SignInRateLimitOptions } from '../transactions/sign-in-rate-limit.js';
import type { TransactionStore } from '../transactions/transaction-store.interface.js';
import type {
  FranceConnectModuleOptions,
  IdentityLinkingOptions,
  KeysOptions,
  PlatformOptions,
  PlusPlatformOptions,
  SigningAlg,
  TokenEndpointAuthMethod,
} from './franceconnect-options.interface.js';

/** Pivot identity plus the two other claims FranceConnect offers every service. */
export const DEFAULT_SCOPES: readonly string[] = Object.freeze([
  'openid',
  'given_name',
  'family_name',
  'birthdate',
  'gender',
  'birthplace',
  'birthcountry',
  'email',
  'preferred_username',
]);

/** Token endpoint authentication methods the platforms accept (`client_secret_basic` is not enabled there). */
export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = Object.freeze(['client_secret_post', 'private_key_jwt']);

/** Algorithms a `private_key_jwt` client assertion may be signed with. */

/** Development key file used when no keys are configured outside production. */
export const DEFAULT_DEV_KEYS_FILE = '.data/sp-keys.json';

/** One platform's registration, validated and completed with defaults. */
export interface ResolvedPlatform {
  readonly id: PlatformId;
  /** Name of the Passport strategy: `franceconnect` or `franceconnect-plus`. */
  readonly strategyName: string;
  /** Human name used in messages and pages. */
  readonly label: string;
  readonly issuer: string;
  readonly clientId: string;
  /** Set with `client_secret_post` only: with `private_key_jwt` the secret is never sent. */
  readonly clientSecret?: string;
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Set with `private_key_jwt` only: the alg of the service's signing key that signs client assertions. */
  readonly tokenEndpointSigningAlg?: SigningAlg;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri?: string;
  readonly scope: string;
  readonly acrValues: EidasLevel;
  readonly signingAlg: SigningAlg;
  /** Whether the `amr` claim is asked for (`claims` parameter). */
  readonly requestAmr: boolean;
  /** Whether PKCE is sent. */
  readonly pkce: boolean;
  /** Set on FranceConnect+ only: answers must be encrypted with this key-management algorithm. */
  readonly encryptionAlg?: EncryptionAlg;
}

/** The module options once validated, completed with defaults and frozen. Injected as `FRANCECONNECT_OPTIONS`. */
export interface ResolvedFranceConnectOptions {
  readonly platforms: Readonly<Partial<Record<PlatformId, ResolvedPlatform>>>;
  readonly keys?: KeysOptions;
  readonly retiredKeyGraceSeconds: number;
  readonly jwksPath: string;
  readonly allowInsecureHttp: boolean;
  readonly production: boolean;
  readonly httpTimeoutMs: number;
  readonly clockToleranceSeconds: number;
  readonly transactionTtlSeconds: number;
  readonly defaultReturnTo: string;
  readonly discoveryRetryMs: number;
  readonly logoutStateRequired: boolean;
  readonly afterLogoutPath: string;
  readonly transactionStore?: TransactionStore;
  /** `false` when turned off. */
  readonly signInRateLimit: ResolvedSignInRateLimit | false;
  readonly maxAnswerBytes: number;
  readonly identityLinking?: IdentityLinkingOptions;
  /** The application's error page template, when it gives one. */
  readonly renderErrorPage?: ErrorPageTemplate;
}


/**
 * Validates the raw module options once, at start-up, and returns them completed and frozen.
 *
 * @throws {FranceConnectConfigurationError} listing every problem found, each with how to fix it.
 */
export function resolveFranceConnectOptions(
  raw: FranceConnectModuleOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedFranceConnectOptions {
  const problems: string[] = [];
  const options: FranceConnectModuleOptions = raw ?? {};
  const production = options.production ?? env.NODE_ENV === 'production';
  const allowInsecureHttp = options.allowInsecureHttp === true;
  if (allowInsecureHttp && production) {
    problems.push('allowInsecureHttp is set in production: remove it, FranceConnect is only reached over https.');
  }

  const platforms: Partial<Record<PlatformId, ResolvedPlatform>> = {};
  if (options.franceConnect !== undefined) {
    platforms.fc = resolvePlatform('fc', options.franceConnect, allowInsecureHttp, problems);
  }
  if (options.franceConnectPlus !== undefined) {
    platforms.fcp = resolvePlatform('fcp', options.franceConnectPlus, allowInsecureHttp, problems);
  }
  if (!platforms.fc && !platforms.fcp) {
    problems.push('No platform configured: set franceConnectPlus and/or franceConnect with the registration FranceConnect gave you.');
  }
  if (platforms.fc && platforms.fcp) {
    // Each platform needs its own callback and issuer so that an answer of one can never be taken for
    // an answer of the other (mix-up attack, RFC 9700 §4.4).
    if (platforms.fc.redirectUri === platforms.fcp.redirectUri) {
      problems.push('franceConnect.redirectUri and franceConnectPlus.redirectUri are the same URL: give each platform its own callback.');
    }
    if (platforms.fc.issuer === platforms.fcp.issuer) {
      problems.push('franceConnect.issuer and franceConnectPlus.issuer are the same: they are two different platforms.');
    }
  }

  // FranceConnect+ needs keys to decrypt its answers, private_key_jwt to sign client assertions.
  const signsClientAssertions = Object.values(platforms).some((platform) => platform?.tokenEndpointAuthMethod === 'private_key_jwt');
  const keys = resolveKeys(options.keys, production, Boolean(options.franceConnectPlus) || signsClientAssertions, problems);
  const jwksPath = options.jwksPath ?? '/.well-known/jwks.json';
  if (!/^\/[\w\-./]*$/.test(jwksPath)) {
    problems.push(`jwksPath "${jwksPath}" must be an absolute path such as "/.well-known/jwks.json".`);
  }
  const defaultReturnTo = options.defaultReturnTo ?? '/';
  if (!isSameOriginPath(defaultReturnTo)) {
    problems.push(`defaultReturnTo "${defaultReturnTo}" must be a path on this site starting with a single "/".`);
  }

  const afterLogoutPath = options.afterLogoutPath ?? '/';
  if (!isSameOriginPath(afterLogoutPath)) {
    problems.push(`afterLogoutPath "${afterLogoutPath}" must be a path on this site starting with a single "/".`);
  }

  const resolved: ResolvedFranceConnectOptions = {
    platforms,
    keys,
    retiredKeyGraceSeconds: positiveNumber('retiredKeyGraceSeconds', options.retiredKeyGraceSeconds, 86_400, problems, true),
    jwksPath,
    allowInsecureHttp,
    production,
    httpTimeoutMs: positiveNumber('httpTimeoutMs', options.httpTimeoutMs, 5000, problems),
    clockToleranceSeconds: positiveNumber('clockToleranceSeconds', options.clockToleranceSeconds, 5, problems, true),
    transactionTtlSeconds: positiveNumber('transactionTtlSeconds', options.transactionTtlSeconds, 600, problems),
    defaultReturnTo,
    discoveryRetryMs: positiveNumber('discoveryRetryMs', options.discoveryRetryMs, 1000, problems, true),
    logoutStateRequired: options.logoutStateRequired !== false,
    afterLogoutPath,
    transactionStore: options.transactionStore,
    signInRateLimit: resolveSignInRateLimit(options.signInRateLimit, problems),
    maxAnswerBytes: positiveNumber('maxAnswerBytes', options.maxAnswerBytes, 262_144, problems),
    identityLinking: checkIdentityLinking(options.identityLinking, problems),
    renderErrorPage: checkErrorPageTemplate(options.renderErrorPage, problems),
  };
  if (options.transactionStore !== undefined && (typeof options.transactionStore?.put !== 'function' || typeof options.transactionStore?.take !== 'function')) {
    problems.push('transactionStore must implement put() and take(): use new RedisTransactionStore(client) or your own TransactionStore.');
  }
  if (problems.length > 0) {
    throw new FranceConnectConfigurationError(problems);
  }
  return deepFreeze(resolved);
}

function resolvePlatform(
  id: PlatformId,
  raw: PlatformOptions | PlusPlatformOptions,
  allowInsecureHttp: boolean,
  problems: string[],
): ResolvedPlatform {
  const at = PLATFORM_OPTIONS[id];
  if (typeof raw !== 'object' || raw === null) {
    problems.push(`${at} must be an object with issuer, clientId, clientSecret (or tokenEndpointAuthMethod "private_key_jwt") and redirectUri.`);
    return undefined as unknown as ResolvedPlatform;
  }
  const issuer = checkUrl(`${at}.issuer`, raw.issuer, allowInsecureHttp, problems, 'e.g. FRANCECONNECT_PLUS_ISSUERS.integration')?.replace(/\/+$/, '');
  checkString(`${at}.clientId`, raw.clientId, problems, 'the client id FranceConnect gave you at registration');
  const tokenEndpointAuthMethod = raw.tokenEndpointAuthMethod ?? 'client_secret_post';
  let tokenEndpointSigningAlg: SigningAlg | undefined;
  if (!TOKEN_ENDPOINT_AUTH_METHODS.includes(tokenEndpointAuthMethod)) {
    problems.push(
      `${at}.tokenEndpointAuthMethod "${String(tokenEndpointAuthMethod)}" is not accepted by ${PLATFORM_LABELS[id]}: use "client_secret_post" or "private_key_jwt", as registered.`,
    );
  } else if (tokenEndpointAuthMethod === 'client_secret_post') {
    checkString(`${at}.clientSecret`, raw.clientSecret, problems, 'the client secret FranceConnect gave you at registration');
    if (raw.tokenEndpointSigningAlg !== undefined) {
      problems.push(`${at}.tokenEndpointSigningAlg is set but nothing is signed with client_secret_post: remove it, or set tokenEndpointAuthMethod to "private_key_jwt".`);
    }
  } else {
    // The secret, if given, is not sent: with private_key_jwt the signing key is the only credential.
    tokenEndpointSigningAlg = raw.tokenEndpointSigningAlg ?? 'ES256';
    if (!SIGNING_ALGS.includes(tokenEndpointSigningAlg)) {
      problems.push(
        `${at}.tokenEndpointSigningAlg "${String(tokenEndpointSigningAlg)}" cannot sign a client assertion: use ${SIGNING_ALGS.map((alg) => `"${alg}"`).join(' or ')}, as registered.`,
      );
    }
  }
  checkUrl(`${at}.redirectUri`, raw.redirectUri, allowInsecureHttp, problems, 'the callback URL registered with the platform');
  if (raw.postLogoutRedirectUri !== undefined) {
    checkUrl(`${at}.postLogoutRedirectUri`, raw.postLogoutRedirectUri, allowInsecureHttp, problems, 'the logout return URL registered with the platform');
  }

  const scopes = raw.scopes ?? DEFAULT_SCOPES;
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || !/^[\w-]+$/.test(scope))) {
    problems.push(`${at}.scopes must be a list of scope names such as ["openid", "given_name"].`);
  } else if (!scopes.includes('openid')) {
    problems.push(`${at}.scopes must include "openid".`);
  }

  const accepted = PLATFORM_LEVELS[id];
  const acrValues = raw.acrValues ?? accepted[0];
  if (!accepted.includes(acrValues)) {
    const known = EIDAS_LEVELS.includes(acrValues) ? '' : ' (not an eIDAS level)';
    problems.push(`${at}.acrValues "${String(acrValues)}"${known} is not accepted by ${PLATFORM_LABELS[id]}: use ${accepted.map((level) => `"${level}"`).join(' or ')}.`);
  }

  const signingAlg = raw.signingAlg ?? 'ES256';
  const signingAlgs: readonly SigningAlg[] = id === 'fcp' ? ['ES256'] : ['ES256', 'RS256'];
  if (!signingAlgs.includes(signingAlg)) {
    problems.push(`${at}.signingAlg "${String(signingAlg)}" is not used by ${PLATFORM_LABELS[id]}: use ${signingAlgs.map((alg) => `"${alg}"`).join(' or ')}.`);
  }

  let encryptionAlg: EncryptionAlg | undefined;
  if (id === 'fcp') {
    encryptionAlg = (raw as PlusPlatformOptions).encryptionAlg ?? 'RSA-OAEP-256';
    if (!isEncryptionAlg(encryptionAlg)) {
      problems.push(`${at}.encryptionAlg "${String(encryptionAlg)}" is not accepted by FranceConnect+: use ${ENCRYPTION_ALGS.map((alg) => `"${alg}"`).join(', ')}.`);
    }
  } else if ((raw as PlusPlatformOptions).encryptionAlg !== undefined) {
    problems.push(`${at}.encryptionAlg is set but FranceConnect does not encrypt its answers: remove it.`);
  }

  return {
    id,
    strategyName: PLATFORM_STRATEGY_NAMES[id],
    label: PLATFORM_LABELS[id],
    issuer: issuer ?? '',
    clientId: raw.clientId,
    ...(tokenEndpointAuthMethod === 'client_secret_post' ? { clientSecret: raw.clientSecret } : {}),
    tokenEndpointAuthMethod,
    ...(tokenEndpointSigningAlg === undefined ? {} : { tokenEndpointSigningAlg }),
    redirectUri: raw.redirectUri,
    postLogoutRedirectUri: raw.postLogoutRedirectUri,
    scope: Array.isArray(scopes) ? scopes.join(' ') : 'openid',
    acrValues,
    signingAlg,
    requestAmr: booleanOption(`${at}.requestAmr`, raw.requestAmr, problems),
    pkce: booleanOption(`${at}.pkce`, raw.pkce, problems),
    encryptionAlg,
  };
}

function booleanOption(at: string, value: unknown, problems: string[]): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') problems.push(`${at} must be true or false (default false).`);
  return value === true;
}

function resolveKeys(
  keys: KeysOptions | undefined,
  production: boolean,
  needsKeys: boolean,
  problems: string[],
): KeysOptions | undefined {
  if (keys === undefined) {
    if (!needsKeys) return undefined;
    if (production) {
      problems.push(
        'keys is required in production for FranceConnect+ and for private_key_jwt: generate a key set once (`keys generate`) and pass keys: { file } or { env }.',
      );
      return undefined;
    }
    return { generate: { file: DEFAULT_DEV_KEYS_FILE } };
  }
  const kinds = KEY_SOURCE_KINDS.filter((kind) => typeof keys === 'object' && keys !== null && kind in keys);
  if (kinds.length !== 1) {
    problems.push(`keys must have exactly one of ${KEY_SOURCE_KINDS.join(', ')}.`);
    return undefined;
  }
  if ('generate' in keys && production) {
    problems.push('keys.generate is for development only: in production pass keys: { file } or { env } with a key set generated once.');
  }
  return keys;
}

function checkIdentityLinking(linking: IdentityLinkingOptions | undefined, problems: string[]): IdentityLinkingOptions | undefined {
  if (linking === undefined) return undefined;
  const sources = ['dataSource', 'store'].filter((key) => typeof linking === 'object' && linking !== null && key in linking);
  if (sources.length !== 1) {
    problems.push('identityLinking needs exactly one of dataSource (your TypeORM DataSource) or store (your IdentityStore).');
  }
  try {
    resolveIdentityLinkOptions(linking);
  } catch (error) {
    if (!(error instanceof IdentityConfigurationError)) throw error;
    problems.push(...error.problems.map((problem) => `identityLinking: ${problem}`));
  }
  return linking;
}

function checkErrorPageTemplate(template: ErrorPageTemplate | undefined, problems: string[]): ErrorPageTemplate | undefined {
  const problem = errorPageTemplateProblem(template);
  if (problem === undefined) return template;
  problems.push(problem);
  return undefined;
}

function checkString(at: string, value: unknown, problems: string[], what: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${at} is missing: set it to ${what}.`);
  }
}

function checkUrl(at: string, value: unknown, allowInsecureHttp: boolean, problems: string[], what: string): string | undefined {
  if (typeof value !== 'string' || value === '') {
    problems.push(`${at} is missing: set it to ${what}.`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${at} "${value}" is not an absolute URL: set it to ${what}.`);
    return undefined;
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    problems.push(`${at} "${value}" uses http: use https, or set allowInsecureHttp for the local emulator and tests.`);
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push(`${at} "${value}" must be an https URL.`);
  }
  if (url.hash !== '') {
    problems.push(`${at} "${value}" must not contain a fragment.`);
  }
  return value;
}

function resolveSignInRateLimit(raw: SignInRateLimitOptions | false | undefined, problems: string[]): ResolvedFranceConnectOptions['signInRateLimit'] {
  if (raw === false) return false;
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    problems.push('signInRateLimit must be an object such as { limit: 60, ttlSeconds: 60 }, or false.');
    return false;
  }
  const limit = raw?.limit ?? 60;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    problems.push(`signInRateLimit.limit must be a whole number of at least 1 (default 60), got ${String(limit)}.`);
  }
  const ttlSeconds = positiveNumber('signInRateLimit.ttlSeconds', raw?.ttlSeconds, 60, problems);
  const storage = raw?.storage;
  if (storage !== undefined && typeof storage?.increment !== 'function') {
    problems.push('signInRateLimit.storage must be a @nestjs/throttler storage (with increment()): e.g. new RedisThrottlerStorage(redisClient).');
  }
  // The storage is the application's object (a client inside): kept as given, never frozen.
  return { limit, ttlSeconds, ...(storage === undefined ? {} : { storage }) };
}

function positiveNumber(at: string, value: number | undefined, fallback: number, problems: string[], zeroAllowed = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    problems.push(`${at} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number (default ${fallback}).`);
    return fallback;
  }
  return value;
}

/** Freezes plain objects and arrays only: a key source or store given by the application is not ours to freeze. */
function deepFreeze<T>(value: T): T {
  const isPlain = (candidate: unknown): candidate is object =>
    !!candidate && typeof candidate === 'object' && [Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(candidate));
  if (isPlain(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What the configured platforms need of the service's keys, for {@link KeyService}; `undefined` without keys. */
export function serviceKeyNeeds(options: ResolvedFranceConnectOptions): ServiceKeyNeeds | undefined {
  if (!options.keys) return undefined;
  const signers = Object.values(options.platforms).flatMap((platform) =>
    platform?.tokenEndpointSigningAlg
      ? [{ option: PLATFORM_OPTIONS[platform.id], label: platform.label, alg: platform.tokenEndpointSigningAlg }]
      : [],
  );
  return {
    source: options.keys,
    production: options.production,
    gracePeriodSeconds: options.retiredKeyGraceSeconds,
    ...(options.platforms.fcp?.encryptionAlg ? { encryptionAlg: options.platforms.fcp.encryptionAlg } : {}),
    signers,
  };
}
