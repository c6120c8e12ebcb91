import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningFcEmulator } from '../../libs/fc-emulator/src/index.js';
import { completeEmulatorLogin, completeEmulatorLogout, EmulatorFlowError } from '../support/emulator-login.js';
import { HttpAgent, parseForms } from '../support/http-agent.js';
import {
  authorizationRequest,
  callbackFor,
  exchange,
  fcClient,
  fcpClient,
  generateEncryptionKey,
  POST_LOGOUT_URI,
  relyingParty,
  startEmulatorWithJwks,
  type EmulatorWithJwks,
  type RpEncryptionKey,
} from './fixtures.js';

const FCP_CLIENT = 'fcp-logout';
const FC_CLIENT = 'fc-logout';

describe('emulator logout and revocation', () => {
  let started: EmulatorWithJwks;
  let emulator: RunningFcEmulator;
  let key: RpEncryptionKey;

  beforeAll(async () => {
    key = await generateEncryptionKey('ECDH-ES');
    started = await startEmulatorWithJwks([key.publicJwk], (jwksUrl) => [fcpClient(FCP_CLIENT, 'ECDH-ES', jwksUrl), fcClient(FC_CLIENT)]);
    emulator = started.emulator;
  });

  afterAll(async () => {
    await started?.stop();
  });

  /** Signs in on FC+ with a fresh agent; returns the agent, the RP configuration and the tokens. */
  async function signedInOnFcp() {
    const config = await relyingParty(emulator.fcp.issuer, FCP_CLIENT, { decryptWith: key });
    const agent = new HttpAgent();
    const request = await authorizationRequest(config, FCP_CLIENT, { acr_values: 'eidas2' });
    const tokens = await exchange(config, await completeEmulatorLogin(agent, request.url, { identity: 'angela-dubois' }), request);
    return { config, agent, tokens };
  }

  it('logs out with the inner signed ID token as id_token_hint and comes back with state', async () => {
    const { config, agent, tokens } = await signedInOnFcp();
    const innerIdToken = client.getDecryptedResponses(tokens)?.id_token?.token_endpoint ?? '';
    const state = client.randomState();
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: innerIdToken,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state,
    });

    // The confirmation page is one auto-submitted form: a plain HTTP client posts it itself.
    const page = await agent.follow(endSession);
    expect(page.response.status).toBe(200);
    const [form] = parseForms(page.response.body, page.response.url);
    expect(form?.fields).toMatchObject({ logout: 'yes' });
    expect(form?.fields.xsrf).toBeTruthy();

    const back = await completeEmulatorLogout(agent, endSession);
    expect(back.origin + back.pathname).toBe(POST_LOGOUT_URI);
    expect(back.searchParams.get('state')).toBe(state);

    // The session is gone: the next sign-in shows the login page again, even at eidas2.
    const next = await authorizationRequest(config, FCP_CLIENT, { acr_values: 'eidas2' });
    const reopened = await agent.follow(next.url, { stopAt: callbackFor(FCP_CLIENT) });
    expect(reopened.stoppedAt).toBeUndefined();
    expect(reopened.response.body).toContain('name="identity"');

    // The grant went with the session: the access token no longer works.
    await expect(client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '')).rejects.toThrow();
  });

  it('logs out of FranceConnect too', async () => {
    const config = await relyingParty(emulator.fc.issuer, FC_CLIENT);
    const agent = new HttpAgent();
    const request = await authorizationRequest(config, FC_CLIENT, { acr_values: 'eidas1' });
    const tokens = await exchange(config, await completeEmulatorLogin(agent, request.url, { identity: 'hugo-vingtsix' }), request);
    const state = client.randomState();
    const back = await completeEmulatorLogout(
      agent,
      client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: POST_LOGOUT_URI, state }),
    );
    expect(back.searchParams.get('state')).toBe(state);
  });

  it.each([
    ['without id_token_hint', (_jwe: string, _jws: string) => ({})],
    ['with the encrypted ID token as id_token_hint', (jwe: string, _jws: string) => ({ id_token_hint: jwe })],
    ['with an unregistered post_logout_redirect_uri', (_jwe: string, jws: string) => ({ id_token_hint: jws, post_logout_redirect_uri: 'http://localhost:3999/elsewhere' })],
  ])('refuses a logout %s on its error page', async (_label, hint) => {
    const { config, agent, tokens } = await signedInOnFcp();
    const inner = client.getDecryptedResponses(tokens)?.id_token?.token_endpoint ?? '';
    const endSession = client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: client.randomState(),
      ...hint(tokens.id_token ?? '', inner),
    });
    const error = await completeEmulatorLogout(agent, endSession, { returnTo: POST_LOGOUT_URI }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EmulatorFlowError);
    expect((error as EmulatorFlowError).response.status).toBe(400);
    expect((error as EmulatorFlowError).response.body).toContain('<code id="error">invalid_request</code>');
  });

  it('revokes an access token (RFC 7009)', async () => {
    const { config, tokens } = await signedInOnFcp();
    const sub = tokens.claims()?.sub ?? '';
    await expect(client.fetchUserInfo(config, tokens.access_token, sub)).resolves.toMatchObject({ sub });

    await client.tokenRevocation(config, tokens.access_token);

    const response = await fetch(config.serverMetadata().userinfo_endpoint ?? '', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
  });

  // FranceConnect's RevocationTokenParamsDTO wants client_id and client_secret in the body.
  it('refuses revocation with client_secret_basic', async () => {
    const { tokens } = await signedInOnFcp();
    const response = await fetch(`${emulator.fcp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${FCP_CLIENT}:x`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Y000400');
  });
});
