import { randomBytes } from 'node:crypto';

import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningFcEmulator } from '../../libs/fc-emulator/src/index.js';
import { completeEmulatorLogin, EmulatorFlowError } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import {
  callbackFor,
  fcClient,
  fcpClient,
  generateEncryptionKey,
  secretFor,
  startEmulatorWithJwks,
  type EmulatorWithJwks,
} from './fixtures.js';

const FCP_CLIENT = 'fcp-rules';
const FC_CLIENT = 'fc-rules';

/** A random value of `length` characters. */
function random(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/** Signs in as Angela DUBOIS from a fresh browser; returns the redirect back to the client. */
function callbackOf(url: URL): Promise<URL> {
  return completeEmulatorLogin(new HttpAgent(), url, { identity: 'angela-dubois' });
}

describe('emulator request rules', () => {
  let started: EmulatorWithJwks;
  let emulator: RunningFcEmulator;

  beforeAll(async () => {
    const key = await generateEncryptionKey('RSA-OAEP-256');
    started = await startEmulatorWithJwks([key.publicJwk], (jwksUrl) => [fcpClient(FCP_CLIENT, 'RSA-OAEP-256', jwksUrl), fcClient(FC_CLIENT)]);
    emulator = started.emulator;
  });

  afterAll(async () => {
    await started?.stop();
  });

  /** An FC+ authorization URL with valid parameters, minus `omit`, plus `set`. */
  function fcpAuthorizeUrl(set: Record<string, string> = {}, omit: readonly string[] = []): URL {
    const url = new URL(`${emulator.fcp.issuer}/authorize`);
    const parameters: Record<string, string> = {
      response_type: 'code',
      client_id: FCP_CLIENT,
      redirect_uri: callbackFor(FCP_CLIENT),
      scope: 'openid identite_pivot',
      acr_values: 'eidas2',
      state: random(32),
      nonce: random(32),
      ...set,
    };
    for (const [name, value] of Object.entries(parameters)) if (!omit.includes(name)) url.searchParams.set(name, value);
    return url;
  }

  it('accepts a request with the parameters FranceConnect requires', async () => {
    const callback = await callbackOf(fcpAuthorizeUrl());
    expect(callback.searchParams.has('code')).toBe(true);
  });

  // AuthorizeParamsDto (back/apps/core-fcp/src/dto/authorize-params.dto.ts): FranceConnect's error page, never
  // the service's callback.
  it.each([
    ['state is missing', {}, ['state']],
    ['nonce is missing', {}, ['nonce']],
    ['nonce is shorter than 22 characters', { nonce: random(21) }, []],
    ['acr_values is missing', {}, ['acr_values']],
    ['prompt is none', { prompt: 'none' }, []],
    ['prompt is select_account', { prompt: 'select_account' }, []],
    ['response_mode is sent', { response_mode: 'query' }, []],
    ['PKCE is sent', { code_challenge: random(43), code_challenge_method: 'S256' }, []],
    ['a parameter outside its list is sent', { foo: 'bar' }, []],
    ['login_hint is sent', { login_hint: 'angela' }, []],
  ] as const)('stops on the error page Y030007 when %s', async (_label, set, omit) => {
    const error = await callbackOf(fcpAuthorizeUrl(set, omit)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EmulatorFlowError);
    const { response } = error as EmulatorFlowError;
    expect(response.status).toBe(400);
    expect(response.body).toContain('<code id="error-code">Y030007</code>');
  });

  it('accepts prompt=login consent', async () => {
    const callback = await callbackOf(fcpAuthorizeUrl({ prompt: 'login consent' }));
    expect(callback.searchParams.has('code')).toBe(true);
  });

  it.each([
    ['an unknown client', { client_id: 'nobody' }],
    ['an unregistered redirect_uri', { redirect_uri: 'http://localhost:3999/elsewhere' }],
    ['a redirect_uri that differs by a trailing slash', { redirect_uri: `${callbackFor(FCP_CLIENT)}/` }],
  ])('stops %s on its own error page, without a stack trace', async (_label, set) => {
    const agent = new HttpAgent();
    const error = await completeEmulatorLogin(agent, fcpAuthorizeUrl(set), { identity: 'angela-dubois' }, { returnTo: 'http://localhost:3999/' }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EmulatorFlowError);
    const { response } = error as EmulatorFlowError;
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.body).toContain('<code id="error">');
    expect(response.body).not.toMatch(/\bat .+\.js:\d+/);
  });

  it('names the redirect_uri received and the registered ones on the page of an unregistered redirect_uri', async () => {
    const received = 'http://127.0.0.1:3999/callback/fcp-rules';
    const error = await completeEmulatorLogin(new HttpAgent(), fcpAuthorizeUrl({ redirect_uri: received }), { identity: 'angela-dubois' }, { returnTo: received }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const { response } = error as EmulatorFlowError;
    expect(response.status).toBe(400);
    expect(response.body).toContain('Y04C013C');
    expect(response.body).toContain(`received ${received}`);
    expect(response.body).toContain(`registered: ${callbackFor(FCP_CLIENT)}`);
  });

  it('accepts only client_secret_post at the token endpoint', async () => {
    const callback = await callbackOf(fcpAuthorizeUrl());
    const code = callback.searchParams.get('code') ?? '';
    const response = await fetch(`${emulator.fcp.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${FCP_CLIENT}:${secretFor(FCP_CLIENT)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callbackFor(FCP_CLIENT) }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a wrong client secret with invalid_client', async () => {
    const config = await client.discovery(
      new URL(emulator.fc.issuer),
      FC_CLIENT,
      { id_token_signed_response_alg: 'ES256' },
      client.ClientSecretPost('x'.repeat(40)),
      { execute: [client.allowInsecureRequests] },
    );
    const url = new URL(`${emulator.fc.issuer}/authorize`);
    const state = random(40);
    const nonce = random(40);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: FC_CLIENT,
      redirect_uri: callbackFor(FC_CLIENT),
      scope: 'openid',
      acr_values: 'eidas1',
      state,
      nonce,
    })) {
      url.searchParams.set(name, value);
    }
    const callback = await completeEmulatorLogin(new HttpAgent(), url, { identity: 'angela-dubois' });
    await expect(client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('lets an authorization code be used once only', async () => {
    const callback = await callbackOf(fcpAuthorizeUrl());
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') ?? '',
      redirect_uri: callbackFor(FCP_CLIENT),
      client_id: FCP_CLIENT,
      client_secret: secretFor(FCP_CLIENT),
    });
    const post = () => fetch(`${emulator.fcp.issuer}/token`, { method: 'POST', body });
    expect((await post()).status).toBe(200);
    const second = await post();
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ error: 'invalid_grant' });
  });
});
