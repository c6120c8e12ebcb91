import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KeyFileError } from '../key-file.js';

/** Default key-management algorithm, as in the module options. */
const DEFAULT_ENCRYPTION_ALG = 'RSA-OAEP-256';
/** Default FranceConnect signing algorithm, as in the module options. */
const DEFAULT_SIGNING_ALG = 'ES256';

/** Names of the settings of one platform, as the configuration spells them (for messages). */
export interface PlatformSettingNames {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly signingAlg: string;
  readonly encryptionAlg: string;
}

/** One platform's registration, as `doctor` checks it. */
export interface DoctorPlatform {
  readonly id: 'fc' | 'fcp';
  /** `FC` or `FC+`: the prefix of this platform's checks. */
  readonly label: string;
  readonly issuer?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** `client_secret_post` (default) or `private_key_jwt`. */
  readonly tokenEndpointAuthMethod: string;
  readonly redirectUri?: string;
  readonly postLogoutRedirectUri?: string;
  readonly signingAlg: string;
  /** FranceConnect+ only. */
  readonly encryptionAlg?: string;
  /** The module's `requestAmr`: the authorization request asks for the `amr` claim. */
  readonly requestAmr: boolean;
  /** The module's `pkce`. */
  readonly pkce: boolean;
  readonly names: PlatformSettingNames;
}

/** The configuration `doctor` checks. */
export interface DoctorConfig {
  /** `the environment`, or the path of the JSON file. */
  readonly source: string;
  readonly platforms: readonly DoctorPlatform[];
  readonly appUrl?: string;
  /** The URL where the service publishes its JWKS (registered with FranceConnect+). */
  readonly jwksUrl?: string;
  /** Absolute path of the private JWKS file, when given. */
  readonly keysFile?: string;
  /** `SESSION_SECRET`, checked only when the configuration comes from the environment. */
  readonly sessionSecret?: { readonly value?: string };
  readonly names: { readonly appUrl: string; readonly jwksUrl: string; readonly keysFile: string };
}

/**
 * Reads the configuration from environment variables named as the sample app names them. A platform is
 * included when any of its variables is set.
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>, cwd: string): DoctorConfig {
  const value = (name: string): string | undefined => {
    const text = env[name]?.trim();
    return text === undefined || text === '' ? undefined : text;
  };
  const appUrl = value('APP_URL')?.replace(/\/+$/, '');
  const postLogout = value('POST_LOGOUT_REDIRECT_URI') ?? (appUrl && `${appUrl}/auth/logout/callback`);
  const platforms: DoctorPlatform[] = [];
  if (['FCP_ISSUER', 'FCP_CLIENT_ID', 'FCP_CLIENT_SECRET', 'FCP_ENCRYPTION_ALG'].some((name) => value(name) !== undefined)) {
    platforms.push({
      id: 'fcp',
      label: 'FC+',
      issuer: value('FCP_ISSUER'),
      clientId: value('FCP_CLIENT_ID'),
      clientSecret: value('FCP_CLIENT_SECRET'),
      tokenEndpointAuthMethod: value('FCP_TOKEN_AUTH') ?? 'client_secret_post',
      redirectUri: value('FCP_REDIRECT_URI') ?? (appUrl && `${appUrl}/auth/fcp/callback`),
      postLogoutRedirectUri: postLogout,
      signingAlg: 'ES256',
      encryptionAlg: value('FCP_ENCRYPTION_ALG') ?? DEFAULT_ENCRYPTION_ALG,
      requestAmr: value('REQUEST_AMR') === 'true',
      pkce: false,
      names: envNames('FCP', value('FCP_REDIRECT_URI') === undefined),
    });
  }
  if (['FC_ISSUER', 'FC_CLIENT_ID', 'FC_CLIENT_SECRET', 'FC_SIGNING_ALG'].some((name) => value(name) !== undefined)) {
    platforms.push({
      id: 'fc',
      label: 'FC',
      issuer: value('FC_ISSUER'),
      clientId: value('FC_CLIENT_ID'),
      clientSecret: value('FC_CLIENT_SECRET'),
      tokenEndpointAuthMethod: value('FC_TOKEN_AUTH') ?? 'client_secret_post',
      redirectUri: value('FC_REDIRECT_URI') ?? (appUrl && `${appUrl}/auth/fc/callback`),
      postLogoutRedirectUri: postLogout,
      signingAlg: value('FC_SIGNING_ALG') ?? DEFAULT_SIGNING_ALG,
      requestAmr: value('REQUEST_AMR') === 'true',
      pkce: false,
      names: envNames('FC', value('FC_REDIRECT_URI') === undefined),
    });
  }
  const keysFile = value('SP_KEYS_FILE');
  return {
    source: 'the environment',
    platforms,
    appUrl,
    jwksUrl: value('SP_JWKS_URL') ?? (appUrl && `${appUrl}/.well-known/jwks.json`),
    keysFile: keysFile === undefined ? undefined : resolve(cwd, keysFile),
    sessionSecret: { value: value('SESSION_SECRET') },
    names: { appUrl: 'APP_URL', jwksUrl: value('SP_JWKS_URL') === undefined ? 'APP_URL (+ /.well-known/jwks.json)' : 'SP_JWKS_URL', keysFile: 'SP_KEYS_FILE' },
  };
}

function envNames(prefix: 'FC' | 'FCP', redirectFromAppUrl: boolean): PlatformSettingNames {
  return {
    issuer: `${prefix}_ISSUER`,
    clientId: `${prefix}_CLIENT_ID`,
    clientSecret: `${prefix}_CLIENT_SECRET`,
    redirectUri: redirectFromAppUrl ? `APP_URL (+ /auth/${prefix.toLowerCase()}/callback)` : `${prefix}_REDIRECT_URI`,
    postLogoutRedirectUri: 'POST_LOGOUT_REDIRECT_URI (default APP_URL + /auth/logout/callback)',
    signingAlg: `${prefix}_SIGNING_ALG`,
    encryptionAlg: `${prefix}_ENCRYPTION_ALG`,
  };
}

const TOP_LEVEL = ['appUrl', 'jwksUrl', 'keysFile', 'franceConnectPlus', 'franceConnect'];
const PLATFORM_FIELDS = [
  'issuer',
  'clientId',
  'clientSecret',
  'tokenEndpointAuthMethod',
  'redirectUri',
  'postLogoutRedirectUri',
  'signingAlg',
  'encryptionAlg',
  'requestAmr',
  'pkce',
];

/**
 * Reads the configuration from a JSON file shaped like the module options (see the doctor usage). A
 * relative `keysFile` starts from the working directory, as the application resolves it.
 *
 * @throws {KeyFileError} when the file cannot be read, is not JSON, or has unknown or mistyped fields.
 */
export async function configFromFile(path: string, cwd: string): Promise<DoctorConfig> {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new KeyFileError(`Cannot read the configuration file ${absolute} (${(error as { code?: string }).code ?? 'unknown error'}).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new KeyFileError(`The configuration file ${absolute} is not valid JSON.`);
  }
  const problems: string[] = [];
  const root = objectAt(raw, 'the configuration', problems) ?? {};
  for (const field of Object.keys(root)) {
    if (!TOP_LEVEL.includes(field)) problems.push(`unknown field "${field}" (known: ${TOP_LEVEL.join(', ')})`);
  }
  const booleanField = (owner: Record<string, unknown>, field: string, where: string): boolean => {
    const fieldValue = owner[field];
    if (fieldValue !== undefined && typeof fieldValue !== 'boolean') problems.push(`${where}.${field} must be true or false`);
    return fieldValue === true;
  };
  const stringField = (owner: Record<string, unknown>, field: string, where: string): string | undefined => {
    const fieldValue = owner[field];
    if (fieldValue === undefined) return undefined;
    if (typeof fieldValue !== 'string') {
      problems.push(`${where}.${field} must be a string`);
      return undefined;
    }
    return fieldValue.trim() === '' ? undefined : fieldValue.trim();
  };
  const appUrl = stringField(root, 'appUrl', 'config')?.replace(/\/+$/, '');
  const platforms: DoctorPlatform[] = [];
  for (const [field, id, label] of [
    ['franceConnectPlus', 'fcp', 'FC+'],
    ['franceConnect', 'fc', 'FC'],
  ] as const) {
    if (root[field] === undefined) continue;
    const section = objectAt(root[field], field, problems);
    if (!section) continue;
    for (const member of Object.keys(section)) {
      if (!PLATFORM_FIELDS.includes(member) || (id === 'fc' && member === 'encryptionAlg')) {
        problems.push(`unknown field "${field}.${member}"`);
      }
    }
    const get = (member: string): string | undefined => stringField(section, member, field);
    const names = Object.fromEntries(PLATFORM_FIELDS.map((member) => [member, `${field}.${member}`])) as unknown as PlatformSettingNames;
    platforms.push({
      id,
      label,
      issuer: get('issuer'),
      clientId: get('clientId'),
      clientSecret: get('clientSecret'),
      tokenEndpointAuthMethod: get('tokenEndpointAuthMethod') ?? 'client_secret_post',
      redirectUri: get('redirectUri') ?? (appUrl && `${appUrl}/auth/${id}/callback`),
      postLogoutRedirectUri: get('postLogoutRedirectUri') ?? (appUrl && `${appUrl}/auth/logout/callback`),
      signingAlg: get('signingAlg') ?? 'ES256',
      ...(id === 'fcp' ? { encryptionAlg: get('encryptionAlg') ?? DEFAULT_ENCRYPTION_ALG } : {}),
      requestAmr: booleanField(section, 'requestAmr', field),
      pkce: booleanField(section, 'pkce', field),
      names,
    });
  }
  if (problems.length > 0) {
    throw new KeyFileError(`The configuration file ${absolute} is invalid: ${problems.join('; ')}.`);
  }
  const keysFile = stringField(root, 'keysFile', 'config');
  const jwksUrl = stringField(root, 'jwksUrl', 'config');
  return {
    source: absolute,
    platforms,
    appUrl,
    jwksUrl: jwksUrl ?? (appUrl && `${appUrl}/.well-known/jwks.json`),
    keysFile: keysFile === undefined ? undefined : resolve(cwd, keysFile),
    names: { appUrl: 'appUrl', jwksUrl: jwksUrl === undefined ? 'appUrl (+ /.well-known/jwks.json)' : 'jwksUrl', keysFile: 'keysFile' },
  };
}

function objectAt(value: unknown, where: string, problems: string[]): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push(`${where} must be a JSON object`);
  return undefined;
}
