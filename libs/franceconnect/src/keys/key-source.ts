import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { generateEncryptionKey, generateSigningKey } from './key-generation.js';
import { KeySet } from './key-set.js';
import { ENCRYPTION_ALGS, SIGNING_ALGS, isEncryptionAlg, isSigningAlg } from './keys.constants.js';
import type { EncryptionAlg, SigningAlg } from './keys.constants.js';
import { KeyConfigurationError } from './keys.errors.js';
import { describeType } from './private-jwks.validation.js';

/**
 * A pluggable place the private JWKS comes from (a vault, a secrets manager, an HSM gateway…).
 *
 * `load()` is called once, at start-up. It resolves to the private JWKS, `{ "keys": [ ... ] }`, as
 * an object or as JSON text; the result is validated by {@link KeySet.fromJwks}.
 */
export interface KeySource {
  /** Resolves to the private JWKS (an object, or its JSON text). */
  load(): Promise<unknown>;
}

/** Options of the development-only `generate` key source. */
export interface DevKeyGenerationOptions {
  /** Path of the private JWKS file to load, or to create when missing (relative to the working directory). */
  readonly file: string;
  /** One encryption key is generated per algorithm, in this order. Default: `['RSA-OAEP-256']`. */
  readonly algs?: readonly EncryptionAlg[];
  /** One signing key (`use: "sig"`) is generated per algorithm, after the encryption keys. Default: none. */
  readonly signingAlgs?: readonly SigningAlg[];
}

/** Where {@link loadKeySet} takes the private JWKS from: exactly one member. */
export type KeySetSource =
  /** A private JWKS object, or its JSON text. */
  | { readonly jwks: object | string }
  /** Path of a private JWKS JSON file. */
  | { readonly file: string }
  /** Name of an environment variable holding the private JWKS JSON. */
  | { readonly env: string }
  /** Development only: load the file, or generate a key set into it when missing. */
  | { readonly generate: DevKeyGenerationOptions }
  /** A custom source. */
  | { readonly source: KeySource };

/** The logger {@link loadKeySet} warns through; Nest's `Logger` fits. */
export interface KeySetLogger {
  warn(message: string): void;
}

/** Options of {@link loadKeySet}. */
export interface LoadKeySetOptions {
  /** Whether this is a production deployment: the `generate` source is then refused. Required. */
  readonly production: boolean;
  /** Where the "development key set generated" warning goes. Default: `console.warn`. */
  readonly logger?: KeySetLogger;
  /** Environment the `env` source reads. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** How long a retired key still decrypts, in seconds. Default: 24 hours. */
  readonly gracePeriodSeconds?: number;
  /** The clock that ends grace periods, in epoch milliseconds. Default: `Date.now`. */
  readonly now?: () => number;
}

/** Encryption algorithms of a generated development key set when none are given. */
const DEFAULT_DEV_ALGS: readonly EncryptionAlg[] = Object.freeze(['RSA-OAEP-256']);

/** The members a key source may have: exactly one is given. */
export const KEY_SOURCE_KINDS = Object.freeze(['jwks', 'file', 'env', 'generate', 'source'] as const);

const HOW_TO_PROVIDE_KEYS =
  'generate a key set once (for example with keys: { generate: { file } } on a development machine, or with generateEncryptionKey()), keep the private JWKS file out of the repository with mode 0600, and pass keys: { file: "/path/to/keys.json" }, keys: { env: "VARIABLE_NAME" } or keys: { source } for a vault';

/**
 * Loads the service provider's private JWKS from `source` and builds a {@link KeySet}.
 *
 * - `{ jwks }`: a private JWKS object or its JSON text;
 * - `{ file }`: a private JWKS JSON file;
 * - `{ env }`: an environment variable holding the JSON;
 * - `{ source }`: a custom {@link KeySource};
 * - `{ generate: { file, algs, signingAlgs } }`: development only. Loads `file` if it exists; otherwise
 *   generates one encryption key per alg and one signing key per signing alg, writes them to `file` with
 *   mode 0600 (creating the directory) and
 *   warns once, through `logger`, that this development key set must not be used in production.
 *
 * Error messages name the file or variable; they never contain key material.
 *
 * @throws {KeyConfigurationError} if the source is malformed, unreadable, not JSON, if the key set
 *   is invalid (every problem listed), if `generate` is used with `production: true`, or if a
 *   generated development key set lacks one of the requested algorithms.
 */
export async function loadKeySet(source: KeySetSource, options: LoadKeySetOptions): Promise<KeySet> {
  const kind = sourceKind(source);
  const where = describeSource(source, kind);
  const jwks = await loadJwks(source, kind, options);

  let keySet: KeySet;
  try {
    keySet = await KeySet.fromJwks(jwks, {
      ...(options.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: options.gracePeriodSeconds }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  } catch (error) {
    if (error instanceof KeyConfigurationError) {
      throw new KeyConfigurationError(error.problems.map((problem) => `${where}: ${problem}`));
    }
    throw error;
  }

  if (kind === 'generate') {
    const { file, algs = DEFAULT_DEV_ALGS, signingAlgs = [] } = (source as { generate: DevKeyGenerationOptions }).generate;
    const missingEncryption = algs.filter((alg) => !keySet.hasEncryptionKeyFor(alg));
    const missingSigning = signingAlgs.filter((alg) => !keySet.currentSigningKey(alg));
    const missing = [
      ...(missingEncryption.length > 0 ? [`encryption key for ${missingEncryption.join(', ')}`] : []),
      ...(missingSigning.length > 0 ? [`current signing key for ${missingSigning.join(', ')}`] : []),
    ];
    if (missing.length > 0) {
      throw new KeyConfigurationError([
        `the development key set "${resolve(file)}" has no ${missing.join(' and no ')}: delete the file so that it is generated again with every requested algorithm.`,
      ]);
    }
  }
  return keySet;
}

type SourceKind = (typeof KEY_SOURCE_KINDS)[number];

function sourceKind(source: unknown): SourceKind {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new KeyConfigurationError([
      `keys must be an object with one of ${KEY_SOURCE_KINDS.join(', ')}; got ${describeType(source)}.`,
    ]);
  }
  const kinds = KEY_SOURCE_KINDS.filter((kind) => kind in source);
  if (kinds.length !== 1) {
    throw new KeyConfigurationError([
      kinds.length === 0
        ? `keys must have one of ${KEY_SOURCE_KINDS.join(', ')}: ${HOW_TO_PROVIDE_KEYS}.`
        : `keys must have exactly one of ${KEY_SOURCE_KINDS.join(', ')}; got ${kinds.join(' and ')}.`,
    ]);
  }
  return kinds[0] as SourceKind;
}

function describeSource(source: KeySetSource, kind: SourceKind): string {
  switch (kind) {
    case 'jwks':
      return 'keys.jwks';
    case 'file':
      return `key set file "${resolve(String((source as { file: unknown }).file))}"`;
    case 'env':
      return `environment variable ${String((source as { env: unknown }).env)}`;
    case 'generate':
      return `development key set "${resolve(String((source as { generate: { file?: unknown } }).generate?.file))}"`;
    case 'source':
      return 'keys.source';
  }
}

async function loadJwks(source: KeySetSource, kind: SourceKind, options: LoadKeySetOptions): Promise<unknown> {
  switch (kind) {
    case 'jwks': {
      const { jwks } = source as { jwks: unknown };
      return typeof jwks === 'string' ? parseJwksJson(jwks, 'keys.jwks') : jwks;
    }
    case 'file':
      return readJwksFile((source as { file: unknown }).file, 'keys.file');
    case 'env':
      return readJwksEnv((source as { env: unknown }).env, options.env ?? process.env);
    case 'source':
      return loadFromCustomSource((source as { source: unknown }).source);
    case 'generate':
      if (options.production) {
        throw new KeyConfigurationError([
          `keys.generate writes a development key set and is refused in production: ${HOW_TO_PROVIDE_KEYS}.`,
        ]);
      }
      return loadOrGenerateDevJwks((source as { generate: unknown }).generate, options.logger);
  }
}

async function readJwksFile(file: unknown, option: string): Promise<unknown> {
  if (typeof file !== 'string' || file === '') {
    throw new KeyConfigurationError([`${option} must be the path of a private JWKS JSON file; got ${describeType(file)}.`]);
  }
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new KeyConfigurationError([`cannot read the key set file "${path}" (${errorCode(error)}): ${fileAdvice(error)}`], {
      cause: error,
    });
  }
  return parseJwksJson(text, `the key set file "${path}"`);
}

function readJwksEnv(name: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof name !== 'string' || name === '') {
    throw new KeyConfigurationError([
      `keys.env must be the name of an environment variable holding the private JWKS JSON; got ${describeType(name)}.`,
    ]);
  }
  const text = env[name];
  if (text === undefined || text.trim() === '') {
    throw new KeyConfigurationError([
      `environment variable ${name} is not set or is empty: set it to the private JWKS JSON, { "keys": [ ... ] }.`,
    ]);
  }
  return parseJwksJson(text, `environment variable ${name}`);
}

async function loadFromCustomSource(source: unknown): Promise<unknown> {
  if (typeof (source as KeySource | null)?.load !== 'function') {
    throw new KeyConfigurationError(['keys.source must implement KeySource: an object with a load() method returning the private JWKS.']);
  }
  let loaded: unknown;
  try {
    loaded = await (source as KeySource).load();
  } catch (error) {
    // The custom source's own message is not repeated: it is not ours to vouch that it holds no
    // secret. It stays reachable as `cause`.
    throw new KeyConfigurationError(
      [`keys.source failed to load the key set (${error instanceof Error ? error.name : 'non-error thrown'}): see the error cause.`],
      { cause: error },
    );
  }
  return typeof loaded === 'string' ? parseJwksJson(loaded, 'the key set returned by keys.source') : loaded;
}

async function loadOrGenerateDevJwks(options: unknown, logger: KeySetLogger | undefined): Promise<unknown> {
  const { file, algs = DEFAULT_DEV_ALGS, signingAlgs = [] } = (options ?? {}) as { file?: unknown; algs?: unknown; signingAlgs?: unknown };
  const problems: string[] = [];
  if (typeof file !== 'string' || file === '') {
    problems.push(`keys.generate.file must be the path of the development key set file; got ${describeType(file)}.`);
  }
  if (!Array.isArray(algs) || algs.length === 0) {
    problems.push(`keys.generate.algs must be a non-empty array of ${ENCRYPTION_ALGS.join(', ')}.`);
  } else {
    for (const alg of algs as unknown[]) {
      if (!isEncryptionAlg(alg)) {
        problems.push(
          `keys.generate.algs: ${typeof alg === 'string' ? JSON.stringify(alg) : describeType(alg)} is not a FranceConnect+ key management algorithm: use ${ENCRYPTION_ALGS.join(', ')}.`,
        );
      }
    }
  }
  if (!Array.isArray(signingAlgs) || (signingAlgs as unknown[]).some((alg) => !isSigningAlg(alg))) {
    problems.push(`keys.generate.signingAlgs must be an array of ${SIGNING_ALGS.join(', ')}.`);
  }
  if (problems.length > 0) throw new KeyConfigurationError(problems);

  const path = resolve(file as string);
  const existing = await readIfExists(path);
  if (existing !== undefined) return parseJwksJson(existing, `the development key set "${path}"`);

  const unique = [...new Set(algs as EncryptionAlg[])];
  const uniqueSigning = [...new Set(signingAlgs as SigningAlg[])];
  const jwks = {
    keys: await Promise.all([...unique.map((alg) => generateEncryptionKey(alg)), ...uniqueSigning.map((alg) => generateSigningKey(alg))]),
  };
  try {
    const created = await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // A folder made here for the private keys (`.data/` by default) keeps itself out of the repository;
    // a folder the application already had is left as it is.
    if (created !== undefined) await writeFile(join(dirname(path), '.gitignore'), '# Development private keys: never commit them.\n*\n', { flag: 'wx' }).catch(() => undefined);
    // "wx": never overwrite. If another process created the file meanwhile, use its keys instead,
    // so that two processes do not end up publishing different keys.
    await writeFile(path, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return readJwksFile(path, 'keys.generate.file');
    throw new KeyConfigurationError(
      [`cannot write the development key set "${path}" (${errorCode(error)}): ${fileAdvice(error)}`],
      { cause: error },
    );
  }
  const kids = jwks.keys.map((jwk) => `${String(jwk.alg)} ${JSON.stringify(jwk.kid)}`).join(', ');
  (logger ?? consoleLogger).warn(
    `Generated a development key set at ${path} (${kids}). It is for development only and must not be used in production.`,
  );
  return jwks;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new KeyConfigurationError([`cannot read the development key set "${path}" (${errorCode(error)}): ${fileAdvice(error)}`], {
      cause: error,
    });
  }
}

/**
 * Parses JSON that holds private keys. The parser's own message is not reused, nor kept as cause:
 * recent V8 versions quote the text around the error, which here is key material.
 */
function parseJwksJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = error instanceof Error ? /at position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new KeyConfigurationError([
      `${where} is not valid JSON${position === undefined ? '' : ` (error at character ${position})`}: it must hold a private JWKS, { "keys": [ ... ] }.`,
    ]);
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}

function fileAdvice(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return 'the file does not exist; check the path (relative paths start from the working directory).';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; the process must be able to read it (and, for a generated key set, write its directory).';
    case 'EISDIR':
      return 'this is a directory; give the path of the JSON file itself.';
    default:
      return 'check the path and the permissions.';
  }
}

const consoleLogger: KeySetLogger = {
  warn: (message) => console.warn(message),
};
