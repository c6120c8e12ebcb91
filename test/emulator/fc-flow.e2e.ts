import { decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startFcEmulator, type RunningFcEmulator, type SigningAlg } from '../../libs/fc-emulator/src/index.js';
import { completeEmulatorLogin } from '../support/emulator-login.js';
import { HttpAgent, parseForms } from '../support/http-agent.js';
import { authorizationRequest, exchange, fcClient, relyingParty, segments } from './fixtures.js';

describe('FranceConnect emulator: signed authorization code flow', () => {
  let emulator: RunningFcEmulator;

  beforeAll(async () => {
    emulator = await startFcEmulator({
      fcPort: 0,
      fcpPort: 0,
      log: false,
      clients: [fcClient('fc-es256', 'ES256'), fcClient('fc-rs256', 'RS256')],
    });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it.each([
    ['fc-es256', 'ES256'],
    ['fc-rs256', 'RS256'],
  ] as const)('%s gets an ID token and a JWT userinfo signed %s, not encrypted', async (clientId, alg: SigningAlg) => {
    const config = await relyingParty(emulator.fc.issuer, clientId, { signing: alg });
    const request = await authorizationRequest(config, clientId, { acr_values: 'eidas1' });

    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'eric-mercier' });
    expect(callback.searchParams.get('iss')).toBe(emulator.fc.issuer);
    const tokens = await exchange(config, callback, request);

    const idToken = tokens.id_token ?? '';
    expect(segments(idToken)).toBe(3);
    expect(decodeProtectedHeader(idToken).alg).toBe(alg);
    expect(client.getDecryptedResponses(tokens)).toBeUndefined();
    expect(tokens.claims()).toMatchObject({ iss: emulator.fc.issuer, aud: clientId, acr: 'eidas1', amr: ['fc', 'pwd', 'mail'] });

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    expect(userinfo).toMatchObject({
      given_name: 'Eric Julien',
      family_name: 'MERCIER',
      birthdate: '1969-03-17',
      gender: 'male',
      birthplace: '13055',
      birthcountry: '99100',
      email: 'mercier_eric@mail.com',
      preferred_username: 'MERCIER-ROBERT',
    });

    const raw = await fetch(config.serverMetadata().userinfo_endpoint ?? '', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(raw.headers.get('content-type')).toMatch(/^application\/jwt/);
    const body = await raw.text();
    expect(segments(body)).toBe(3);
    expect(decodeProtectedHeader(body).alg).toBe(alg);
  });

  it('offers eidas1 only on its login page', async () => {
    const config = await relyingParty(emulator.fc.issuer, 'fc-es256');
    const request = await authorizationRequest(config, 'fc-es256', { acr_values: 'eidas1' });
    const { response } = await new HttpAgent().follow(request.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.body).toContain('<html lang="fr">');
    const login = parseForms(response.body, response.url).find((form) => form.action.pathname.endsWith('/login'));
    expect(login?.options.acr).toEqual(['eidas1']);
    expect(login?.options.identity?.length).toBeGreaterThanOrEqual(6);
  });

  it('answers a level it does not serve with error=invalid_acr', async () => {
    const config = await relyingParty(emulator.fc.issuer, 'fc-es256');
    const request = await authorizationRequest(config, 'fc-es256', { acr_values: 'eidas2' });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'eric-mercier' });
    expect(callback.searchParams.get('error')).toBe('invalid_acr');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('releases the FC-only claims idp_birthdate and given_name_array', async () => {
    const config = await relyingParty(emulator.fc.issuer, 'fc-es256');
    const request = await authorizationRequest(config, 'fc-es256', {
      acr_values: 'eidas1',
      scope: 'openid given_name idp_birthdate given_name_array',
    });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'angela-dubois' });
    const tokens = await exchange(config, callback, request);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    expect(userinfo).toMatchObject({
      given_name: 'Angela Claire Louise',
      given_name_array: ['Angela', 'Claire', 'Louise'],
      idp_birthdate: '1962-08-24',
    });
    expect(userinfo).not.toHaveProperty('family_name');
  });

  it('grants new scopes on single sign-on without showing a page', async () => {
    const config = await relyingParty(emulator.fc.issuer, 'fc-es256');
    const agent = new HttpAgent();
    const first = await authorizationRequest(config, 'fc-es256', { acr_values: 'eidas1', scope: 'openid' });
    await completeEmulatorLogin(agent, first.url, { identity: 'melaine-trois' });

    const variants: Array<Record<string, string>> = [{ scope: 'openid birth' }, { scope: 'openid birth', prompt: 'consent' }];
    for (const extra of variants) {
      const again = await authorizationRequest(config, 'fc-es256', { acr_values: 'eidas1', ...extra });
      const sso = await agent.follow(again.url, { stopAt: 'http://localhost:3999/' });
      expect(sso.stoppedAt?.searchParams.has('code')).toBe(true);
      const tokens = await exchange(config, sso.stoppedAt as URL, again);
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
      expect(userinfo).toMatchObject({ birthplace: '2A004', birthcountry: '99100' });
    }
  });

  it('redisplays the login page for an unknown identity', async () => {
    const config = await relyingParty(emulator.fc.issuer, 'fc-es256');
    const request = await authorizationRequest(config, 'fc-es256', { acr_values: 'eidas1' });
    const agent = new HttpAgent();
    const { response } = await agent.follow(request.url);
    const [login] = parseForms(response.body, response.url);
    expect(login).toBeDefined();
    const refused = await agent.submitForm(login!, { identity: 'nobody' });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('Identité inconnue');
  });
});
