import { decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  EmulatorConfigurationError,
  entityIdOf,
  findIdentity,
  startFcEmulator,
  subjectFor,
  TEST_IDENTITIES,
  type RunningFcEmulator,
} from '../../libs/fc-emulator/src/index.js';
import { completeEmulatorLogin } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import { PRIVATE_JWK_MEMBERS, startJwksServer, type JwksServer } from '../support/jwks-server.js';
import {
  authorizationRequest,
  callbackFor,
  exchange,
  fcClient,
  fcpClient,
  generateEncryptionKey,
  relyingParty,
  type RpEncryptionKey,
} from './fixtures.js';

const FC_CLIENT = 'fc-platforms';
const FCP_CLIENT = 'fcp-platforms';

describe('emulator platforms: keys, subjects, sessions, logs', () => {
  let jwks: JwksServer;
  let key: RpEncryptionKey;
  let emulator: RunningFcEmulator;
  const logLines: string[] = [];

  const clients = () => [fcClient(FC_CLIENT), fcpClient(FCP_CLIENT, 'RSA-OAEP-256', jwks.url)];
  /** The sub the test clients (one service, one entity id: their redirect URIs' host) get for a test identity. */
  const subOf = (id: string, platform: 'fc' | 'fcp'): string => subjectFor(findIdentity(id)!, entityIdOf(fcClient(FC_CLIENT)), platform, false);

  beforeAll(async () => {
    key = await generateEncryptionKey('RSA-OAEP-256');
    jwks = await startJwksServer([key.publicJwk]);
    emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: clients(), log: (line) => logLines.push(line) });
  });

  afterAll(async () => {
    await emulator?.stop();
    await jwks?.close();
  });

  /** Signs `identity` in on a platform with `agent`; returns the ID token claims and the raw ID token. */
  async function signIn(platform: 'fc' | 'fcp', identity: string, agent = new HttpAgent(), on: RunningFcEmulator = emulator) {
    const clientId = platform === 'fc' ? FC_CLIENT : FCP_CLIENT;
    const config = await relyingParty(on[platform].issuer, clientId, platform === 'fcp' ? { decryptWith: key } : {});
    const request = await authorizationRequest(config, clientId, { acr_values: platform === 'fc' ? 'eidas1' : 'eidas2' });
    const tokens = await exchange(config, await completeEmulatorLogin(agent, request.url, { identity }), request);
    return { claims: tokens.claims(), idToken: tokens.id_token ?? '' };
  }

  it.each(['fc', 'fcp'] as const)('publishes public signing keys only on the %s JWKS', async (platform) => {
    const response = await fetch(`${emulator[platform].issuer}/jwks`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: JWK[] };
    expect(keys.map((jwk) => jwk.alg).toSorted()).toEqual(platform === 'fc' ? ['ES256', 'RS256'] : ['ES256']);
    for (const jwk of keys) {
      for (const member of PRIVATE_JWK_MEMBERS) expect(jwk).not.toHaveProperty(member);
      expect(jwk).toMatchObject({ use: 'sig' });
      expect(jwk.kid).toBeTruthy();
    }
    const discovery = (await (await fetch(`${emulator[platform].issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: emulator[platform].issuer,
      jwks_uri: `${emulator[platform].issuer}/jwks`,
      authorization_endpoint: `${emulator[platform].issuer}/authorize`,
      end_session_endpoint: `${emulator[platform].issuer}/session/end`,
      revocation_endpoint: `${emulator[platform].issuer}/token/revocation`,
      authorization_response_iss_parameter_supported: true,
      // client_secret_basic is not enabled; private_key_jwt is, with clientAuthSigningAlgValues of
      // back/instances/core-fcp-{high,low}/src/config/oidc-provider.ts.
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: platform === 'fc' ? ['ES256', 'RS256'] : ['ES256'],
    });
  });

  it('gives different subs on FC and FC+ by default, stable and pairwise per platform', async () => {
    const fc = await signIn('fc', 'angela-dubois');
    const fcp = await signIn('fcp', 'angela-dubois');
    expect(fc.claims?.sub).not.toBe(fcp.claims?.sub);
    expect(fc.claims?.sub).toBe(subOf('angela-dubois', 'fc'));
    expect(fcp.claims?.sub).toBe(subOf('angela-dubois', 'fcp'));
  });

  it('gives the same sub on FC and FC+ with sameSubject', async () => {
    const shared = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: clients(), log: false, sameSubject: true });
    try {
      const fc = await signIn('fc', 'angela-dubois', new HttpAgent(), shared);
      const fcp = await signIn('fcp', 'angela-dubois', new HttpAgent(), shared);
      expect(fc.claims?.sub).toMatch(/^[0-9a-f]{64}v1$/);
      expect(fc.claims?.sub).toBe(fcp.claims?.sub);
    } finally {
      await shared.stop();
    }
  });

  it('tells namesakes apart', () => {
    const namesakes = TEST_IDENTITIES.filter((person) => person.family_name === 'MARTIN' && person.given_name === 'Jean Pierre');
    expect(namesakes).toHaveLength(2);
    expect(namesakes[0]?.birthdate).not.toBe(namesakes[1]?.birthdate);
    const subs = namesakes.map((person) => subjectFor(person, 'service.example.fr', 'fcp', false));
    expect(subs[0]).not.toBe(subs[1]);
  });

  it('keeps an FC session and an FC+ session apart in one browser', async () => {
    const browser = new HttpAgent();
    await signIn('fc', 'eric-mercier', browser);
    await signIn('fcp', 'angela-dubois', browser);

    // Back on FC, the FC session is still there: single sign-on, for the FC identity.
    const config = await relyingParty(emulator.fc.issuer, FC_CLIENT);
    const request = await authorizationRequest(config, FC_CLIENT, { acr_values: 'eidas1' });
    const sso = await browser.follow(request.url, { stopAt: callbackFor(FC_CLIENT) });
    expect(sso.stoppedAt?.searchParams.has('code')).toBe(true);
    const claims = (await exchange(config, sso.stoppedAt as URL, request)).claims();
    expect(claims?.sub).toBe(subOf('eric-mercier', 'fc'));
  });

  it("sees a relying party's key rotation at once, using the first matching key", async () => {
    // A first sign-in makes the emulator fetch (and oidc-provider would normally cache) the old key set.
    await signIn('fcp', 'angela-dubois');
    const rotated = await generateEncryptionKey('RSA-OAEP-256');
    jwks.setKeys([rotated.publicJwk, key.publicJwk]);
    try {
      const config = await relyingParty(emulator.fcp.issuer, FCP_CLIENT, { decryptWith: rotated });
      const request = await authorizationRequest(config, FCP_CLIENT, { acr_values: 'eidas2' });
      const tokens = await exchange(config, await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'angela-dubois' }), request);
      expect(decodeProtectedHeader(tokens.id_token ?? '').kid).toBe(rotated.kid);
    } finally {
      jwks.setKeys([key.publicJwk]);
    }
  });

  it('logs one line per request, without query strings', async () => {
    logLines.length = 0;
    await signIn('fcp', 'angela-dubois');
    const requests = logLines.filter((line) => / \d{3} \d+ms$/.test(line));
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const line of requests) expect(line).toMatch(/^(fc|fcp) (GET|POST) \/\S* \d{3} \d+ms$/);
    expect(logLines.join('\n')).not.toMatch(/[?&](code|state|nonce|id_token_hint)=/);
    expect(requests.some((line) => line.startsWith('fcp POST /api/v2/token 200'))).toBe(true);
  });

  it('restarts on the same ports right after stop', async () => {
    const first = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: clients(), log: false });
    const fcPort = Number(new URL(first.fc.issuer).port);
    const fcpPort = Number(new URL(first.fcp.issuer).port);
    // A kept-alive connection must not hold stop() open.
    await fetch(`${first.fc.issuer}/.well-known/openid-configuration`).then((response) => response.text());
    await first.stop();
    const second = await startFcEmulator({ fcPort, fcpPort, clients: clients(), log: false });
    expect(second.fc.issuer).toBe(first.fc.issuer);
    await second.stop();
    await second.stop();
  });

  it('refuses an invalid configuration with every problem listed', async () => {
    const error = await startFcEmulator({
      fcPort: 0,
      fcpPort: 0,
      log: false,
      clients: [
        { ...fcClient('dup'), client_secret: 'short' },
        { ...fcClient('dup') },
        { ...fcpClient('no-jwks', 'RSA-OAEP', jwks.url), jwks_uri: undefined },
        { ...fcClient('fc-enc'), id_token_encrypted_response_alg: 'RSA-OAEP' },
      ],
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EmulatorConfigurationError);
    const { problems } = error as EmulatorConfigurationError;
    expect(problems.join('\n')).toMatch(/client_secret must be a string of at least 32/);
    expect(problems.join('\n')).toMatch(/registered twice/);
    expect(problems.join('\n')).toMatch(/jwks_uri is required/);
    expect(problems.join('\n')).toMatch(/not supported on FranceConnect/);
  });
});
