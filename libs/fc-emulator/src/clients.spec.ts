import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { describeClient, readClients, toClientMetadata, validateClients, type EmulatorClientConfig } from './clients.js';
import { DEFAULT_CLIENTS } from './default-clients.js';
import { EmulatorConfigurationError } from './errors.js';
import { FC, FCP } from './platforms.js';

const fcp: EmulatorClientConfig = {
  platform: 'fcp',
  client_id: 'sp',
  client_secret: 's'.repeat(32),
  redirect_uris: ['http://localhost:3000/cb'],
  jwks_uri: 'http://localhost:3000/jwks',
};

function problemsOf(raw: unknown): string[] {
  try {
    validateClients(raw);
  } catch (error) {
    if (error instanceof EmulatorConfigurationError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('clients', () => {
  it('ships clients.json with exactly the built-in default clients', () => {
    const file = JSON.parse(readFileSync(new URL('../clients.json', import.meta.url), 'utf8')) as unknown;
    expect(file).toEqual(DEFAULT_CLIENTS);
    expect(validateClients(file)).toEqual(DEFAULT_CLIENTS);
  });

  it('lists every problem of a registration', () => {
    const problems = problemsOf([
      { ...fcp, platform: 'fc', jwks_uri: undefined, userinfo_encrypted_response_alg: 'RSA-OAEP', colour: 'blue' },
      { ...fcp, client_secret: 'short', redirect_uris: ['not a url'], id_token_signed_response_alg: 'RS256' },
    ]);
    expect(problems).toEqual([
      expect.stringContaining('unknown field "colour"'),
      expect.stringContaining('userinfo_encrypted_response_alg is not supported on FranceConnect'),
      expect.stringContaining('client_secret must be a string of at least 32 characters'),
      expect.stringContaining('redirect_uris contains "not a url"'),
      expect.stringContaining('id_token_signed_response_alg on FranceConnect+ is "RS256"'),
      'client "sp" is registered twice; client ids must be unique.',
    ]);
  });

  it('requires an array', () => {
    expect(problemsOf({ clients: [] })).toEqual(['clients must be a JSON array of client registrations.']);
  });

  it('reads inline JSON or a file', () => {
    expect(readClients(JSON.stringify([fcp]))).toEqual([fcp]);
    const dir = mkdtempSync(join(tmpdir(), 'fc-emulator-'));
    writeFileSync(join(dir, 'clients.json'), JSON.stringify([fcp]));
    try {
      expect(readClients('clients.json', dir)).toEqual([fcp]);
      expect(() => readClients('missing.json', dir)).toThrow(/cannot read the clients file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => readClients('[oops')).toThrow(/not valid JSON/);
  });

  it('applies the platform choices to the metadata', () => {
    expect(toClientMetadata(fcp, FCP)).toMatchObject({
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_encrypted_response_alg: 'RSA-OAEP-256',
      userinfo_encrypted_response_enc: 'A256GCM',
    });
    expect(toClientMetadata({ ...fcp, userinfo_encrypted_response_alg: 'ECDH-ES' }, FCP)).toMatchObject({
      id_token_encrypted_response_alg: 'ECDH-ES',
      userinfo_encrypted_response_alg: 'ECDH-ES',
    });
    const fc = toClientMetadata({ ...fcp, platform: 'fc', jwks_uri: undefined, id_token_signed_response_alg: 'RS256' }, FC);
    expect(fc).toMatchObject({ id_token_signed_response_alg: 'RS256', userinfo_signed_response_alg: 'ES256' });
    expect(fc).not.toHaveProperty('id_token_encrypted_response_alg');
  });

  it('registers private_key_jwt clients, verified with their jwks_uri, without a secret', () => {
    const { client_secret: _secret, ...withoutSecret } = fcp;
    const signed: EmulatorClientConfig = { ...withoutSecret, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256' };
    expect(validateClients([signed])).toEqual([signed]);
    const metadata = toClientMetadata(signed, FCP);
    expect(metadata).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', jwks_uri: fcp.jwks_uri });
    expect(metadata).not.toHaveProperty('client_secret');
    expect(toClientMetadata(fcp, FCP)).not.toHaveProperty('token_endpoint_auth_signing_alg');
  });

  it('refuses client_secret_basic, private_key_jwt without jwks_uri, and an assertion alg without private_key_jwt', () => {
    const { client_secret: _secret, ...withoutSecret } = fcp;
    expect(
      problemsOf([
        { ...fcp, token_endpoint_auth_method: 'client_secret_basic' },
        { ...withoutSecret, client_id: 'fc-signed', platform: 'fc', jwks_uri: undefined, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'HS256' },
        { ...fcp, client_id: 'other', token_endpoint_auth_signing_alg: 'ES256' },
        { ...withoutSecret, client_id: 'no-secret' },
      ]),
    ).toEqual([
      'client "sp": token_endpoint_auth_method is "client_secret_basic"; use one of client_secret_post, private_key_jwt.',
      expect.stringContaining('client "fc-signed": jwks_uri is required with private_key_jwt'),
      'client "fc-signed": token_endpoint_auth_signing_alg on FranceConnect is "HS256"; use one of ES256, RS256.',
      'client "other": token_endpoint_auth_signing_alg is only for private_key_jwt; remove it.',
      'client "no-secret": client_secret must be a string of at least 32 characters.',
    ]);
  });

  // clientAuthSigningAlgValues of back/instances/core-fcp-high/src/config/oidc-provider.ts.
  it('refuses an RS256 client assertion on FranceConnect+, and a claim other than amr', () => {
    expect(
      problemsOf([
        { ...fcp, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256' },
        { ...fcp, client_id: 'claims', claims: ['amr', 'email'] as unknown as ['amr'] },
      ]),
    ).toEqual([
      'client "sp": token_endpoint_auth_signing_alg on FranceConnect+ is "RS256"; use one of ES256.',
      'client "claims": claims entry is "email"; use one of amr.',
    ]);
  });

  it('describes a registration for the start-up log without its secret', () => {
    expect(describeClient({ ...fcp, post_logout_redirect_uris: ['http://localhost:3000/bye'] })).toBe(
      'sp on FranceConnect+; redirect_uris http://localhost:3000/cb; post_logout_redirect_uris http://localhost:3000/bye; jwks_uri http://localhost:3000/jwks',
    );
    expect(describeClient(fcp)).not.toContain(fcp.client_secret);
  });
});
