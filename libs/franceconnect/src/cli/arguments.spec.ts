import { describe, expect, it } from 'vitest';
import { formatDuration, parseCommandLine, parseDuration, type CommandOptions } from './arguments.js';
import { UsageError } from './cli-io.js';

const USAGE = 'Usage: test [--file <path>] [--force] [--help]\n';
const OPTIONS = {
  file: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies CommandOptions;

function misuse(argv: string[]): UsageError {
  try {
    parseCommandLine(argv, OPTIONS, USAGE);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(argv)} was accepted`);
}

describe('parseCommandLine', () => {
  it('reads values, flags, short forms and positionals, the last value of an option winning', () => {
    const { values, positionals } = parseCommandLine(['list', '--file', 'a.json', '--force', '--file=b.json', '-h', '-', '--', '--force'], OPTIONS, USAGE);
    expect(values).toEqual({ file: 'b.json', force: true, help: true });
    expect(positionals).toEqual(['list', '-', '--force']);
  });

  it('leaves out the options not given', () => {
    expect(parseCommandLine([], OPTIONS, USAGE)).toEqual({ values: {}, positionals: [] });
  });

  it.each<[string, string[], string]>([
    ['an unknown option, with the options of the command', ['--fil', 'x'], 'Unknown option --fil (this command takes --file, --force, --help).'],
    ['an unknown short option', ['-x'], 'Unknown option -x (this command takes --file, --force, --help).'],
    ['an option without its value', ['--force', '--file'], '--file needs a value.'],
    ['an option followed by another option', ['--file', '--force'], '--file needs a value (it is followed by --force; write --file=--force if that is the value).'],
    ['an empty value', ['--file='], '--file needs a value.'],
    ['a value given to a flag', ['--force=yes'], '--force takes no value.'],
  ])('refuses %s', (_name, argv, message) => {
    const error = misuse(argv);
    expect(error.message).toBe(message);
    expect(error.usage).toBe(USAGE);
  });

  it('reports the first misuse of the command line', () => {
    expect(misuse(['--force=1', '--nope']).message).toBe('--force takes no value.');
    expect(misuse(['--nope', '--force=1']).message).toMatch(/^Unknown option --nope /);
  });

  it('says when a command takes no option at all', () => {
    expect(() => parseCommandLine(['--any'], {}, USAGE)).toThrow(new UsageError('Unknown option --any.', USAGE));
  });
});

describe('parseDuration and formatDuration', () => {
  it.each<[string, number]>([
    ['3600', 3600],
    ['90s', 90],
    ['15m', 900],
    ['24h', 86_400],
    ['2d', 172_800],
    ['1.5h', 5400],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text, '--grace', USAGE)).toBe(seconds);
  });

  it('refuses what is not a duration, naming the option', () => {
    expect(() => parseDuration('soon', '--grace', USAGE)).toThrow('--grace must be a duration such as 3600, 90s, 15m, 24h or 2d; got "soon".');
    expect(() => parseDuration('-5s', '--timeout', USAGE)).toThrow(UsageError);
  });

  it('formats seconds as the largest whole unit', () => {
    expect([172_800, 86_400, 5400, 90, 45, 0].map(formatDuration)).toEqual(['2d', '24h', '90m', '90s', '45s', '0s']);
  });
});
