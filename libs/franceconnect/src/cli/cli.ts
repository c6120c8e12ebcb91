import { FranceConnectError } from '../errors/franceconnect.errors.js';
import { EXIT, UsageError, processIo } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { runDoctor } from './doctor.command.js';
import { runKeys } from './keys.command.js';
import { MAIN_USAGE } from './usage.js';

/**
 * Runs the `franceconnect` command line with `argv` (the arguments after the program name) and returns
 * the exit code: 0 done, 1 failed (a refused change, a failed check), 2 misuse (the usage is printed).
 * Never calls `process.exit`; `io` defaults to the process' streams, environment, clock and `fetch`.
 *
 * @example
 * ```ts
 * const code = await run(['keys', 'generate', '--alg', 'RSA-OAEP-256', '--file', 'sp-keys.json']);
 * ```
 */
export async function run(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli: CliIo = { ...processIo(), ...io };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'keys':
        return await runKeys(rest, cli);
      case 'doctor':
        return await runDoctor(rest, cli);
      case 'help':
      case '--help':
      case '-h':
        cli.stdout(MAIN_USAGE);
        return EXIT.ok;
      case undefined:
        cli.stderr(MAIN_USAGE);
        return EXIT.usage;
      default:
        throw new UsageError(`Unknown command ${JSON.stringify(command)}.`, MAIN_USAGE);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      cli.stderr(`error: ${error.message}\n\n${error.usage}`);
      return EXIT.usage;
    }
    // The library's errors name files, kids, algorithms and options, never key material.
    if (error instanceof FranceConnectError) {
      cli.stderr(`error: ${error.message}\n`);
      return EXIT.failure;
    }
    cli.stderr(`error: unexpected failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return EXIT.failure;
  }
}
