/**
 * The testing kit, used as a service would use it in its own test suite (this is the README's example):
 * start the emulator, register the service's clients, choose who signs in, drive the sign-in with an HTTP
 * client, read the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IDENTITIES, signInThroughApp, startFcEmulator, type RunningFcEmulator } from '../../libs/franceconnect/src/testing/index.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createDemoApp } from '../../apps/demo/src/bootstrap.js';
import { demoConfigFromEnv } from '../../apps/demo/src/demo.config.js';
import { demoClients, freePorts, writeServiceKeys } from '../support/demo-stack.js';

describe('testing kit', () => {
  let emulator: RunningFcEmulator;
  let app: NestExpressApplication;
  let appUrl: string;

  beforeAll(async () => {
    const [appPort] = await freePorts(1);
    appUrl = `http://localhost:${appPort}`;
    // The emulator on free ports, with the service's two client registrations.
    emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: demoClients(appUrl), log: false });
    // The service under test, pointed at the emulator's issuers.
    const config = demoConfigFromEnv({
      PORT: String(appPort),
      FC_ISSUER: emulator.fc.issuer,
      FCP_ISSUER: emulator.fcp.issuer,
      SP_KEYS_FILE: await writeServiceKeys(),
      DATABASE_URL: 'sqlite::memory:',
    });
    app = await createDemoApp(config, { logger: false });
    await app.listen(appPort);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('signs in with a chosen identity and level, without a browser', async () => {
    const { agent, response } = await signInThroughApp(emulator, 'fcp', { identity: 'melaine-trois', acr: 'eidas3' }, {
      appUrl,
      loginPath: '/auth/fcp/login',
    });
    expect(response.status).toBe(303);
    const me = await agent.request(`${appUrl}/me`, { headers: { accept: 'application/json' } });
    expect(JSON.parse(me.body)).toMatchObject({ provider: 'fcp', acr: 'eidas3', claims: { family_name: 'TROIS' } });
  });

  it('signs in with FranceConnect, and a cancel gives the service access_denied', async () => {
    const person = TEST_IDENTITIES.find((identity) => identity.id === 'javier-garcia')!;
    const signedIn = await signInThroughApp(emulator, 'fc', { identity: person.id }, { appUrl, loginPath: '/auth/fc/login' });
    const me = await signedIn.agent.request(`${appUrl}/me`, { headers: { accept: 'application/json' } });
    expect(JSON.parse(me.body)).toMatchObject({ provider: 'fc', acr: 'eidas1', amr: [] });

    const cancelled = await signInThroughApp(emulator, 'fcp', { cancel: true }, { appUrl, loginPath: '/auth/fcp/login' });
    expect(cancelled.callbackUrl.searchParams.get('error')).toBe('access_denied');
    expect(cancelled.response.status).toBe(401);
  });

  it('refuses an unknown identity or a level the platform does not give', () => {
    expect(() => emulator.nextSignIn('fcp', { identity: 'nobody' })).toThrow(/Unknown test identity "nobody"/);
    expect(() => emulator.nextSignIn('fcp', { identity: 'angela-dubois', acr: 'eidas1' })).toThrow(/does not return "eidas1"/);
  });
});
