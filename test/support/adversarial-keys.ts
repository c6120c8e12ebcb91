/**
 * Throwaway key material for the security suite, generated once and kept in the OS temporary directory
 * (files mode 0600), so each test file does not spend seconds generating RSA keys: the service's private
 * JWKS (one key per FranceConnect+ algorithm) and the RSA pairs the adversaries use for algorithm
 * confusion. These keys protect nothing; they only make the tests fast.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { ENCRYPTION_ALGS, generateEncryptionKey } from '../../libs/franceconnect/src/keys/index.js';

const DIRECTORY = join(tmpdir(), `fc-security-suite-keys-v1-${process.getuid?.() ?? 'user'}`);

/** Reads `name` from the cache, or generates, stores (atomically) and returns it. */
async function cached<T>(name: string, isValid: (value: unknown) => value is T, generate: () => Promise<T>): Promise<{ value: T; file: string }> {
  const file = join(DIRECTORY, name);
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (isValid(value)) return { value, file };
  } catch {
    // Missing or unreadable: generated below.
  }
  const value = await generate();
  await mkdir(DIRECTORY, { recursive: true, mode: 0o700 });
  // Written aside then renamed: a concurrent run never reads half a file.
  const partial = `${file}.${process.pid}.${Date.now()}`;
  await writeFile(partial, JSON.stringify(value), { mode: 0o600 });
  await rename(partial, file);
  return { value, file };
}

const isJwks = (value: unknown): value is { keys: JWK[] } =>
  Array.isArray((value as { keys?: unknown } | null)?.keys) && (value as { keys: JWK[] }).keys.every((key) => typeof key.d === 'string');

let serviceKeys: Promise<string> | undefined;

/** Path of the service's private JWKS file (`RSA-OAEP`, `RSA-OAEP-256`, `ECDH-ES`, in that order). */
export function serviceKeysFile(): Promise<string> {
  serviceKeys ??= cached('sp-keys.json', (value): value is { keys: JWK[] } => isJwks(value) && value.keys.length === ENCRYPTION_ALGS.length, async () => ({
    keys: await Promise.all(ENCRYPTION_ALGS.map((alg) => generateEncryptionKey(alg))),
  })).then(({ file }) => file);
  return serviceKeys;
}

let rsaSigning: Promise<JWK[]> | undefined;

/** Two private RS256 JWKs: one the adversaries publish, one they keep (rogue). */
export function rsaSigningJwks(): Promise<JWK[]> {
  rsaSigning ??= cached('rs256.json', (value): value is { keys: JWK[] } => isJwks(value) && value.keys.length === 2, async () => ({
    keys: await Promise.all(
      [0, 1].map(async () => exportJWK((await generateKeyPair('RS256', { extractable: true })).privateKey)),
    ),
  })).then(({ value }) => value.keys);
  return rsaSigning;
}
