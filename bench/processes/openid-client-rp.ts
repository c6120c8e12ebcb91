/**
 * What the two relying parties written directly on openid-client v6 share (the bare one on `node:http`,
 * bench/processes/bare-rp.process.ts, and the one written by hand in Nest,
 * bench/processes/nest-rp.process.ts): their registration with the platform, their keys, and the
 * authorization request FranceConnect+ requires.
 */
import { readFile } from 'node:fs/promises';
import { importJWK, type JWK } from 'jose';
import * as client from 'openid-client';

/** What the parent gives such a relying party. */
export interface OpenIdClientRpConfig {
  readonly port: number;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The private JWKS file the sample app uses too. */
  readonly keysFile: string;
  readonly encryptionAlg: string;
  readonly acrValues: string;
  readonly scope: string;
}

/** A relying party's openid-client configuration, and the public keys it serves. */
export interface OpenIdClientRp {
  readonly configuration: client.Configuration;
  /** The public JWKS the platform encrypts to, as served (JSON). */
  readonly publicJwks: string;
}

/**
 * Discovers the platform and configures openid-client as FranceConnect+ requires: `client_secret_post`,
 * ES256 signatures of the ID token and userinfo verified (`enableNonRepudiationChecks`), both decrypted
 * (`enableDecryptingResponses`: A256GCM, the registered key management, the sample app's private keys).
 */
export async function configureOpenIdClientRp(options: OpenIdClientRpConfig, redirectUri: string): Promise<OpenIdClientRp> {
  const { keys: privateJwks } = JSON.parse(await readFile(options.keysFile, 'utf8')) as { keys: JWK[] };
  const registered = privateJwks.filter((jwk) => jwk.alg === options.encryptionAlg);
  const decryptionKeys = await Promise.all(
    registered.map(async (jwk) => ({ key: (await importJWK(jwk, jwk.alg)) as CryptoKey, kid: jwk.kid, alg: jwk.alg })),
  );
  // Public members only: the private ones are dropped.
  const publicJwks = JSON.stringify({
    keys: registered.map(({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicMembers }) => publicMembers),
  });
  const configuration = await client.discovery(
    new URL(options.issuer),
    options.clientId,
    {
      client_secret: options.clientSecret,
      redirect_uris: [redirectUri],
      id_token_signed_response_alg: 'ES256',
      userinfo_signed_response_alg: 'ES256',
      id_token_encrypted_response_alg: options.encryptionAlg,
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_encrypted_response_alg: options.encryptionAlg,
      userinfo_encrypted_response_enc: 'A256GCM',
    },
    client.ClientSecretPost(options.clientSecret),
    { execute: [client.allowInsecureRequests] },
  );
  client.enableDecryptingResponses(configuration, ['A256GCM'], ...decryptionKeys);
  client.enableNonRepudiationChecks(configuration);
  return { configuration, publicJwks };
}

/** A new sign-in transaction: `state` and `nonce`, openid-client's generators. */
export interface AuthorizationTransaction {
  readonly state: string;
  readonly nonce: string;
}

/**
 * The authorization request FranceConnect+ takes (`state`, `nonce`, `acr_values`; no PKCE, which its core
 * refuses, and no `amr` claims request, which the library does not send by default), and the transaction
 * to keep until the callback.
 */
export async function authorizationRequest(
  rp: OpenIdClientRp,
  options: OpenIdClientRpConfig,
  redirectUri: string,
): Promise<{ readonly url: URL; readonly transaction: AuthorizationTransaction }> {
  const transaction = { state: client.randomState(), nonce: client.randomNonce() };
  const url = client.buildAuthorizationUrl(rp.configuration, {
    redirect_uri: redirectUri,
    scope: options.scope,
    state: transaction.state,
    nonce: transaction.nonce,
    acr_values: options.acrValues,
  });
  return { url, transaction };
}

/**
 * The callback's protocol steps: the code exchanged (`state` and `nonce` checked), the ID
 * token decrypted and verified, then the userinfo, decrypted and verified. Returns the ID token's claims
 * and the userinfo.
 */
export async function completeSignIn(
  rp: OpenIdClientRp,
  callbackUrl: URL,
  transaction: AuthorizationTransaction,
): Promise<{ readonly claims: client.IDToken; readonly userinfo: client.UserInfoResponse; readonly idToken: string }> {
  const tokens = await client.authorizationCodeGrant(rp.configuration, callbackUrl, {
    expectedState: transaction.state,
    expectedNonce: transaction.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  const userinfo = await client.fetchUserInfo(rp.configuration, tokens.access_token, claims.sub);
  return { claims, userinfo, idToken: tokens.id_token! };
}
