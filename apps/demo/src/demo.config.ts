import { randomBytes } from 'node:crypto';
import { ENCRYPTION_ALGS } from '../../../libs/franceconnect/src/keys/index.js';
import { FRANCECONNECT_ISSUERS, FRANCECONNECT_PLUS_ISSUERS, type EidasLevel, type EncryptionAlg, type SigningAlg, type TokenEndpointAuthMethod } from '../../../libs/franceconnect/src/index.js';

/** The sample app's settings, read from environment variables (see apps/demo/README.md). */
export interface DemoConfig {
  readonly port: number;
  readonly appUrl: string;
  readonly fcp: {
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret: string;
    /** FCP_TOKEN_AUTH: `private_key_jwt` signs the token requests with the key file's current ES256 signing key. */
    readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
    readonly encryptionAlg: EncryptionAlg;
    readonly acrValues: EidasLevel;
  };
  readonly fc: {
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret: string;
    /** FC_TOKEN_AUTH, as FCP_TOKEN_AUTH. */
    readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
    readonly signingAlg: SigningAlg;
  };
  readonly keysFile?: string;
  readonly allowInsecureHttp: boolean;
  /** Session cookie secrets, the first signing (SESSION_SECRET, comma-separated for rotation). */
  readonly sessionSecrets: readonly string[];
  /** SESSION_ENCRYPTION_SECRET: encrypt the library's session data at rest (comma-separated for rotation, first encrypts). */
  readonly sessionEncryptionSecrets?: readonly string[];
  /** Redis URL for sessions and sign-in transactions shared by several instances; memory when absent. */
  readonly redisUrl?: string;
  /** Database URL: `postgres://…` for PostgreSQL; default a local SQLite file. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema of the identity tables (created when missing). */
  readonly databaseSchema?: string;
  /** Secret of the keyed hash of pivot identities used for account linking. */
  readonly identityHashSecret: string;
  /** The service registered for FranceConnect's common identifier: equal `sub` on both platforms is one person. */
  readonly commonIdentifier: boolean;
  /** Link a new identity to the one account with the same pivot identity. */
  readonly matchOnPivotIdentity: boolean;
  /** IDENTITY_LINKING: one account per person across the platforms (default `true`); `false` keeps identities in the session only. */
  readonly identityLinking: boolean;
  /** REQUEST_AMR: ask both platforms for the `amr` claim (the registrations must list it). */
  readonly requestAmr: boolean;
  /** PKCE: send PKCE to both platforms (FranceConnect refuses it; for a platform that accepts it). */
  readonly pkce: boolean;
  /** SIGN_IN_RATE_LIMIT: sign-ins one client may start per minute (default the library's, 60); `off` turns the limit off. */
  readonly signInRateLimit?: number | false;
  readonly production: boolean;
}

/** Defaults point at the local emulator and its default client registration. */
export const DEMO_DEFAULTS = Object.freeze({
  port: 3000,
  fcpClientId: 'demo-fcp',
  fcpClientSecret: 'demo-fcp-client-secret-not-for-production',
  fcClientId: 'demo-fc',
  fcClientSecret: 'demo-fc-client-secret-not-for-production',
});

/**
 * Reads the sample app's configuration from the environment.
 *
 * @throws {Error} listing every variable with a bad value.
 */
export function demoConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const problems: string[] = [];
  const port = Number(env.PORT ?? DEMO_DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT "${env.PORT}" must be a port number.`);
  const appUrl = (env.APP_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const encryptionAlg = (env.FCP_ENCRYPTION_ALG ?? 'RSA-OAEP-256') as EncryptionAlg;
  if (!ENCRYPTION_ALGS.includes(encryptionAlg)) problems.push(`FCP_ENCRYPTION_ALG must be one of ${ENCRYPTION_ALGS.join(', ')}.`);
  const signingAlg = (env.FC_SIGNING_ALG ?? 'ES256') as SigningAlg;
  if (signingAlg !== 'ES256' && signingAlg !== 'RS256') problems.push('FC_SIGNING_ALG must be ES256 or RS256.');
  const signInRateLimit = env.SIGN_IN_RATE_LIMIT === undefined ? undefined : env.SIGN_IN_RATE_LIMIT === 'off' ? false : Number(env.SIGN_IN_RATE_LIMIT);
  if (typeof signInRateLimit === 'number' && !(Number.isSafeInteger(signInRateLimit) && signInRateLimit > 0)) {
    problems.push(`SIGN_IN_RATE_LIMIT "${env.SIGN_IN_RATE_LIMIT}" must be a number of sign-ins per minute, or off.`);
  }
  const tokenAuth = (name: 'FCP_TOKEN_AUTH' | 'FC_TOKEN_AUTH'): TokenEndpointAuthMethod => {
    const value = env[name] ?? 'client_secret_post';
    if (value === 'client_secret_post' || value === 'private_key_jwt') return value;
    problems.push(`${name} must be client_secret_post or private_key_jwt.`);
    return 'client_secret_post';
  };
  const fcpTokenAuth = tokenAuth('FCP_TOKEN_AUTH');
  const fcTokenAuth = tokenAuth('FC_TOKEN_AUTH');
  const production = env.NODE_ENV === 'production';
  const issuer = env.FCP_ISSUER ?? FRANCECONNECT_PLUS_ISSUERS.emulator;
  const fcIssuer = env.FC_ISSUER ?? FRANCECONNECT_ISSUERS.emulator;
  const allowInsecureHttp =
    env.ALLOW_INSECURE_HTTP !== undefined
      ? env.ALLOW_INSECURE_HTTP === 'true'
      : !production && (issuer.startsWith('http://') || fcIssuer.startsWith('http://') || appUrl.startsWith('http://'));
  let sessionSecrets = (env.SESSION_SECRET ?? '').split(',').map((secret) => secret.trim()).filter(Boolean);
  if (sessionSecrets.length === 0) {
    if (production) problems.push('SESSION_SECRET is required in production: set a random string of at least 32 characters.');
    sessionSecrets = [randomBytes(32).toString('hex')];
  } else if (sessionSecrets.some((secret) => secret.length < 32)) {
    problems.push('SESSION_SECRET: each secret (comma-separated) must have at least 32 characters.');
  }
  const sessionEncryptionSecrets = env.SESSION_ENCRYPTION_SECRET ? env.SESSION_ENCRYPTION_SECRET.split(',').map((secret) => secret.trim()).filter(Boolean) : undefined;
  if (sessionEncryptionSecrets?.some((secret) => secret.length < 32 || sessionSecrets.includes(secret))) {
    problems.push('SESSION_ENCRYPTION_SECRET: each secret (comma-separated) must have at least 32 characters and differ from SESSION_SECRET.');
  }
  let identityHashSecret = env.IDENTITY_HASH_SECRET ?? '';
  if (!identityHashSecret) {
    if (production) problems.push('IDENTITY_HASH_SECRET is required in production: a random string of at least 32 characters, kept for good.');
    // Stable across restarts in development, so accounts keep matching; never used in production.
    identityHashSecret = 'development-only-identity-hash-secret-not-for-production';
  } else if (identityHashSecret.length < 32) {
    problems.push('IDENTITY_HASH_SECRET must have at least 32 characters.');
  }
  if (env.DATABASE_SCHEMA && !/^[a-z_][a-z0-9_]*$/i.test(env.DATABASE_SCHEMA)) problems.push('DATABASE_SCHEMA must be a plain identifier.');
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) problems.push(`REDIS_URL "${redisUrl}" must start with redis:// or rediss://.`);
  if (problems.length > 0) throw new Error(`Invalid sample app configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    port,
    appUrl,
    fcp: {
      issuer,
      clientId: env.FCP_CLIENT_ID ?? DEMO_DEFAULTS.fcpClientId,
      clientSecret: env.FCP_CLIENT_SECRET ?? DEMO_DEFAULTS.fcpClientSecret,
      tokenEndpointAuthMethod: fcpTokenAuth,
      encryptionAlg,
      acrValues: (env.FCP_ACR_VALUES ?? 'eidas2') as EidasLevel,
    },
    fc: {
      issuer: fcIssuer,
      clientId: env.FC_CLIENT_ID ?? DEMO_DEFAULTS.fcClientId,
      clientSecret: env.FC_CLIENT_SECRET ?? DEMO_DEFAULTS.fcClientSecret,
      tokenEndpointAuthMethod: fcTokenAuth,
      signingAlg,
    },
    keysFile: env.SP_KEYS_FILE,
    allowInsecureHttp,
    sessionSecrets,
    sessionEncryptionSecrets,
    redisUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    identityHashSecret,
    commonIdentifier: env.FC_COMMON_IDENTIFIER === 'true',
    matchOnPivotIdentity: env.IDENTITY_MATCH_ON_PIVOT === 'true',
    identityLinking: env.IDENTITY_LINKING !== 'false',
    requestAmr: env.REQUEST_AMR === 'true',
    pkce: env.PKCE === 'true',
    signInRateLimit,
    production,
  };
}
