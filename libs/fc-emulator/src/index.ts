/**
 * Local emulator of FranceConnect and FranceConnect+ for development and end-to-end tests.
 *
 * @example
 * ```ts
 * import { startFcEmulator } from '../libs/fc-emulator/src/index.js';
 *
 * const emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: false });
 * console.log(emulator.fc.issuer, emulator.fcp.issuer);
 * await emulator.stop();
 * ```
 */
export {
  ISSUER_PATH,
  startFcEmulator,
  type RunningFcEmulator,
  type RunningPlatform,
  type SigningKeyRotation,
  type StartFcEmulatorOptions,
} from './emulator.js';
export { readClients, validateClients, type EmulatorClientConfig } from './clients.js';
export { DEFAULT_CLIENTS, DEMO_FC_CLIENT, DEMO_FCP_CLIENT } from './default-clients.js';
export { EMULATOR_ENV_VARS, optionsFromEnv } from './env.js';
export { EmulatorConfigurationError } from './errors.js';
export { commonClaims, findIdentity, TEST_IDENTITIES, type TestIdentity } from './identities.js';
export type { ScriptedSignIn } from './interactions.js';
export { eidasLevel, type EidasLevel, type EncryptionAlg, type PlatformId, type SigningAlg } from './platforms.js';
export { AUTHORIZE_PARAMETERS, MIN_NONCE_LENGTH } from './core-checks.js';
export { entityIdOf, identityHash, subjectFor } from './subjects.js';
