import { KeyService } from '../../../libs/franceconnect/src/index.js';
import { createDemoApp } from './bootstrap.js';
import { demoConfigFromEnv } from './demo.config.js';

/** Runs the sample app alone, against whatever platform the environment names. */
const config = demoConfigFromEnv();
const app = await createDemoApp(config);
await app.listen(config.port);
// `kill -HUP <pid>` after changing the key file: new keys are used without a restart (docs/keys.md).
process.on('SIGHUP', () => {
  app.get(KeyService).reload().then(
    ({ changed }) => console.log(`Keys ${changed ? 'reloaded' : 'unchanged'}`),
    (error: Error) => console.error(`Keys not reloaded, the previous ones stay in use: ${error.message}`),
  );
});
console.log(`Sample app listening on ${config.appUrl} (FranceConnect+ issuer ${config.fcp.issuer})`);
