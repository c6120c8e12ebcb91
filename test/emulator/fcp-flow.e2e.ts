import { decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startFcEmulator, type EncryptionAlg, type RunningFcEmulator } from '../../libs/fc-emulator/src/index.js';
import { completeEmulatorLogin } from '../support/emulator-login.js';
import { HttpAgent, parseForms } from '../support/http-agent.js';
import { startJwksServer, type JwksServer } from '../support/jwks-server.js';
import {
  authorizationRequest,
  callbackFor,
  exchange,
  fcpClient,
  generateEncryptionKey,
  relyingParty,
  segments,
  type RpEncryptionKey,
} from './fixtures.js';

const ALGS: readonly EncryptionAlg[] = ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'];
const clientIdFor = (alg: EncryptionAlg): string => `fcp-${alg.toLowerCase()}`;

describe('FranceConnect+ emulator: encrypted authorization code flow', () => {
  let emulator: RunningFcEmulator;
  let jwks: JwksServer;
  const keys = new Map<EncryptionAlg, RpEncryptionKey>();

  beforeAll(async () => {
    for (const alg of ALGS) keys.set(alg, await generateEncryptionKey(alg));
    jwks = await startJwksServer([...keys.values()].map((key) => key.publicJwk));
    emulator = await startFcEmulator({
      fcPort: 0,
      fcpPort: 0,
      log: false,
      clients: ALGS.map((alg) => fcpClient(clientIdFor(alg), alg, jwks.url)),
    });
  });

  afterAll(async () => {
    await emulator?.stop();
    await jwks?.close();
  });

  async function rpFor(alg: EncryptionAlg) {
    const key = keys.get(alg);
    if (key === undefined) throw new Error(`no key for ${alg}`);
    return { key, config: await relyingParty(emulator.fcp.issuer, clientIdFor(alg), { decryptWith: key }) };
  }

  it.each(ALGS)('signs ES256 then encrypts ID token and userinfo with %s and A256GCM', async (alg) => {
    const { key, config } = await rpFor(alg);
    const request = await authorizationRequest(config, clientIdFor(alg), { acr_values: 'eidas2' });

    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'angela-dubois' });
    expect(callback.href.startsWith(callbackFor(clientIdFor(alg)))).toBe(true);
    expect(callback.searchParams.get('iss')).toBe(emulator.fcp.issuer);
    expect(callback.searchParams.get('state')).toBe(request.state);

    const tokens = await exchange(config, callback, request);

    // The raw ID token is a JWE to our key, nesting a JWS signed ES256.
    const idToken = tokens.id_token ?? '';
    expect(segments(idToken)).toBe(5);
    expect(decodeProtectedHeader(idToken)).toMatchObject({ alg, enc: 'A256GCM', cty: 'JWT', kid: key.kid });
    const inner = client.getDecryptedResponses(tokens)?.id_token?.token_endpoint;
    expect(inner).toBeDefined();
    expect(segments(inner ?? '')).toBe(3);
    expect(decodeProtectedHeader(inner ?? '').alg).toBe('ES256');

    const claims = tokens.claims();
    expect(claims).toMatchObject({ iss: emulator.fcp.issuer, aud: clientIdFor(alg), acr: 'eidas2', amr: ['fc', 'pwd'], nonce: request.nonce });
    expect(claims?.sub).toMatch(/^[0-9a-f]{64}v1$/);
    expect(typeof claims?.auth_time).toBe('number');
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(60);
    expect(claims).not.toHaveProperty('given_name');
    expect(tokens.expires_in).toBe(60);

    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '');
    expect(userinfo).toMatchObject({
      sub: claims?.sub,
      given_name: 'Angela Claire Louise',
      family_name: 'DUBOIS',
      birthdate: '1962-08-24',
      gender: 'female',
      birthplace: '75107',
      birthcountry: '99100',
      email: 'wossewodda-3728@yopmail.com',
      preferred_username: '',
    });
    const innerUserinfo = client.getDecryptedResponses(userinfo);
    expect(typeof innerUserinfo).toBe('string');
    expect(decodeProtectedHeader(innerUserinfo as string).alg).toBe('ES256');

    // And on the wire, userinfo is an encrypted application/jwt.
    const raw = await fetch(config.serverMetadata().userinfo_endpoint ?? '', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(raw.headers.get('content-type')).toMatch(/^application\/jwt/);
    const body = await raw.text();
    expect(segments(body)).toBe(5);
    expect(decodeProtectedHeader(body)).toMatchObject({ alg, enc: 'A256GCM', cty: 'JWT' });
  });

  it('returns the level the person chose: eidas2 asked, eidas3 chosen', async () => {
    const { config } = await rpFor('RSA-OAEP-256');
    const request = await authorizationRequest(config, clientIdFor('RSA-OAEP-256'), { acr_values: 'eidas2' });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'melaine-trois', acr: 'eidas3' });
    const claims = (await exchange(config, callback, request)).claims();
    expect(claims?.acr).toBe('eidas3');
    expect(claims?.amr).toEqual(['fc', 'pop', 'pin', 'mfa']);
  });

  it('keeps the lowest known level of several acr_values and preselects it', async () => {
    const { config } = await rpFor('RSA-OAEP-256');
    // connexion-acr-fcp-high.feature: "eidas3 eidas2" gives eidas2, an unknown value is ignored.
    const request = await authorizationRequest(config, clientIdFor('RSA-OAEP-256'), { acr_values: 'eidas3 eidas2 foo' });
    const agent = new HttpAgent();
    const { response } = await agent.follow(request.url);
    const login = parseForms(response.body, response.url).find((form) => form.action.pathname.endsWith('/login'));
    expect(login?.fields.acr).toBe('eidas2');
    expect(login?.options.acr).toEqual(['eidas2', 'eidas3']);

    const callback = await completeEmulatorLogin(agent, request.url, { identity: 'angela-dubois' });
    expect((await exchange(config, callback, request)).claims()?.acr).toBe('eidas2');
  });

  it('answers acr_values=eidas1 with error=invalid_acr on the callback, with state and iss', async () => {
    const { config } = await rpFor('ECDH-ES');
    const request = await authorizationRequest(config, clientIdFor('ECDH-ES'), { acr_values: 'eidas1' });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'angela-dubois' });
    expect(callback.searchParams.get('error')).toBe('invalid_acr');
    expect(callback.searchParams.get('error_description')).toContain('eidas1');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(emulator.fcp.issuer);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('sends error=access_denied when the person cancels', async () => {
    const { config } = await rpFor('RSA-OAEP');
    const request = await authorizationRequest(config, clientIdFor('RSA-OAEP'), { acr_values: 'eidas2' });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { cancel: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(emulator.fcp.issuer);
    await expect(exchange(config, callback, request)).rejects.toThrow(client.AuthorizationResponseError);
  });

  it('gives a foreign eIDAS identity amr eidas, an empty birthplace and no rnipp claims', async () => {
    const { config } = await rpFor('RSA-OAEP-256');
    const request = await authorizationRequest(config, clientIdFor('RSA-OAEP-256'), {
      acr_values: 'eidas2',
      scope: 'openid identite_pivot rnipp_birthplace',
    });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'javier-garcia' });
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.amr).toEqual(['fc', 'eidas']);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    expect(userinfo).toMatchObject({ family_name: 'GARCIA', birthplace: '', birthcountry: '99134' });
    expect(userinfo).not.toHaveProperty('rnipp_birthplace');
    expect(userinfo).not.toHaveProperty('email');
  });

  it('releases rnipp_* claims on request for a person known to the civil registry', async () => {
    const { config } = await rpFor('RSA-OAEP-256');
    const request = await authorizationRequest(config, clientIdFor('RSA-OAEP-256'), {
      acr_values: 'eidas2',
      scope: 'openid birth rnipp_birthplace rnipp_family_name',
    });
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'david-vingttrois' });
    const tokens = await exchange(config, callback, request);
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
    expect(userinfo).toMatchObject({ birthplace: '', birthcountry: '99350', rnipp_birthplace: '', rnipp_family_name: 'VINGTTROIS' });
    expect(userinfo).not.toHaveProperty('given_name');
  });

  it('leaves amr out of the ID token unless the claims parameter asks for it', async () => {
    const { config } = await rpFor('RSA-OAEP-256');
    const request = await authorizationRequest(config, clientIdFor('RSA-OAEP-256'), { acr_values: 'eidas2' });
    request.url.searchParams.delete('claims');
    const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'angela-dubois' });
    const claims = (await exchange(config, callback, request)).claims();
    expect(claims?.acr).toBe('eidas2');
    expect(claims).not.toHaveProperty('amr');
  });

  it('offers single sign-on for eidas2 only, as FranceConnect+ does', async () => {
    const { config } = await rpFor('RSA-OAEP-256');
    const clientId = clientIdFor('RSA-OAEP-256');
    const agent = new HttpAgent();
    const first = await authorizationRequest(config, clientId, { acr_values: 'eidas2' });
    await completeEmulatorLogin(agent, first.url, { identity: 'angela-dubois', acr: 'eidas3' });

    const again = await authorizationRequest(config, clientId, { acr_values: 'eidas2' });
    const sso = await agent.follow(again.url, { stopAt: callbackFor(clientId) });
    expect(sso.stoppedAt?.searchParams.has('code')).toBe(true);
    // An answer without a new sign-in carries the level asked for, not the session's (scenario "identité
    // élevé renvoyée par FI" of connexion-sso-fcp-high.feature).
    expect((await exchange(config, sso.stoppedAt as URL, again)).claims()?.acr).toBe('eidas2');

    const high = await authorizationRequest(config, clientId, { acr_values: 'eidas3' });
    const page = await agent.follow(high.url, { stopAt: callbackFor(clientId) });
    expect(page.stoppedAt).toBeUndefined();
    expect(page.response.status).toBe(200);
    expect(page.response.body).toContain('name="identity"');
  });
});
