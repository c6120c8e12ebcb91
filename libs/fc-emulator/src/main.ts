#!/usr/bin/env node
/**
 * The `franceconnect-emulator` executable of the package (here: `npm run emulator -- <flags>`, or
 * `node dist/libs/fc-emulator/src/main.js <flags>` once built). Starts FranceConnect and FranceConnect+ with
 * the clients the flags, a clients file or the FC_EMULATOR_* variables register; `--help` lists the flags.
 *
 * Exit codes: 0 after `--help` or a stop by SIGINT / SIGTERM; 1 when the emulator cannot start (a port in
 * use, oidc-provider not installed); 2 for a mistake on the command line or in the configuration.
 */
import { parseEmulatorArguments, type EmulatorCommand } from './cli-arguments.js';
import { EMULATOR_USAGE, moduleOptionsHint } from './cli-text.js';
import type { RunningFcEmulator, StartFcEmulatorOptions } from './emulator.js';
import { EmulatorConfigurationError } from './errors.js';

const PREFIX = '[fc-emulator]';

function fail(message: string, exitCode: number): void {
  console.error(message);
  process.exitCode = exitCode;
}

/** oidc-provider is an optional peer dependency of the package: only the emulator needs it. */
function isOidcProviderMissing(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes("'oidc-provider'");
}

/** The message for a port the emulator could not listen on, naming the flags that change it. */
function listenProblem(error: unknown): string | undefined {
  const { code, port } = error as { code?: unknown; port?: unknown };
  if (code === 'EADDRINUSE') {
    return `${PREFIX} port ${String(port)} is already in use: stop what listens there, or choose other ports with --fc-port and --fcp-port (0 picks a free port).`;
  }
  if (code === 'EACCES') return `${PREFIX} port ${String(port)} needs privileges: choose a port above 1023 with --fc-port and --fcp-port.`;
  return undefined;
}

async function main(): Promise<void> {
  let command: EmulatorCommand;
  try {
    command = parseEmulatorArguments(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof EmulatorConfigurationError)) throw error;
    return fail(`${error.message}\nUsage: franceconnect-emulator [options]; franceconnect-emulator --help lists them.`, 2);
  }
  if (command.kind === 'help') {
    process.stdout.write(EMULATOR_USAGE);
    return;
  }

  // Loaded only now, so that --help and command-line mistakes are answered without oidc-provider.
  let startFcEmulator: (options: StartFcEmulatorOptions) => Promise<RunningFcEmulator>;
  try {
    ({ startFcEmulator } = await import('./emulator.js'));
  } catch (error) {
    if (!isOidcProviderMissing(error)) throw error;
    return fail(`${PREFIX} the emulator runs on oidc-provider, which is not installed: npm install --save-dev oidc-provider`, 1);
  }

  let emulator: RunningFcEmulator;
  try {
    emulator = await startFcEmulator(command.options);
  } catch (error) {
    if (error instanceof EmulatorConfigurationError) return fail(error.message, 2);
    const problem = listenProblem(error);
    if (problem === undefined) throw error;
    return fail(problem, 1);
  }
  for (const line of moduleOptionsHint(emulator.fc.issuer, emulator.fcp.issuer)) console.log(`${PREFIX} ${line}`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${PREFIX} ${signal} received, stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${PREFIX} error while stopping`, error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
