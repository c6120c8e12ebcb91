/**
 * Command line entry point: `node dist/apps/fc-emulator/src/main.js` (or `npm run emulator`).
 * Configuration comes from the environment variables listed in the README.
 */
import { optionsFromEnv } from './env.js';
import { startFcEmulator } from './emulator.js';
import { EmulatorConfigurationError } from './errors.js';

async function main(): Promise<void> {
  const emulator = await startFcEmulator(optionsFromEnv(process.env));
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[fc-emulator] ${signal} received, stopping`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('[fc-emulator] error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof EmulatorConfigurationError ? error.message : error);
  process.exitCode = 1;
});
