import { DEFAULT_CLIENTS, startFcEmulator, type EmulatorClientConfig } from '../../../libs/fc-emulator/src/index.js';
import { KeyService } from '../../../libs/franceconnect/src/index.js';
import { createDemoApp } from './bootstrap.js';
import { demoConfigFromEnv, type DemoConfig } from './demo.config.js';

/** The emulator's default clients, registered with the token endpoint authentication the app uses (FCP_TOKEN_AUTH, FC_TOKEN_AUTH). */
function emulatorClients(config: DemoConfig): EmulatorClientConfig[] {
  return DEFAULT_CLIENTS.map((client) => {
    if (config[client.platform].tokenEndpointAuthMethod !== 'private_key_jwt') return { ...client };
    const { client_secret: _secret, ...registration } = client;
    return {
      ...registration,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: client.jwks_uri ?? `${config.appUrl}/.well-known/jwks.json`,
    };
  });
}

/**
 * `npm start`: the FranceConnect / FranceConnect+ emulator and the sample app in one process, with
 * nothing to install or configure. Press Ctrl+C to stop both.
 */
const config = demoConfigFromEnv();
const emulator = await startFcEmulator({ clients: emulatorClients(config) });
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
