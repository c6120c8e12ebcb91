import { FranceConnectError } from '../errors/franceconnect.errors.js';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { KeySet } from '../keys/key-set.js';
import type { KeySetOptions } from '../keys/key-set.js';
import type { PrivateJwksDocument } from '../keys/key-rotation.js';
import { KeyConfigurationError } from '../keys/keys.errors.js';

/** A private JWKS file as read: its document, and what is needed to write it back safely. */
export interface KeyFile {
  readonly path: string;
  /** Whether the file exists; a missing file reads as an empty key set. */
  readonly exists: boolean;
  readonly jwks: PrivateJwksDocument;
  /** The exact text read, to detect a concurrent change before writing. */
  readonly text?: string;
  /** Permission bits and owner of the existing file, kept when it is rewritten. */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

/** A problem with a key file; the message names the file and never quotes its content. */
export class KeyFileError extends FranceConnectError {
  override readonly code = 'FC_KEY_FILE_INVALID';
}

/**
 * Reads a private JWKS file. A missing file is an empty key set (`exists: false`); an unreadable file, or
 * one that is not a JSON object with a `keys` array, is an error. The JSON parser's message is not
 * repeated: it can quote the text around the error, which here is key material.
 *
 * @throws {KeyFileError}
 */
export async function readKeyFile(path: string): Promise<KeyFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { path, exists: false, jwks: { keys: [] } };
    throw new KeyFileError(`Cannot read the key file ${path} (${codeOf(error)}).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyFileError(`The key file ${path} is not valid JSON: it must hold a private JWKS, { "keys": [ ... ] }.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new KeyFileError(`The key file ${path} must hold a private JWKS, a JSON object { "keys": [ ... ] }.`);
  }
  const info = await stat(path);
  return { path, exists: true, jwks: parsed as PrivateJwksDocument, text, mode: info.mode & 0o777, uid: info.uid, gid: info.gid };
}

/**
 * Validates and imports the key set of a file, as the application will at start-up.
 *
 * @throws {KeyConfigurationError} listing every problem, prefixed with the file's path.
 */
export async function keySetOf(file: KeyFile | { path: string; jwks: PrivateJwksDocument }, options: KeySetOptions = {}): Promise<KeySet> {
  try {
    return await KeySet.fromJwks(file.jwks, options);
  } catch (error) {
    if (error instanceof KeyConfigurationError) {
      throw new KeyConfigurationError(error.problems.map((problem) => `${file.path}: ${problem}`));
    }
    throw error;
  }
}

/**
 * Writes a new version of a key file without ever leaving a partial file behind: the JSON goes to a
 * temporary file in the same directory, created with mode 0600 (or the existing file's mode, owner and
 * group, so the application can still read it), then renamed over the old one. Refused if the file
 * changed since it was read, so two commands run at once cannot silently drop a key.
 *
 * @throws {KeyFileError}
 */
export async function writeKeyFile(file: KeyFile, jwks: PrivateJwksDocument): Promise<void> {
  const { path } = file;
  const current = await readFile(path, 'utf8').catch((error: unknown) => {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw new KeyFileError(`Cannot read the key file ${path} again before writing it (${codeOf(error)}).`);
  });
  if (current !== file.text) {
    throw new KeyFileError(`The key file ${path} changed while this command ran: nothing was written; run the command again.`);
  }
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new KeyFileError(`Cannot create the directory of ${path} (${codeOf(error)}).`);
  }
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', file.mode ?? 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(jwks, null, 2)}\n`, 'utf8');
      await handle.sync();
      // open() applies the umask: set the mode explicitly.
      await handle.chmod(file.mode ?? 0o600);
    } finally {
      await handle.close();
    }
    if (file.uid !== undefined && file.gid !== undefined) {
      // Keeping the owner needs privileges; without them the file simply belongs to whoever runs this.
      await chown(temporary, file.uid, file.gid).catch(() => undefined);
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new KeyFileError(`Cannot write the key file ${path} (${codeOf(error)}).`);
  }
}

/** Whether permission bits let users other than the owner read the file. */
export function isReadableByOthers(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
