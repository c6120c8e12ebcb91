import { resolve } from 'node:path';
import { formatDuration, parseCommandLine, parseDuration } from './arguments.js';
import type { CommandOptions } from './arguments.js';
import { EXIT, UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { runDoctorChecks } from './doctor/doctor-checks.js';
import type { DoctorCheck } from './doctor/doctor-checks.js';
import { DEFAULT_CONFIG_FILES, findConfigFile, loadDoctorConfig } from './doctor/doctor-config.js';
import { formatTable } from './table.js';
import { DOCTOR_USAGE } from './usage.js';

/** Default timeout of each HTTP request of the checks, seconds. */
const DEFAULT_TIMEOUT_SECONDS = 5;

const DOCTOR_OPTIONS = {
  config: { type: 'string' },
  dev: { type: 'boolean' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies CommandOptions;

/**
 * `franceconnect doctor`: checks the module options of a configuration file before qualification and
 * prints one line per check. Exits with 1 when a check fails (options that do not resolve included);
 * warnings do not fail. Secrets are never printed, only whether they are set.
 *
 * @throws {UsageError} for a wrong command line, or when no configuration file is given or found.
 * @throws {ConfigFileError} when the configuration file cannot be loaded or gives no options object.
 */
export async function runDoctor(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: args, positionals } = parseCommandLine(argv, DOCTOR_OPTIONS, DOCTOR_USAGE);
  if (args.help) {
    io.stdout(DOCTOR_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])} for doctor.`, DOCTOR_USAGE);
  const timeoutSeconds = args.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : parseDuration(args.timeout, '--timeout', DOCTOR_USAGE);
  if (timeoutSeconds <= 0) throw new UsageError('--timeout must be more than 0 seconds.', DOCTOR_USAGE);

  const path = args.config === undefined ? await findConfigFile(io.cwd) : resolve(io.cwd, args.config);
  if (path === undefined) {
    throw new UsageError(
      `No configuration file: ${io.cwd} has none of ${DEFAULT_CONFIG_FILES.join(', ')}. Write one whose default export is the options ` +
        'your application gives FranceConnectPlusModule.forRoot() (or the function it gives forRootAsync), as below, or give --config <file>.',
      DOCTOR_USAGE,
    );
  }
  const config = await loadDoctorConfig(path, io.env);
  const checks = await runDoctorChecks(config, { dev: args.dev === true, timeoutMs: timeoutSeconds * 1000, io });
  const failures = checks.filter((check) => check.verdict === 'FAIL').length;
  const warnings = checks.filter((check) => check.verdict === 'warn').length;

  if (args.json) {
    io.stdout(`${JSON.stringify({ source: config.source, failures, warnings, checks }, null, 2)}\n`);
  } else {
    io.stdout(`Configuration from ${config.source}${args.dev ? ' (--dev: http://localhost allowed)' : ''}, HTTP timeout ${formatDuration(timeoutSeconds)}\n\n`);
    io.stdout(formatTable(['check', 'verdict', 'detail'], checks.map((check: DoctorCheck) => [check.name, check.verdict, check.detail])));
    io.stdout(`\n${summary(failures, warnings)}\n`);
  }
  return failures > 0 ? EXIT.failure : EXIT.ok;
}

function summary(failures: number, warnings: number): string {
  const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (failures === 0 && warnings === 0) return 'Every check passed.';
  return `${plural(failures, 'failure')}, ${plural(warnings, 'warning')}.${failures > 0 ? ' Fix the failures before qualification.' : ''}`;
}
