/**
 * FranceConnect's contract for the discovery document, re-expressed against the emulator: api-discovery.feature
 * (france-connect/sources, tag fc-392RC1, `quality/fcp/cypress/integration/api/`), with the members of its
 * strict DTOs (`quality/fcp/cypress/support/api/dto/get-discovery.dto.ts`, validated with whitelist and
 * forbidNonWhitelisted: every member required, no other allowed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ContractEmulator, FCP_HIGH, FCP_LOW, type Platform } from './contract-support.js';

/** `GetDiscoveryDto`: the discovery document "sans chiffrement". */
const WITHOUT_ENCRYPTION = [
  'acr_values_supported',
  'authorization_endpoint',
  'claims_parameter_supported',
  'claims_supported',
  'code_challenge_methods_supported',
  'end_session_endpoint',
  'grant_types_supported',
  'id_token_signing_alg_values_supported',
  'issuer',
  'jwks_uri',
  'authorization_response_iss_parameter_supported',
  'response_modes_supported',
  'response_types_supported',
  'scopes_supported',
  'subject_types_supported',
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'token_endpoint',
  'request_object_signing_alg_values_supported',
  'request_parameter_supported',
  'request_uri_parameter_supported',
  'userinfo_endpoint',
  'userinfo_signing_alg_values_supported',
  'revocation_endpoint',
  'claim_types_supported',
];
/** Optional members of `GetDiscoveryDto`. */
const OPTIONAL = ['require_request_uri_registration', 'dpop_signing_alg_values_supported'];
/** `GetDiscoveryWithEncryptionDto`: "avec chiffrement" adds these. */
const WITH_ENCRYPTION = [
  ...WITHOUT_ENCRYPTION,
  'id_token_encryption_alg_values_supported',
  'id_token_encryption_enc_values_supported',
  'userinfo_encryption_alg_values_supported',
  'userinfo_encryption_enc_values_supported',
  'request_object_encryption_alg_values_supported',
  'request_object_encryption_enc_values_supported',
];

let contract: ContractEmulator;

beforeAll(async () => {
  contract = await ContractEmulator.start([
    { id: 'contract-discovery-fcp', platform: 'fcp' },
    { id: 'contract-discovery-fc', platform: 'fc' },
  ]);
});

afterAll(async () => {
  await contract?.stop();
});

/** GETs the discovery document and checks the status and headers both scenarios check first. */
async function discovery(platform: Platform): Promise<Record<string, unknown>> {
  const response = await fetch(`${contract.issuer(platform)}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.getSetCookie()).toEqual([]);
  return (await response.json()) as Record<string, unknown>;
}

/**
 * "… contient uniquement …": exactly these values. FranceConnect's step compares arrays in order; the
 * order of a discovery list means nothing to a service, so the values are compared sorted.
 */
function only(values: unknown): string[] {
  return Array.isArray(values) ? values.map(String).toSorted() : [];
}

/** "le corps de la réponse contient une configuration openid …": exactly the DTO's members. */
function expectMembers(document: Record<string, unknown>, members: readonly string[]): void {
  const present = Object.keys(document).filter((name) => !OPTIONAL.includes(name));
  expect(present.toSorted()).toEqual([...members].toSorted());
}

describe('api-discovery.feature', () => {
  // api-discovery.feature: "API discovery - fcp-low"
  it(`API discovery - fcp-low (${FCP_LOW.tag}): configuration openid "sans chiffrement", exactly its members`, async () => {
    expectMembers(await discovery('fc'), WITHOUT_ENCRYPTION);
  });

  // api-discovery.feature: "API discovery - fcp-low"
  it(`API discovery - fcp-low (${FCP_LOW.tag}): values`, async () => {
    const document = await discovery('fc');
    expect(only(document.acr_values_supported)).toEqual(only(['eidas1']));
    expect(document.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'preferred_username', 'idp_birthdate']));
    expect(document.scopes_supported).not.toContain('offline_access');
    expect(document.scopes_supported).not.toContain('address');
    expect(document.claims_supported).toEqual(expect.arrayContaining(['sub', 'given_name', 'given_name_array', 'amr', 'acr']));
    for (const absent of [
      'id_token_encryption_alg_values_supported',
      'id_token_encryption_enc_values_supported',
      'userinfo_encryption_alg_values_supported',
      'userinfo_encryption_enc_values_supported',
      'backchannel_logout_supported',
      'backchannel_logout_session_supported',
    ]) {
      expect(document).not.toHaveProperty(absent);
    }
    expect(only(document.id_token_signing_alg_values_supported)).toEqual(only(['HS256', 'ES256', 'RS256']));
    expect(only(document.userinfo_signing_alg_values_supported)).toEqual(only(['HS256', 'ES256', 'RS256']));
  });

  // api-discovery.feature: "API discovery - fcp-high"
  it(`API discovery - fcp-high (${FCP_HIGH.tag}): configuration openid "avec chiffrement", exactly its members`, async () => {
    expectMembers(await discovery('fcp'), WITH_ENCRYPTION);
  });

  // api-discovery.feature: "API discovery - fcp-high"
  it(`API discovery - fcp-high (${FCP_HIGH.tag}): values`, async () => {
    const document = await discovery('fcp');
    expect(only(document.acr_values_supported)).toEqual(only(['eidas2', 'eidas3']));
    expect(document.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'preferred_username', 'rnipp_birth']));
    expect(document.scopes_supported).not.toContain('offline_access');
    expect(document.claims_supported).toEqual(expect.arrayContaining(['sub', 'given_name', 'rnipp_given_name_array', 'amr', 'acr']));
    expect(only(document.id_token_signing_alg_values_supported)).toEqual(only(['ES256']));
    expect(only(document.userinfo_signing_alg_values_supported)).toEqual(only(['ES256']));
    expect(only(document.id_token_encryption_alg_values_supported)).toEqual(only(['ECDH-ES', 'RSA-OAEP', 'RSA-OAEP-256']));
    expect(only(document.id_token_encryption_enc_values_supported)).toEqual(only(['A256GCM']));
    expect(only(document.userinfo_encryption_alg_values_supported)).toEqual(only(['ECDH-ES', 'RSA-OAEP', 'RSA-OAEP-256']));
    expect(only(document.userinfo_encryption_enc_values_supported)).toEqual(only(['A256GCM']));
    expect(document).not.toHaveProperty('backchannel_logout_supported');
    expect(document).not.toHaveProperty('backchannel_logout_session_supported');
  });
});
