import { startFcEmulator } from '../../fc-emulator/src/index.js';
import { KeyService } from '../../../libs/franceconnect/src/index.js';
import { createDemoApp } from './bootstrap.js';
import { demoConfigFromEnv } from './demo.config.js';

/**
 * `npm start`: the FranceConnect / FranceConnect+ emulator and the sample app in one process, with
 * nothing to install or configure. Press Ctrl+C to stop both.
 */
const config = demoConfigFromEnv();
const emulator = await startFcEmulator();
const app = await createDemoApp(config);
await app.listen(config.port);
// `kill -HUP <pid>` after changing the key file: new keys are used without a restart (docs/keys.md).
process.on('SIGHUP', () => {
  app.get(KeyService).reload().then(
    ({ changed }) => console.log(`Keys ${changed ? 'reloaded' : 'unchanged'}`),
    (error: Error) => console.error(`Keys not reloaded, the previous ones stay in use: ${error.message}`),
  );
});

console.log(`
  Sample app ready: open ${config.appUrl}
  FranceConnect emulator:  ${emulator.fc.issuer}
  FranceConnect+ emulator: ${emulator.fcp.issuer}
`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await app.close();
  await emulator.stop();
  process.exitCode = 0;
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
