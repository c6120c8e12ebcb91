import { formatDuration, parseArguments, parseDuration } from './arguments.js';
import { EXIT, UsageError } from './cli-io.js';
import type { CliIo } from './cli-io.js';
import { runDoctorChecks } from './doctor/doctor-checks.js';
import type { DoctorCheck } from './doctor/doctor-checks.js';
import { configFromEnv, configFromFile } from './doctor/doctor-config.js';
import { formatTable } from './table.js';
import { DOCTOR_USAGE } from './usage.js';

/** Default timeout of each HTTP request of the checks, seconds. */
const DEFAULT_TIMEOUT_SECONDS = 5;

/**
 * `franceconnect doctor`: checks a configuration before qualification and prints one line per check.
 * Exits with 1 when a check fails; warnings do not fail. Secrets are never printed, only whether they are
 * set.
 *
 * @throws {UsageError} for a wrong command line.
 */
export async function runDoctor(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArguments(argv, { config: 'string', dev: 'boolean', json: 'boolean', timeout: 'string', help: 'boolean' }, DOCTOR_USAGE);
  if (args.flags.has('help')) {
    io.stdout(DOCTOR_USAGE);
    return EXIT.ok;
  }
  if (args.positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(args.positionals[0])} for doctor.`, DOCTOR_USAGE);
  const timeoutSeconds = args.strings['timeout'] === undefined ? DEFAULT_TIMEOUT_SECONDS : parseDuration(args.strings['timeout'], '--timeout', DOCTOR_USAGE);
  if (timeoutSeconds <= 0) throw new UsageError('--timeout must be more than 0 seconds.', DOCTOR_USAGE);

  const configPath = args.strings['config'];
  const config = configPath === undefined ? configFromEnv(io.env, io.cwd) : await configFromFile(configPath, io.cwd);
  const checks = await runDoctorChecks(config, { dev: args.flags.has('dev'), timeoutMs: timeoutSeconds * 1000, io });
  const failures = checks.filter((check) => check.verdict === 'FAIL').length;
  const warnings = checks.filter((check) => check.verdict === 'warn').length;

  if (args.flags.has('json')) {
    io.stdout(`${JSON.stringify({ source: config.source, failures, warnings, checks }, null, 2)}\n`);
  } else {
    io.stdout(`Configuration from ${config.source}${args.flags.has('dev') ? ' (--dev: http://localhost allowed)' : ''}, HTTP timeout ${formatDuration(timeoutSeconds)}\n\n`);
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
