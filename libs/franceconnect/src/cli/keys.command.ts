import { resolve } from 'node:path';
import { generateEncryptionKey, generateSigningKey } from '../keys/key-generation.js';
import { addKey, pruneRetiredKeys, retireKey, rotateKeys } from '../keys/key-rotation.js';
import type { KeySetChange, KeyStateChange, PrivateJwksDocument } from '../keys/key-rotation.js';
import { DEFAULT_RETIRED_KEY_GRACE_SECONDS, retiredKeyExpiry } from '../keys/key-states.js';
import { ENCRYPTION_ALGS, SIGNING_ALGS, isEncryptionAlg, isSigningAlg } from '../keys/keys.constants.js';
import type { SigningAlg } from '../keys/keys.constants.js';
import { formatDuration, parseCommandLine, parseDuration } from './arguments.js';
import type { CommandOptions, ParsedCommandLine } from './arguments.js';
import { EXIT, UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { KeyFileError, isReadableByOthers, keySetOf, readKeyFile, writeKeyFile } from './key-file.js';
import type { KeyFile } from './key-file.js';
import { formatTable } from './table.js';
import { KEYS_USAGE } from './usage.js';

/** Default key file when neither --file nor SP_KEYS_FILE is given. */
export const DEFAULT_KEY_FILE = 'sp-keys.json';

/** Every option of the `keys` commands; each command takes `--file`, `--help` and those {@link SUBCOMMANDS} lists. */
const KEYS_OPTIONS = {
  file: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  alg: { type: 'string' },
  use: { type: 'string' },
  kid: { type: 'string' },
  force: { type: 'boolean' },
  grace: { type: 'string' },
} as const satisfies CommandOptions;

type KeysOption = keyof typeof KEYS_OPTIONS;

const SUBCOMMANDS: Readonly<Record<string, readonly KeysOption[]>> = {
  generate: ['alg', 'use', 'kid'],
  rotate: ['alg', 'use', 'grace'],
  retire: ['kid', 'force', 'grace'],
  prune: ['grace'],
  list: ['grace'],
  public: [],
};

/**
 * The options of one `keys` command: `--file`, `--help`, then its own, in the order its errors list them.
 * Typed as every option: one the command does not take reads as not given.
 */
function optionsOf(names: readonly KeysOption[]): typeof KEYS_OPTIONS {
  return Object.fromEntries((['file', 'help', ...names] as const).map((name) => [name, KEYS_OPTIONS[name]])) as typeof KEYS_OPTIONS;
}

type KeysArguments = ParsedCommandLine<typeof KEYS_OPTIONS>['values'];

/** Context of one `keys` subcommand. */
interface KeysContext {
  readonly io: CliIo;
  readonly args: KeysArguments;
  readonly path: string;
  /** Grace period of retired keys, seconds. */
  readonly grace: number;
  /** Now, epoch seconds. */
  readonly now: number;
}

/**
 * `franceconnect keys <command>`: see {@link KEYS_USAGE}. Private key members are never printed: the
 * commands show kid, use, alg and state, and `public` prints the public JWKS only.
 *
 * @throws {UsageError} for a wrong command line.
 */
export async function runKeys(argv: readonly string[], io: CliIo): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    io.stdout(KEYS_USAGE);
    return subcommand === undefined ? EXIT.usage : EXIT.ok;
  }
  const names = Object.hasOwn(SUBCOMMANDS, subcommand) ? SUBCOMMANDS[subcommand] : undefined;
  if (names === undefined) {
    throw new UsageError(`Unknown keys command ${JSON.stringify(subcommand)}: use one of ${Object.keys(SUBCOMMANDS).join(', ')}.`, KEYS_USAGE);
  }
  const { values: args, positionals } = parseCommandLine(rest, optionsOf(names), KEYS_USAGE);
  if (args.help) {
    io.stdout(KEYS_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])} for keys ${subcommand}.`, KEYS_USAGE);
  }
  const context: KeysContext = {
    io,
    args,
    path: resolve(io.cwd, args.file ?? io.env['SP_KEYS_FILE'] ?? DEFAULT_KEY_FILE),
    grace: args.grace === undefined ? DEFAULT_RETIRED_KEY_GRACE_SECONDS : parseDuration(args.grace, '--grace', KEYS_USAGE),
    now: Math.floor(io.now() / 1000),
  };
  switch (subcommand) {
    case 'generate':
      return generate(context);
    case 'rotate':
      return change(context, (jwks) => rotateKeys(jwks, { now: context.now, ...algAndUse(args) }), 'Rotated');
    case 'retire': {
      const { kid } = args;
      if (kid === undefined) throw new UsageError('keys retire needs --kid <kid>: the key to retire (see keys list).', KEYS_USAGE);
      return change(context, (jwks) => retireKey(jwks, kid, { now: context.now, force: args.force === true }), 'Retired');
    }
    case 'prune':
      return change(context, (jwks) => pruneRetiredKeys(jwks, { now: context.now, gracePeriodSeconds: context.grace }), 'Pruned');
    case 'list':
      return list(context);
    default:
      return printPublic(context);
  }
}

async function generate(context: KeysContext): Promise<number> {
  const { io, args } = context;
  const { alg } = algAndUse(args);
  if (alg === undefined) {
    throw new UsageError(`keys generate needs --alg: ${ENCRYPTION_ALGS.join(', ')} (encryption) or ${SIGNING_ALGS.join(', ')} (signing).`, KEYS_USAGE);
  }
  const { kid } = args;
  const file = await readKeyFile(context.path);
  // An existing key set must be valid before a key is added to it: the file is rewritten whole.
  if (file.jwks.keys.length > 0) await keySetOf(file);
  const jwk = isEncryptionAlg(alg)
    ? await generateEncryptionKey(alg, { kid })
    : await generateSigningKey(alg as SigningAlg, { kid });
  const result = addKey(file.jwks, jwk);
  await save(context, file, result);
  const [added] = result.changes as [KeyStateChange];
  const where = file.exists ? `Added to ${file.path}:` : `Created ${file.path} (mode 0600) with`;
  io.stdout(`${where} key ${JSON.stringify(added.kid)} (${added.use} ${added.alg}) as ${added.to}.\n`);
  if (added.to === 'current') {
    io.stdout(`It is the first ${added.alg} key: the one FranceConnect+ encrypts to once published. Print the JWKS to publish with: franceconnect keys public\n`);
  } else {
    io.stdout(
      `It is published after the current ${added.alg} key, which FranceConnect+ keeps encrypting to.\n` +
        `Next: make every instance load the file (reload or restart them, see docs/keys.md) so that each can decrypt with the new key,\n` +
        `then run: franceconnect keys rotate --alg ${added.alg}\n`,
    );
  }
  return EXIT.ok;
}

async function change(context: KeysContext, apply: (jwks: PrivateJwksDocument) => KeySetChange, verb: string): Promise<number> {
  const { io } = context;
  const file = await readKeyFile(context.path);
  if (!file.exists) {
    throw new KeyFileError(`There is no key file at ${file.path}: create one with franceconnect keys generate --alg RSA-OAEP-256 (or give --file).`);
  }
  await keySetOf(file, { gracePeriodSeconds: context.grace });
  const result = apply(file.jwks);
  if (result.changes.length === 0) {
    io.stdout(`Nothing to do in ${file.path}: no retired key is past its grace period (${formatDuration(context.grace)}).\n`);
    return EXIT.ok;
  }
  await save(context, file, result);
  io.stdout(`${verb} keys in ${file.path}:\n`);
  for (const item of result.changes) io.stdout(`  ${describeChange(item, context)}\n`);
  if (result.changes.some((item) => item.to === 'current' || item.to === 'retired')) {
    io.stdout(
      'Make every instance load the file now (reload or restart them, see docs/keys.md): FranceConnect+ encrypts to the current key as soon as\n' +
        `it fetches the JWKS again, and a retired key decrypts tokens already on their way for ${formatDuration(context.grace)}.\n`,
    );
  }
  return EXIT.ok;
}

async function list(context: KeysContext): Promise<number> {
  const { io } = context;
  const file = await readKeyFile(context.path);
  if (!file.exists) throw new KeyFileError(`There is no key file at ${file.path}.`);
  const keySet = await keySetOf(file, { gracePeriodSeconds: context.grace, now: io.now });
  const rows = keySet.describeKeys().map((key) => [
    key.kid,
    key.use,
    key.alg,
    key.state,
    key.published ? 'yes' : 'no',
    key.state === 'retired'
      ? `${key.decrypts ? 'decrypts until' : 'expired'} ${isoTime(key.decryptsUntil ?? 0)}`
      : key.use === 'enc'
        ? 'decrypts'
        : '',
  ]);
  io.stdout(`${file.path}${modeNote(file)}\n`);
  io.stdout(formatTable(['kid', 'use', 'alg', 'state', 'published', 'decryption'], rows));
  return EXIT.ok;
}

async function printPublic(context: KeysContext): Promise<number> {
  const file = await readKeyFile(context.path);
  if (!file.exists) throw new KeyFileError(`There is no key file at ${file.path}.`);
  const keySet = await keySetOf(file);
  context.io.stdout(`${JSON.stringify(keySet.publicJwks(), null, 2)}\n`);
  return EXIT.ok;
}

/** Validates the changed key set as the application will load it, then writes it. */
async function save(context: KeysContext, file: KeyFile, result: KeySetChange): Promise<void> {
  if (result.jwks.keys.length > 0) await keySetOf({ path: file.path, jwks: result.jwks }, { gracePeriodSeconds: context.grace });
  await writeKeyFile(file, result.jwks);
}

function algAndUse(args: KeysArguments): { alg?: string; use?: 'enc' | 'sig' } {
  const { alg, use } = args;
  if (use !== undefined && use !== 'enc' && use !== 'sig') {
    throw new UsageError(`--use must be enc or sig; got ${JSON.stringify(use)}.`, KEYS_USAGE);
  }
  if (alg === undefined) return use === undefined ? {} : { use };
  const kind = isEncryptionAlg(alg) ? 'enc' : isSigningAlg(alg) ? 'sig' : undefined;
  if (kind === undefined) {
    throw new UsageError(`--alg ${JSON.stringify(alg)} is not supported: use ${ENCRYPTION_ALGS.join(', ')} (enc) or ${SIGNING_ALGS.join(', ')} (sig).`, KEYS_USAGE);
  }
  if (use !== undefined && use !== kind) {
    throw new UsageError(`--alg ${alg} is a${kind === 'enc' ? 'n encryption' : ' signing'} algorithm: it cannot be used with --use ${use}.`, KEYS_USAGE);
  }
  return { alg, use: kind };
}

function describeChange(item: KeyStateChange, context: KeysContext): string {
  const what = `${JSON.stringify(item.kid)} (${item.use} ${item.alg}): ${item.from} -> ${item.to}`;
  if (item.to !== 'retired') return what;
  return `${what}, decrypts until ${isoTime(retiredKeyExpiry(context.now, context.grace))}`;
}

function modeNote(file: KeyFile): string {
  return file.mode !== undefined && isReadableByOthers(file.mode)
    ? ` (warning: mode ${file.mode.toString(8).padStart(4, '0')} lets other users read private keys; chmod 600 it)`
    : '';
}

function isoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}
