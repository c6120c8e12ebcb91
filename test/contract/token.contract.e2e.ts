/**
 * FranceConnect's contract for the token endpoint, the ID token and the access token's life, re-expressed
 * against the emulator: api-token.feature (`quality/fcp/cypress/integration/api/`) and connexion-token.feature
 * (`quality/fcp/cypress/integration/usager/`), france-connect/sources, tag fc-392RC1; plus the revocation
 * endpoint's rules from FranceConnect's code (`RevocationTokenParamsDTO`), which no scenario of theirs covers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HttpAgent } from '../support/http-agent.js';
import {
  BOTH_PLATFORMS,
  ContractEmulator,
  expectedIdentityClaims,
  expectJsonError,
  FCP_HIGH,
  FCP_LOW,
  headerNames,
  names,
  person,
  secretFor,
  type PlatformCase,
} from './contract-support.js';

/** FranceConnect's default service on each platform (fsp1). */
const DEFAULT = { fcp: 'contract-token-fcp', fc: 'contract-token-fc' } as const;
/** A second service of each platform (fsp5 on FC+, fsp4 on FC in connexion-token.feature). */
const OTHER = { fcp: 'contract-token-fcp-other', fc: 'contract-token-fc-other' } as const;
/** api-token.feature's services: FC+ "avec chiffrement RSA-OAEP-256" / "ECDH-ES", FC "avec signature ES256" / "RS256". */
const SIGNED = { rsa: 'contract-token-rsa', ecdh: 'contract-token-ecdh', es256: 'contract-token-es256', rs256: 'contract-token-rs256' } as const;

let contract: ContractEmulator;

beforeAll(async () => {
  contract = await ContractEmulator.start([
    { id: DEFAULT.fcp, platform: 'fcp' },
    { id: DEFAULT.fc, platform: 'fc' },
    { id: OTHER.fcp, platform: 'fcp', encryption: 'ECDH-ES' },
    { id: OTHER.fc, platform: 'fc' },
    { id: SIGNED.rsa, platform: 'fcp', encryption: 'RSA-OAEP-256' },
    { id: SIGNED.ecdh, platform: 'fcp', encryption: 'ECDH-ES' },
    { id: SIGNED.es256, platform: 'fc', signing: 'ES256' },
    { id: SIGNED.rs256, platform: 'fc', signing: 'RS256' },
  ]);
});

afterAll(async () => {
  await contract?.stop();
});

/** Signs Angela in on `service` from a fresh browser and returns the code the service receives. */
async function codeFor(service: string, omit: readonly string[] = []): Promise<string> {
  const callback = await contract.authorize(new HttpAgent(), contract.serviceRequest(service, {}, omit), { identity: 'angela-dubois' });
  const code = callback.searchParams.get('code');
  expect(code, callback.href).toBeTruthy();
  return code ?? '';
}

describe.each(BOTH_PLATFORMS)('api-token.feature on $tag', ({ platform }: PlatformCase) => {
  const service = DEFAULT[platform];

  // api-token.feature: "API token - cas nominal"
  it('API token - cas nominal', async () => {
    const answer = await contract.token(platform, contract.tokenFields(service, await codeFor(service)));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.getSetCookie()).toEqual([]);
    expect(names(answer.json)).toEqual(['access_token', 'expires_in', 'id_token', 'scope', 'token_type']);
    expect(answer.json).toMatchObject({ expires_in: 60, token_type: 'Bearer' });
  });

  // api-token.feature: "API token - erreur mauvais client_secret"
  it('API token - erreur mauvais client_secret', async () => {
    const fields = { ...contract.tokenFields(service, await codeFor(service)), client_secret: 'wrong-client-secret' };
    expectJsonError(await contract.token(platform, fields), 401, 'invalid_client', 'client authentication failed (invalid secret provided)', 'Y0434A7B');
  });

  // api-token.feature: "API token - erreur code manquant"
  it('API token - erreur code manquant', async () => {
    await codeFor(service);
    const fields = contract.tokenFields(service, '');
    expectJsonError(await contract.token(platform, fields), 400, 'invalid_request', "missing required parameter 'code' (undefined)", 'Y048017B');
  });

  // api-token.feature: "API token - erreur code expiré ou non trouvé"
  it('API token - erreur code expiré ou non trouvé', async () => {
    const fields = contract.tokenFields(service, 'fnOYUtMbfSAPBB_kbXeHEoxBpk6tlV7VR5LAP9Ap5Xq');
    expectJsonError(await contract.token(platform, fields), 400, 'invalid_grant', 'grant request is invalid (authorization code not found)', 'Y049E20B');
  });
});

describe('api-token.feature, ID token per service registration', () => {
  /** The ID token claims of FranceConnect's scenarios: 9 with amr, 8 without. */
  const ID_TOKEN_CLAIMS = ['acr', 'amr', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'nonce', 'sub'];

  // api-token.feature: "API token - FCP High - id_token avec chiffrement RSA-OAEP-256 et signature ES256" and
  // "… avec chiffrement ECDH-ES et signature ES256"
  it.each([
    ['RSA-OAEP-256', SIGNED.rsa, ['alg', 'aud', 'cty', 'enc', 'iss', 'kid']],
    ['ECDH-ES', SIGNED.ecdh, ['alg', 'aud', 'cty', 'enc', 'epk', 'iss', 'kid']],
  ] as const)(`API token - FCP High - id_token avec chiffrement %s et signature ES256 (${FCP_HIGH.tag})`, async (alg, service, jweHeader) => {
    const request = contract.serviceRequest(service);
    const { idToken, body } = await contract.signIn(new HttpAgent(), request);
    expect(typeof body.id_token).toBe('string');
    expect(idToken.segments).toBe(5);
    expect(headerNames(idToken.jweHeader)).toEqual(jweHeader);
    expect(idToken.jweHeader).toMatchObject({ alg, enc: 'A256GCM', cty: 'JWT', kid: contract.keyOf(service).kid, iss: contract.issuer('fcp'), aud: service });
    // "le JWT id_token est signé avec la clé ES256 de FranceConnect": openJose verified it with the published keys.
    expect(headerNames(idToken.jwsHeader)).toEqual(['alg', 'kid']);
    expect(idToken.jwsHeader.alg).toBe('ES256');
    expect(names(idToken.payload)).toEqual(ID_TOKEN_CLAIMS);
    expect(idToken.payload).toMatchObject({ acr: 'eidas2', aud: service, iss: contract.issuer('fcp'), nonce: request.nonce });
  });

  // api-token.feature: "API token - FCP Low - id_token avec signature ES256"
  it(`API token - FCP Low - id_token avec signature ES256 (${FCP_LOW.tag})`, async () => {
    const request = contract.serviceRequest(SIGNED.es256);
    const { idToken } = await contract.signIn(new HttpAgent(), request);
    expect(idToken.segments, 'not encrypted').toBe(3);
    expect(headerNames(idToken.jwsHeader)).toEqual(['alg', 'kid']);
    expect(idToken.jwsHeader.alg).toBe('ES256');
    expect(names(idToken.payload)).toEqual(ID_TOKEN_CLAIMS);
    expect(idToken.payload).toMatchObject({ acr: 'eidas1', aud: SIGNED.es256, iss: contract.issuer('fc'), nonce: request.nonce });
  });

  // api-token.feature: "API token - FCP Low - id_token avec signature RS256 (sans amr)". The scenario counts 8 members
  // and names 7; the eighth is auth_time, which FranceConnect always sends (it forces prompt=login).
  it(`API token - FCP Low - id_token avec signature RS256 (sans amr) (${FCP_LOW.tag})`, async () => {
    const request = contract.serviceRequest(SIGNED.rs256, {}, ['claims']);
    const { idToken } = await contract.signIn(new HttpAgent(), request);
    expect(idToken.segments, 'not encrypted').toBe(3);
    expect(headerNames(idToken.jwsHeader)).toEqual(['alg', 'kid']);
    expect(idToken.jwsHeader.alg).toBe('RS256');
    expect(idToken.payload).not.toHaveProperty('amr');
    expect(names(idToken.payload)).toEqual(ID_TOKEN_CLAIMS.filter((claim) => claim !== 'amr'));
    expect(idToken.payload).toMatchObject({ acr: 'eidas1', aud: SIGNED.rs256, iss: contract.issuer('fc') });
  });
});

describe('connexion-token.feature', () => {
  const PIVOT_SCOPE = 'openid identite_pivot';

  // connexion-token.feature: "FCP HIGH - Token encore valide après nouvelle cinématique". Same browser: the second
  // service asks for eidas3, so no single sign-on, and another person signs in.
  it(`FCP HIGH - Token encore valide après nouvelle cinématique (${FCP_HIGH.tag})`, async () => {
    const browser = new HttpAgent();
    const first = await contract.signIn(browser, contract.serviceRequest(DEFAULT.fcp, { scope: PIVOT_SCOPE }), { identity: 'angela-dubois' });
    await contract.signIn(browser, contract.serviceRequest(OTHER.fcp, { scope: PIVOT_SCOPE, acr_values: 'eidas3' }), { identity: 'hugo-vingtsix', acr: 'eidas3' });

    const { payload } = await contract.userinfoOf(DEFAULT.fcp, first.accessToken);
    expect(payload).toMatchObject(expectedIdentityClaims('fcp', PIVOT_SCOPE, person('angela-dubois')));
    expect(payload.sub).toBe(first.idToken.payload.sub);
  });

  // connexion-token.feature: "FCP LOW - Token encore valide après changement d'identité (FI non disponible pour SSO)".
  // FranceConnect breaks single sign-on with an identity provider open to one service only; the emulator has
  // no such provider, so the second person signs in from another browser.
  it(`FCP LOW - Token encore valide après changement d'identité (FI non disponible pour SSO) (${FCP_LOW.tag})`, async () => {
    const first = await contract.signIn(new HttpAgent(), contract.serviceRequest(OTHER.fc, { scope: PIVOT_SCOPE }), { identity: 'angela-dubois' });
    await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT.fc, { scope: PIVOT_SCOPE }), { identity: 'hugo-vingtsix' });

    const { payload } = await contract.userinfoOf(OTHER.fc, first.accessToken);
    expect(payload).toMatchObject(expectedIdentityClaims('fc', PIVOT_SCOPE, person('angela-dubois')));
    expect(payload.sub).toBe(first.idToken.payload.sub);
  });

  describe.each(BOTH_PLATFORMS)('on $tag', ({ platform }: PlatformCase) => {
    const service = DEFAULT[platform];

    // connexion-token.feature: "Token non valide après révocation"
    it('Token non valide après révocation', async () => {
      const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(service, { scope: PIVOT_SCOPE }));
      await contract.userinfoOf(service, signedIn.accessToken);

      const revoked = await contract.revoke(platform, { token: signedIn.accessToken, client_id: service, client_secret: secretFor(service) });
      expect(revoked.status, revoked.text).toBe(200);

      const answer = await contract.userinfo(platform, signedIn.accessToken);
      expect(answer.status).toBe(401);
      const challenge = answer.headers.get('www-authenticate') ?? '';
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toContain('error_description="invalid token provided"');
    });
  });
});

// FranceConnect's RevocationTokenParamsDTO (`back/libs/oidc-provider/src/dto/revocation-token-params.dto.ts`),
// checked with whitelist and forbidNonWhitelisted: exactly token, client_id and client_secret; any other body
// is refused by Nest's ValidationPipe, rendered as FranceConnect's HTML error page Y000400.
describe.each(BOTH_PLATFORMS)('revocation (RevocationTokenParamsDTO) on $tag', ({ platform }: PlatformCase) => {
  const service = DEFAULT[platform];

  it.each([
    ['token_type_hint is added', { token_type_hint: 'access_token' }, []],
    ['client_secret is missing', {}, ['client_secret']],
    ['client_id is missing', {}, ['client_id']],
    ['the token is shorter than 43 characters', { token: 'short-token' }, []],
  ] as const)('refuses a revocation where %s with Y000400', async (_label, set, omit) => {
    const fields: Record<string, string> = {
      token: 'a'.repeat(43),
      client_id: service,
      client_secret: secretFor(service),
      ...set,
    };
    for (const name of omit) delete fields[name];
    const answer = await contract.revoke(platform, fields);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('<code id="error-code">Y000400</code>');
  });
});
