/**
 * Service provider registrations: their format, their validation, where they come from, and how they
 * become oidc-provider client metadata.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { ClientMetadata } from 'oidc-provider';

import { platformScopes } from './claims.js';
import { EmulatorConfigurationError } from './errors.js';
import {
  CONTENT_ENCRYPTION,
  PLATFORMS,
  type EncryptionAlg,
  type PlatformDefinition,
  type PlatformId,
  type SigningAlg,
} from './platforms.js';

/** Token endpoint authentication methods a client may be registered with (`client_secret_basic` is not enabled). */
export type EmulatorClientAuthMethod = 'client_secret_post' | 'private_key_jwt';

/**
 * One service provider registration, as FranceConnect's partner portal would record it.
 * Signing algorithms default to `ES256`; on FC+ the encryption algorithms default to `RSA-OAEP-256`
 * (one given alone is used for both ID token and userinfo), and `jwks_uri` is required.
 */
export interface EmulatorClientConfig {
  platform: 'fc' | 'fcp';
  client_id: string;
  /**
   * At least 32 characters. Required with `client_secret_post`, which sends it; optional with
   * `private_key_jwt`, which never accepts it.
   */
  client_secret?: string;
  /**
   * How the client authenticates at the token and revocation endpoints. Default `client_secret_post`.
   * `private_key_jwt`: a client assertion signed with a key of the client's `jwks_uri` (then required).
   */
  token_endpoint_auth_method?: EmulatorClientAuthMethod;
  /** With `private_key_jwt`: the only alg its client assertions may use. Default: `ES256` or `RS256`. */
  token_endpoint_auth_signing_alg?: 'ES256' | 'RS256';
  /** Exact redirect URIs. */
  redirect_uris: string[];
  /** Exact URIs allowed as `post_logout_redirect_uri`. */
  post_logout_redirect_uris?: string[];
  /** Where the platform fetches the client's public keys: encryption keys (FC+), signing keys (`private_key_jwt`). */
  jwks_uri?: string;
  id_token_signed_response_alg?: 'ES256' | 'RS256';
  userinfo_signed_response_alg?: 'ES256' | 'RS256';
  id_token_encrypted_response_alg?: 'RSA-OAEP' | 'RSA-OAEP-256' | 'ECDH-ES';
  userinfo_encrypted_response_alg?: 'RSA-OAEP' | 'RSA-OAEP-256' | 'ECDH-ES';
  /**
   * Claims outside the scopes the service may ask for with the `claims` parameter: FranceConnect's
   * registration field `claims` (`back/libs/service-provider-adapter-mongo/src/dto/service-provider-adapter-mongo.dto.ts`).
   * Only `amr` exists. Default none: asking for `amr` then ends on the error page Y100009.
   */
  claims?: Array<'amr'>;
  /**
   * Scopes the service is registered for (FranceConnect's registration field `scopes`): asking for
   * another scope the platform knows gives `error=invalid_scope`; unknown scopes are ignored. Default:
   * every scope the platform knows.
   */
  scopes?: string[];
  /**
   * A URL serving a JSON array of every redirect URI, required when they span several hosts, as
   * oidc-provider (and so FranceConnect) checks for pairwise subjects: it is fetched at start.
   */
  sector_identifier_uri?: string;
  /**
   * The service's entity id, which `sub` is computed from (FranceConnect's registration field `entityId`):
   * registrations with the same entity id get the same `sub` for a person. Default: the host of the first
   * redirect URI.
   */
  entity_id?: string;
}

const KNOWN_FIELDS = new Set([
  'platform',
  'client_id',
  'client_secret',
  'token_endpoint_auth_method',
  'token_endpoint_auth_signing_alg',
  'redirect_uris',
  'post_logout_redirect_uris',
  'jwks_uri',
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'id_token_encrypted_response_alg',
  'userinfo_encrypted_response_alg',
  'claims',
  'scopes',
  'entity_id',
  'sector_identifier_uri',
]);

const ENCRYPTION_ALGS: readonly EncryptionAlg[] = ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'];

/** Default FC+ key management algorithm, the one FranceConnect's own RSA mock services use. */
const DEFAULT_ENCRYPTION_ALG: EncryptionAlg = 'RSA-OAEP-256';

const MIN_SECRET_LENGTH = 32;

const CLIENT_AUTH_METHODS: readonly EmulatorClientAuthMethod[] = ['client_secret_post', 'private_key_jwt'];

/** Claims a registration may list in `claims`. */
const REGISTRABLE_CLAIMS: readonly string[] = ['amr'];

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '';
}

function checkUrlList(value: unknown, label: string, required: boolean, problems: string[]): void {
  if (value === undefined && !required) return;
  if (!Array.isArray(value) || (required && value.length === 0)) {
    problems.push(`${label} must be ${required ? 'a non-empty' : 'an'} array of absolute http(s) URLs.`);
    return;
  }
  for (const entry of value) {
    if (!isHttpUrl(entry)) problems.push(`${label} contains ${JSON.stringify(entry)}, which is not an absolute http(s) URL without fragment.`);
  }
}

function checkOneOf(value: unknown, allowed: readonly string[], label: string, problems: string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    problems.push(`${label} is ${JSON.stringify(value)}; use one of ${allowed.join(', ')}.`);
  }
}

/** Problems with one registration, each naming the client and the field. */
function clientProblems(raw: unknown, index: number): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [`clients[${index}] must be an object.`];
  }
  const client = raw as Record<string, unknown>;
  const name = typeof client.client_id === 'string' && client.client_id ? `client "${client.client_id}"` : `clients[${index}]`;
  const problems: string[] = [];

  for (const field of Object.keys(client)) {
    if (!KNOWN_FIELDS.has(field)) problems.push(`${name}: unknown field "${field}" (known: ${[...KNOWN_FIELDS].join(', ')}).`);
  }
  if (typeof client.client_id !== 'string' || client.client_id === '') {
    problems.push(`${name}: client_id must be a non-empty string.`);
  }
  const authMethod = client.token_endpoint_auth_method ?? 'client_secret_post';
  checkOneOf(authMethod, CLIENT_AUTH_METHODS, `${name}: token_endpoint_auth_method`, problems);
  const secretRequired = authMethod === 'client_secret_post';
  if (
    (secretRequired || client.client_secret !== undefined) &&
    (typeof client.client_secret !== 'string' || client.client_secret.length < MIN_SECRET_LENGTH)
  ) {
    problems.push(`${name}: client_secret must be a string of at least ${MIN_SECRET_LENGTH} characters.`);
  }
  if (authMethod === 'private_key_jwt') {
    if (client.jwks_uri === undefined) {
      problems.push(`${name}: jwks_uri is required with private_key_jwt: the client assertions are verified with the keys published there.`);
    }
  } else if (client.token_endpoint_auth_signing_alg !== undefined) {
    problems.push(`${name}: token_endpoint_auth_signing_alg is only for private_key_jwt; remove it.`);
  }
  checkUrlList(client.redirect_uris, `${name}: redirect_uris`, true, problems);
  checkUrlList(client.post_logout_redirect_uris, `${name}: post_logout_redirect_uris`, false, problems);
  if (client.sector_identifier_uri !== undefined && !isHttpUrl(client.sector_identifier_uri)) {
    problems.push(`${name}: sector_identifier_uri must be an absolute http(s) URL.`);
  }
  if (client.jwks_uri !== undefined && !isHttpUrl(client.jwks_uri)) {
    problems.push(`${name}: jwks_uri must be an absolute http(s) URL.`);
  }

  if (client.platform !== 'fc' && client.platform !== 'fcp') {
    problems.push(`${name}: platform must be "fc" (FranceConnect) or "fcp" (FranceConnect+).`);
    return problems;
  }
  const platform = PLATFORMS[client.platform];
  if (authMethod === 'private_key_jwt') {
    checkOneOf(client.token_endpoint_auth_signing_alg, platform.clientAuthSigningAlgs, `${name}: token_endpoint_auth_signing_alg on ${platform.displayName}`, problems);
  }
  if (client.scopes !== undefined) {
    const known = platformScopes(platform);
    if (!Array.isArray(client.scopes)) problems.push(`${name}: scopes must be an array of scope names such as ["openid", "identite_pivot"].`);
    else for (const scope of client.scopes) checkOneOf(scope, known, `${name}: scopes entry on ${platform.displayName}`, problems);
  }
  if (client.entity_id !== undefined && (typeof client.entity_id !== 'string' || client.entity_id === '')) {
    problems.push(`${name}: entity_id must be a non-empty string.`);
  }
  if (client.claims !== undefined) {
    if (!Array.isArray(client.claims)) problems.push(`${name}: claims must be an array such as ["amr"].`);
    else for (const claim of client.claims) checkOneOf(claim, REGISTRABLE_CLAIMS, `${name}: claims entry`, problems);
  }
  for (const field of ['id_token_signed_response_alg', 'userinfo_signed_response_alg']) {
    checkOneOf(client[field], platform.signingAlgs, `${name}: ${field} on ${platform.displayName}`, problems);
  }
  const encryptionFields = ['id_token_encrypted_response_alg', 'userinfo_encrypted_response_alg'];
  if (platform.encrypts) {
    if (client.jwks_uri === undefined) {
      problems.push(`${name}: jwks_uri is required on ${platform.displayName}, which encrypts to the client's public key.`);
    }
    for (const field of encryptionFields) checkOneOf(client[field], ENCRYPTION_ALGS, `${name}: ${field}`, problems);
  } else {
    for (const field of encryptionFields) {
      if (client[field] !== undefined) problems.push(`${name}: ${field} is not supported on ${platform.displayName}, which does not encrypt; remove it.`);
    }
  }
  return problems;
}

/**
 * Validates a list of registrations and returns it frozen.
 *
 * @throws {EmulatorConfigurationError} listing every problem (unknown fields, short secrets, bad URLs,
 * algorithms the platform does not support, an unknown client authentication, `private_key_jwt` without
 * `jwks_uri`, duplicate client ids).
 */
export function validateClients(raw: unknown): readonly EmulatorClientConfig[] {
  if (!Array.isArray(raw)) {
    throw new EmulatorConfigurationError(['clients must be a JSON array of client registrations.']);
  }
  const problems = raw.flatMap((client, index) => clientProblems(client, index));
  const seen = new Set<string>();
  for (const client of raw as Array<Partial<EmulatorClientConfig>>) {
    if (typeof client?.client_id !== 'string') continue;
    if (seen.has(client.client_id)) problems.push(`client "${client.client_id}" is registered twice; client ids must be unique.`);
    seen.add(client.client_id);
  }
  if (problems.length > 0) throw new EmulatorConfigurationError(problems);
  return Object.freeze((raw as EmulatorClientConfig[]).map((client) => Object.freeze({ ...client })));
}

/**
 * Reads registrations from the `FC_EMULATOR_CLIENTS` value (or the command line's `--clients`): inline JSON
 * when it starts with `[`, otherwise a path to a JSON file (relative to `cwd`). `origin` names inline JSON
 * in the problems; a file is named by its path.
 *
 * @throws {EmulatorConfigurationError} when the file cannot be read or parsed, or a registration is invalid.
 */
export function readClients(value: string, cwd: string = process.cwd(), origin = 'FC_EMULATOR_CLIENTS'): readonly EmulatorClientConfig[] {
  const trimmed = value.trim();
  let text = trimmed;
  let source = origin;
  if (!trimmed.startsWith('[')) {
    source = resolve(cwd, trimmed);
    try {
      text = readFileSync(source, 'utf8');
    } catch (cause) {
      throw new EmulatorConfigurationError([`cannot read the clients file ${source}: ${(cause as Error).message}.`], { cause });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new EmulatorConfigurationError([`${source} is not valid JSON: ${(cause as Error).message}.`], { cause });
  }
  return validateClients(parsed);
}

/**
 * One registration as the emulator's start-up log shows it: what a developer compares with the module
 * options (client id, platform, URIs). Never the secret: the log often ends up in CI output.
 */
export function describeClient(client: EmulatorClientConfig): string {
  const parts = [`${client.client_id} on ${PLATFORMS[client.platform].displayName}`, `redirect_uris ${client.redirect_uris.join(' ')}`];
  if (client.post_logout_redirect_uris?.length) parts.push(`post_logout_redirect_uris ${client.post_logout_redirect_uris.join(' ')}`);
  if (client.jwks_uri !== undefined) parts.push(`jwks_uri ${client.jwks_uri}`);
  if (client.token_endpoint_auth_method === 'private_key_jwt') parts.push('private_key_jwt');
  return parts.join('; ');
}

/** The registrations of one platform. */
export function clientsOf(clients: readonly EmulatorClientConfig[], platform: PlatformId): EmulatorClientConfig[] {
  return clients.filter((client) => client.platform === platform);
}

/** oidc-provider metadata for one registration, with the platform's fixed choices applied. */
export function toClientMetadata(client: EmulatorClientConfig, platform: PlatformDefinition): ClientMetadata {
  const defaultSigning: SigningAlg = platform.signingAlgs[0] ?? 'ES256';
  const metadata: ClientMetadata = {
    client_id: client.client_id,
    redirect_uris: [...client.redirect_uris],
    post_logout_redirect_uris: [...(client.post_logout_redirect_uris ?? [])],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    // oidc-provider refuses a known scope outside these with invalid_scope and ignores unknown ones, as
    // FranceConnect does with the registration's scopes (it runs on oidc-provider too).
    scope: (client.scopes ?? platformScopes(platform)).join(' '),
    // `sub` is computed per entity id (subjects.ts), through oidc-provider's pairwiseIdentifier.
    subject_type: 'pairwise',
    // oidc-provider accepts only the registered method: a private_key_jwt client cannot fall back to its secret.
    token_endpoint_auth_method: client.token_endpoint_auth_method ?? 'client_secret_post',
    id_token_signed_response_alg: client.id_token_signed_response_alg ?? defaultSigning,
    userinfo_signed_response_alg: client.userinfo_signed_response_alg ?? defaultSigning,
  };
  if (client.client_secret !== undefined) metadata.client_secret = client.client_secret;
  if (client.token_endpoint_auth_signing_alg !== undefined) metadata.token_endpoint_auth_signing_alg = client.token_endpoint_auth_signing_alg;
  if (client.jwks_uri !== undefined) metadata.jwks_uri = client.jwks_uri;
  if (client.sector_identifier_uri !== undefined) metadata.sector_identifier_uri = client.sector_identifier_uri;
  if (platform.encrypts) {
    const idTokenAlg = client.id_token_encrypted_response_alg ?? client.userinfo_encrypted_response_alg ?? DEFAULT_ENCRYPTION_ALG;
    const userinfoAlg = client.userinfo_encrypted_response_alg ?? idTokenAlg;
    Object.assign(metadata, {
      id_token_encrypted_response_alg: idTokenAlg,
      id_token_encrypted_response_enc: CONTENT_ENCRYPTION,
      userinfo_encrypted_response_alg: userinfoAlg,
      userinfo_encrypted_response_enc: CONTENT_ENCRYPTION,
    });
  }
  return metadata;
}
