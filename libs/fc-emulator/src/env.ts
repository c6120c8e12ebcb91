/**
 * Reads the emulator's options from environment variables, for the command line entry point.
 */
import { readClients } from './clients.js';
import type { StartFcEmulatorOptions } from './emulator.js';
import { EmulatorConfigurationError } from './errors.js';

/** Environment variables the command line reads; each one is optional. */
export const EMULATOR_ENV_VARS = Object.freeze({
  host: 'FC_EMULATOR_HOST',
  fcPort: 'FC_EMULATOR_FC_PORT',
  fcpPort: 'FC_EMULATOR_FCP_PORT',
  fcPublicUrl: 'FC_EMULATOR_FC_PUBLIC_URL',
  fcpPublicUrl: 'FC_EMULATOR_FCP_PUBLIC_URL',
  clients: 'FC_EMULATOR_CLIENTS',
  sameSubject: 'FC_EMULATOR_SAME_SUBJECT',
  cacheClientJwks: 'FC_EMULATOR_CACHE_CLIENT_JWKS',
  acceptPkce: 'FC_EMULATOR_ACCEPT_PKCE',
});

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/**
 * Options from `env` (unset variables keep the defaults of `startFcEmulator`).
 *
 * @throws {EmulatorConfigurationError} listing every malformed variable.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): StartFcEmulatorOptions {
  const options: StartFcEmulatorOptions = {};
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const host = value(EMULATOR_ENV_VARS.host);
  if (host !== undefined) options.host = host;

  for (const [key, name] of [
    ['fcPort', EMULATOR_ENV_VARS.fcPort],
    ['fcpPort', EMULATOR_ENV_VARS.fcpPort],
  ] as const) {
    const raw = value(name);
    if (raw === undefined) continue;
    if (!/^\d+$/.test(raw)) {
      problems.push(`${name} must be a port number, got "${raw}".`);
    } else {
      options[key] = Number(raw);
    }
  }

  for (const [key, name] of [
    ['fcPublicUrl', EMULATOR_ENV_VARS.fcPublicUrl],
    ['fcpPublicUrl', EMULATOR_ENV_VARS.fcpPublicUrl],
  ] as const) {
    const raw = value(name);
    if (raw !== undefined) options[key] = raw;
  }

  for (const key of ['sameSubject', 'cacheClientJwks', 'acceptPkce'] as const) {
    const raw = env[EMULATOR_ENV_VARS[key]]?.trim().toLowerCase();
    if (raw === undefined) continue;
    if (TRUE.has(raw)) options[key] = true;
    else if (FALSE.has(raw)) options[key] = false;
    else problems.push(`${EMULATOR_ENV_VARS[key]} must be true or false, got "${raw}".`);
  }

  const clients = value(EMULATOR_ENV_VARS.clients);
  if (clients !== undefined) {
    try {
      options.clients = [...readClients(clients, cwd)];
    } catch (error) {
      if (!(error instanceof EmulatorConfigurationError)) throw error;
      problems.push(...error.problems);
    }
  }

  if (problems.length > 0) throw new EmulatorConfigurationError(problems);
  return options;
}
