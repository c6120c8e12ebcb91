import { createDemoApp } from './bootstrap.js';
import { demoConfigFromEnv } from './demo.config.js';

/** Runs the sample app alone, against whatever platform the environment names. */
const config = demoConfigFromEnv();
const app = await createDemoApp(config);
await app.listen(config.port);
console.log(`Sample app listening on ${config.appUrl} (FranceConnect+ issuer ${config.fcp.issuer})`);
