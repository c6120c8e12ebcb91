import { UsageError } from './cli-io.js';

/** The options a command accepts: each `--name` takes a value (`string`) or none (`boolean`). */
export type OptionSpec = Readonly<Record<string, 'string' | 'boolean'>>;

/** Parsed command line: positional words, and the options given. */
export interface ParsedArguments {
  readonly positionals: readonly string[];
  readonly strings: Readonly<Record<string, string>>;
  readonly flags: ReadonlySet<string>;
}

/**
 * Parses `--name value`, `--name=value` and `--flag` against `spec`; everything else is positional. `--`
 * ends the options. An option given twice keeps the last value.
 *
 * @throws {UsageError} for an unknown option, a missing value, or a value given to a flag.
 */
export function parseArguments(argv: readonly string[], spec: OptionSpec, usage: string): ParsedArguments {
  const positionals: string[] = [];
  const strings: Record<string, string> = {};
  const flags = new Set<string>();
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] as string;
    if (argument === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!argument.startsWith('--') || argument === '--') {
      if (argument.startsWith('-') && argument !== '-') {
        throw new UsageError(`Unknown option ${argument}: options are written --name.`, usage);
      }
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf('=');
    const name = argument.slice(2, equals === -1 ? undefined : equals);
    const kind = spec[name];
    if (kind === undefined) {
      const known = Object.keys(spec).map((option) => `--${option}`);
      throw new UsageError(`Unknown option --${name}${known.length > 0 ? ` (this command takes ${known.join(', ')})` : ''}.`, usage);
    }
    if (kind === 'boolean') {
      if (equals !== -1) throw new UsageError(`--${name} takes no value.`, usage);
      flags.add(name);
      continue;
    }
    const value = equals === -1 ? argv[index + 1] : argument.slice(equals + 1);
    if (value === undefined || value === '' || (equals === -1 && value.startsWith('--'))) {
      throw new UsageError(`--${name} needs a value.`, usage);
    }
    strings[name] = value;
    if (equals === -1) index += 1;
  }
  return { positionals, strings, flags };
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
