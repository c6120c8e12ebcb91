import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, DEMO_FCP_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import type { FranceConnectError } from '../errors/franceconnect.errors.js';
import { generateEncryptionKey } from '../keys/index.js';
import { KeyService } from '../keys/key.service.js';
import type { FranceConnectModuleOptions } from '../options/franceconnect-options.interface.js';
import { resolveFranceConnectOptions, serviceKeyNeeds } from '../options/resolve-options.js';
import { PlatformRegistry } from './platform-registry.js';

// The registry's clients log their discoveries through Nest's logger: kept out of the test output.
Logger.overrideLogger(false);

let emulator: RunningFcEmulator;
const requests: string[] = [];
const discoveries = (platform: 'fc' | 'fcp') => requests.filter((line) => line.startsWith(`${platform} GET /api/v2/.well-known/openid-configuration`)).length;

beforeAll(async () => {
  emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: (line) => requests.push(line) });
});
afterAll(async () => emulator?.stop());

async function registry(raw: FranceConnectModuleOptions): Promise<PlatformRegistry> {
  const options = resolveFranceConnectOptions({ allowInsecureHttp: true, ...raw }, {});
  return new PlatformRegistry(options, await KeyService.load(serviceKeyNeeds(options)));
}

const franceConnect = () => ({ issuer: emulator.fc.issuer, clientId: DEMO_FC_CLIENT.client_id, clientSecret: DEMO_FC_CLIENT.client_secret, redirectUri: 'http://localhost:3000/auth/fc/callback' });
const franceConnectPlus = () => ({ issuer: emulator.fcp.issuer, clientId: DEMO_FCP_CLIENT.client_id, clientSecret: DEMO_FCP_CLIENT.client_secret, redirectUri: 'http://localhost:3000/auth/fcp/callback' });
const keys = async () => ({ jwks: { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] } });

/** Waits until `condition` holds, or fails after a second. */
async function eventually(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 1000) throw new Error('condition not met within a second');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PlatformRegistry', () => {
  it('holds one client per configured platform, the same one for the life of the process', async () => {
    const both = await registry({ franceConnect: franceConnect(), franceConnectPlus: franceConnectPlus(), keys: await keys() });
    expect(both.platforms).toEqual(['fc', 'fcp']);
    expect(both.get('fcp')).toBe(both.get('fcp'));
    expect(both.get('fc').platform).toMatchObject({ id: 'fc', issuer: emulator.fc.issuer, clientId: DEMO_FC_CLIENT.client_id });
    expect(both.get('fcp').platform).toMatchObject({ id: 'fcp', issuer: emulator.fcp.issuer, encryptionAlg: 'RSA-OAEP-256' });
  });

  it('says which option is missing when a route uses a platform that is not configured', async () => {
    const plusOnly = await registry({ franceConnectPlus: franceConnectPlus(), keys: await keys() });
    expect(plusOnly.platforms).toEqual(['fcp']);
    let thrown: FranceConnectError | undefined;
    try {
      plusOnly.get('fc');
    } catch (error) {
      thrown = error as FranceConnectError;
    }
    expect(thrown).toMatchObject({
      code: 'FC_INTERNAL_ERROR',
      status: 500,
      platform: 'fc',
      message: 'The franceConnect options are not set, but a route uses this platform',
    });
    const connectOnly = await registry({ franceConnect: franceConnect() });
    expect(() => connectOnly.get('fcp')).toThrow('The franceConnectPlus options are not set, but a route uses this platform');
  });

  it('discovers every platform in the background at start-up, so that the first sign-in does not wait', async () => {
    const both = await registry({ franceConnect: franceConnect(), franceConnectPlus: franceConnectPlus(), keys: await keys() });
    const before = { fc: discoveries('fc'), fcp: discoveries('fcp') };
    both.onApplicationBootstrap();
    await eventually(() => discoveries('fc') === before.fc + 1 && discoveries('fcp') === before.fcp + 1);
    await Promise.all([both.get('fc').configuration(), both.get('fcp').configuration()]);
    expect({ fc: discoveries('fc'), fcp: discoveries('fcp') }).toEqual({ fc: before.fc + 1, fcp: before.fcp + 1 });
  });

  it('starts even when a platform cannot be reached, and retries at the next sign-in', async () => {
    // A platform that accepts connections and drops them at once: each attempt at discovery is counted.
    let attempts = 0;
    const dropping = createNetServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropping.listen(0, '127.0.0.1', resolve));
    const port = (dropping.address() as AddressInfo).port;
    const unreachable = await registry({ franceConnect: { ...franceConnect(), issuer: `http://127.0.0.1:${port}/api/v2` }, discoveryRetryMs: 0 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      unreachable.onApplicationBootstrap();
      await eventually(() => attempts >= 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      const afterStart = attempts;
      await expect(unreachable.get('fc').configuration()).rejects.toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', message: 'FranceConnect is unavailable (unreachable)' });
      expect(attempts).toBeGreaterThan(afterStart);
      const afterFirst = attempts;
      await expect(unreachable.get('fc').configuration()).rejects.toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE' });
      // Not cached: the next sign-in tries the platform again.
      expect(attempts).toBeGreaterThan(afterFirst);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await new Promise((resolve) => dropping.close(resolve));
    }
  });
});
