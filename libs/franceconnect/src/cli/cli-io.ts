import { FranceConnectError } from '../errors/franceconnect.errors.js';

/**
 * Everything the command line reaches outside itself, so that `run()` can be called from a test with
 * captured output, a fixed clock and another environment.
 */
export interface CliIo {
  /** Writes text to standard output (a line ends with `\n`, included). */
  readonly stdout: (text: string) => void;
  /** Writes text to standard error. */
  readonly stderr: (text: string) => void;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths start from. */
  readonly cwd: string;
  /** The clock, epoch milliseconds. */
  readonly now: () => number;
  /** HTTP client of the `doctor` checks. */
  readonly fetch: typeof globalThis.fetch;
}

/** The process' own streams, environment, directory, clock and `fetch`. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    now: Date.now,
    fetch: globalThis.fetch,
  };
}

/** Thrown for a command line that cannot be run as given: the usage is printed and the exit code is 2. */
export class UsageError extends FranceConnectError {
  override readonly code = 'FC_CLI_USAGE';

  /**
   * @param message what is wrong, in one sentence.
   * @param usage the usage text of the command concerned.
   */
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Exit codes of the command line. */
export const EXIT = Object.freeze({
  /** Done, or every check passed (warnings included). */
  ok: 0,
  /** The command ran and failed: a refused change, an unreadable file, a failed check. */
  failure: 1,
  /** The command line is wrong: unknown command or option, missing value. */
  usage: 2,
});
