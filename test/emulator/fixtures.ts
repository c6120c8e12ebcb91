/**
 * Shared pieces of the emulator's end-to-end tests: a relying party built with openid-client v6, its
 * keys, and the test clients registered with the emulator.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import * as client from 'openid-client';

import {
  startFcEmulator,
  type EmulatorClientConfig,
  type EncryptionAlg,
  type RunningFcEmulator,
  type SigningAlg,
  type StartFcEmulatorOptions,
} from '../../libs/fc-emulator/src/index.js';
import { startJwksServer, type JwksServer } from '../support/jwks-server.js';

/** Where the test relying party pretends to live; nothing listens there, the agent stops before. */
export const RP_ORIGIN = 'http://localhost:3999';
export const POST_LOGOUT_URI = `${RP_ORIGIN}/logout/callback`;

/** A client secret of the required length, derived from the client id. */
export function secretFor(clientId: string): string {
  return `${clientId}-secret-0123456789abcdefghijklmnopqrstuvwxyz`;
}

/** Callback URL of a test client. */
export function callbackFor(clientId: string): string {
  return `${RP_ORIGIN}/callback/${clientId}`;
}

/** An encryption key pair of the relying party. */
export interface RpEncryptionKey {
  alg: EncryptionAlg;
  kid: string;
  privateKey: CryptoKey;
  /** Public JWK with `kid`, `alg` and `use: "enc"`, as published at the jwks_uri. */
  publicJwk: JWK;
}

/** Generates an encryption key for `alg`: RSA 2048 for RSA-OAEP*, P-256 for ECDH-ES. */
export async function generateEncryptionKey(alg: EncryptionAlg): Promise<RpEncryptionKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048, crv: 'P-256' });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'enc' } };
}

/** An FC client registration for the tests. */
export function fcClient(clientId: string, signing: SigningAlg = 'ES256'): EmulatorClientConfig {
  return {
    platform: 'fc',
    client_id: clientId,
    client_secret: secretFor(clientId),
    redirect_uris: [callbackFor(clientId)],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    id_token_signed_response_alg: signing,
    userinfo_signed_response_alg: signing,
    claims: ['amr'],
  };
}

/** An FC+ client registration for the tests, encrypting with `alg` to the keys at `jwksUri`. */
export function fcpClient(clientId: string, alg: EncryptionAlg, jwksUri: string): EmulatorClientConfig {
  return {
    platform: 'fcp',
    client_id: clientId,
    client_secret: secretFor(clientId),
    redirect_uris: [callbackFor(clientId)],
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    jwks_uri: jwksUri,
    id_token_encrypted_response_alg: alg,
    userinfo_encrypted_response_alg: alg,
    claims: ['amr'],
  };
}

/**
 * An openid-client configuration for a test client, with the checks FranceConnect requires of a
 * service provider: `client_secret_post`, signatures verified (`enableNonRepudiationChecks`), and on
 * FC+ decryption with the registered key and `A256GCM` only.
 */
export async function relyingParty(
  issuer: string,
  clientId: string,
  options: { signing?: SigningAlg; decryptWith?: RpEncryptionKey } = {},
): Promise<client.Configuration> {
  const signing = options.signing ?? 'ES256';
  const config = await client.discovery(
    new URL(issuer),
    clientId,
    { id_token_signed_response_alg: signing, userinfo_signed_response_alg: signing },
    client.ClientSecretPost(secretFor(clientId)),
    { execute: [client.allowInsecureRequests] },
  );
  client.enableNonRepudiationChecks(config);
  if (options.decryptWith !== undefined) {
    const { privateKey, alg, kid } = options.decryptWith;
    client.enableDecryptingResponses(config, ['A256GCM'], { key: privateKey, alg, kid });
  }
  return config;
}

/** Parameters of an authorization request as FranceConnect wants it, with fresh state and nonce. */
export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
}

/** The `claims` parameter asking for `amr` in the ID token, the only use FranceConnect makes of it. */
export const AMR_CLAIMS = JSON.stringify({ id_token: { amr: { essential: true } } });

/**
 * Builds an authorization URL with state, nonce, the `amr` claims request (the test clients' registrations
 * allow it) and the given extra parameters. No PKCE: FranceConnect refuses it.
 */
export async function authorizationRequest(
  config: client.Configuration,
  clientId: string,
  parameters: Record<string, string>,
): Promise<AuthorizationRequest> {
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callbackFor(clientId),
    scope: 'openid identite_pivot email preferred_username',
    state,
    nonce,
    claims: AMR_CLAIMS,
    ...parameters,
  });
  return { url, state, nonce };
}

/** Exchanges the callback URL for tokens, checking state and nonce. */
export function exchange(
  config: client.Configuration,
  callback: URL,
  request: AuthorizationRequest,
): ReturnType<typeof client.authorizationCodeGrant> {
  return client.authorizationCodeGrant(config, callback, {
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
}

/** Number of dot-separated segments of a compact JOSE value: 3 for a JWS, 5 for a JWE. */
export function segments(compact: string): number {
  return compact.split('.').length;
}

/** A silent emulator on free ports, and the JWKS server its FC+ clients publish their keys on. */
export interface EmulatorWithJwks {
  readonly emulator: RunningFcEmulator;
  readonly jwks: JwksServer;
  stop(): Promise<void>;
}

/**
 * Starts a JWKS server publishing `keys` (public JWKs), then the emulator with the clients `clients`
 * builds for that server's URL.
 */
export async function startEmulatorWithJwks(
  keys: readonly JWK[],
  clients: (jwksUrl: string) => EmulatorClientConfig[],
  options: Omit<StartFcEmulatorOptions, 'clients' | 'fcPort' | 'fcpPort' | 'log'> = {},
): Promise<EmulatorWithJwks> {
  const jwks = await startJwksServer(keys);
  try {
    const emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: false, ...options, clients: clients(jwks.url) });
    return {
      emulator,
      jwks,
      stop: async () => {
        await emulator.stop();
        await jwks.close();
      },
    };
  } catch (error) {
    await jwks.close();
    throw error;
  }
}
