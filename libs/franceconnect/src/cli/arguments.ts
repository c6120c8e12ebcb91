import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-io.js';

/** The options a command accepts, as `node:util`'s `parseArgs` takes them: `--name` with a value (`string`) or without (`boolean`). */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** What `parseArgs` returns for `options`, read strictly, positionals allowed. */
export type ParsedCommandLine<T extends CommandOptions> = ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>>;

/**
 * Reads a command line with `node:util`'s `parseArgs`, strictly: `--name value`, `--name=value`, `--flag`
 * and the declared short forms; everything else is positional, and `--` ends the options. An option given
 * twice keeps the last value.
 *
 * @throws {UsageError} for an unknown option (the message lists the command's options), an option without
 *   its value (or followed by another option, or given an empty one), or a value given to a flag.
 */
export function parseCommandLine<const T extends CommandOptions>(argv: readonly string[], options: T, usage: string): ParsedCommandLine<T> {
  let parsed: ParsedCommandLine<T>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    throw new UsageError(describeMisuse(argv, options) ?? error.message.split('\n')[0] ?? error.message, usage);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    // parseArgs takes `--file=` as an empty value; no option of these commands means anything by it.
    if (value === '') throw new UsageError(`--${name} needs a value.`, usage);
  }
  return parsed;
}

function isParseArgsError(error: unknown): error is Error & { code: string } {
  const code: unknown = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/**
 * The first misuse in `argv`, said the way this command line says it. parseArgs's own messages explain its
 * syntax rather than the command: the tokens of a lenient reading tell which word is wrong, and why, in
 * the order the strict reading met it.
 */
function describeMisuse(argv: readonly string[], options: CommandOptions): string | undefined {
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) {
      const known = Object.keys(options).map((option) => `--${option}`);
      return `Unknown option ${token.rawName}${known.length > 0 ? ` (this command takes ${known.join(', ')})` : ''}.`;
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined) return `${token.rawName} takes no value.`;
      continue;
    }
    if (token.value === undefined) return `${token.rawName} needs a value.`;
    // Without '=', a word starting with '-' is read as the next option, not as this one's value.
    if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      return `${token.rawName} needs a value (it is followed by ${token.value}; write ${token.rawName}=${token.value} if that is the value).`;
    }
  }
  return undefined;
}

/**
 * Parses a duration: a number of seconds, or a number followed by `s`, `m`, `h` or `d` (`90s`, `15m`,
 * `24h`, `2d`). Returns seconds.
 *
 * @throws {UsageError} when the text is not a duration.
 */
export function parseDuration(text: string, option: string, usage: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`${option} must be a duration such as 3600, 90s, 15m, 24h or 2d; got ${JSON.stringify(text)}.`, usage);
  }
  const factor = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(match[1]) * factor);
}

/** Formats seconds as the largest whole unit (`24h`, `90m`, `45s`). */
export function formatDuration(seconds: number): string {
  if (seconds >= 2 * 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
