/**
 * FranceConnect's contract for claims and scopes, re-expressed against the emulator: connexion-claims.feature,
 * connexion-scope.feature (`quality/fcp/cypress/integration/usager/`) and api-userinfo.feature
 * (`quality/fcp/cypress/integration/api/`), france-connect/sources, tag fc-392RC1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HttpAgent } from '../support/http-agent.js';
import {
  BOTH_PLATFORMS,
  ContractEmulator,
  expectedIdentityClaims,
  expectErrorPage,
  expectJsonError,
  FCP_HIGH,
  FCP_LOW,
  headerNames,
  isCallbackOf,
  names,
  person,
  redirectParams,
  scopeOf,
  TECHNICAL_CLAIMS,
  type PlatformCase,
  type ScopeType,
} from './contract-support.js';

/** FranceConnect's "fournisseur de service par défaut" (fsp1), registered for every scope and the amr claim. */
const DEFAULT = { fcp: 'contract-claims-fcp', fc: 'contract-claims-fc' } as const;
/** The "deuxième FS" (fsp2) of the SSO scenario. */
const SECOND = { fcp: 'contract-claims-fcp-second', fc: 'contract-claims-fc-second' } as const;
/** "non habilité à demander le claim amr": registered without the amr claim. */
const NO_AMR = { fcp: 'contract-claims-fcp-no-amr', fc: 'contract-claims-fc-no-amr' } as const;
/** "non habilité à demander le scope …": registered for the identity scopes only, not for email. */
const LIMITED = { fcp: 'contract-claims-fcp-limited', fc: 'contract-claims-fc-limited' } as const;
/** api-userinfo.feature's services: FC+ with RSA-OAEP-256 and ECDH-ES, FC signing ES256 and RS256. */
const USERINFO = { rsa: 'contract-userinfo-rsa', ecdh: 'contract-userinfo-ecdh', es256: 'contract-userinfo-es256', rs256: 'contract-userinfo-rs256' } as const;

const IDENTITY_SCOPES = ['openid', 'profile', 'birth', 'identite_pivot', 'given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry', 'preferred_username'];

const ANGELA = person('angela-dubois');

let contract: ContractEmulator;

beforeAll(async () => {
  contract = await ContractEmulator.start([
    { id: DEFAULT.fcp, platform: 'fcp' },
    { id: DEFAULT.fc, platform: 'fc' },
    { id: SECOND.fcp, platform: 'fcp', encryption: 'ECDH-ES' },
    { id: SECOND.fc, platform: 'fc' },
    { id: NO_AMR.fcp, platform: 'fcp', registration: { claims: [] } },
    { id: NO_AMR.fc, platform: 'fc', registration: { claims: [] } },
    { id: LIMITED.fcp, platform: 'fcp', registration: { scopes: IDENTITY_SCOPES } },
    { id: LIMITED.fc, platform: 'fc', registration: { scopes: IDENTITY_SCOPES } },
    { id: USERINFO.rsa, platform: 'fcp', encryption: 'RSA-OAEP-256' },
    { id: USERINFO.ecdh, platform: 'fcp', encryption: 'ECDH-ES' },
    { id: USERINFO.es256, platform: 'fc', signing: 'ES256' },
    { id: USERINFO.rs256, platform: 'fc', signing: 'RS256' },
  ]);
});

afterAll(async () => {
  await contract?.stop();
});

/**
 * "le fournisseur de service a accès aux informations des scopes …": userinfo holds exactly the claims of
 * `scope` for `who`, plus sub, aud, exp, iat and iss.
 */
async function expectUserinfoFor(service: string, accessToken: string, scope: string, who = ANGELA): Promise<Record<string, unknown>> {
  const platform = contract.platformOf(service);
  const { payload } = await contract.userinfoOf(service, accessToken);
  const expected = expectedIdentityClaims(platform, scope, who);
  expect(names(payload)).toEqual([...Object.keys(expected), ...TECHNICAL_CLAIMS].toSorted());
  expect(payload).toMatchObject({ ...expected, aud: service, iss: contract.issuer(platform) });
  expect(payload.sub).toMatch(/^[0-9a-f]{64}v1$/);
  return payload;
}

describe.each(BOTH_PLATFORMS)('connexion-claims.feature on $tag', ({ platform, tag }: PlatformCase) => {
  // The amr the emulator sends is "fc" then the methods of the test identity, which stands for its identity provider.
  const who = platform === 'fcp' ? person('melaine-trois') : ANGELA;
  const amr = ['fc', ...who.amr];

  // connexion-claims.feature: "Connexion avec claims - avec claim AMR fc"
  it(`Connexion avec claims - avec claim AMR fc (${tag})`, async () => {
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT[platform]), { identity: who.id });
    expect(signedIn.idToken.payload.amr).toEqual(amr);
  });

  // connexion-claims.feature: "Connexion avec claims - claim AMR absent si non demandé"
  it('Connexion avec claims - claim AMR absent si non demandé', async () => {
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT[platform], {}, ['claims']), { identity: who.id });
    expect(signedIn.idToken.payload).not.toHaveProperty('amr');
  });

  // connexion-claims.feature: "Connexion SSO - le premier FS ne demande pas l'amr"
  it("Connexion SSO - le premier FS ne demande pas l'amr", async () => {
    const browser = new HttpAgent();
    const first = await contract.signIn(
      browser,
      contract.serviceRequest(SECOND[platform], { scope: scopeOf('profile sans alias', platform) }, ['claims']),
      { identity: who.id },
    );
    expect(first.idToken.payload).not.toHaveProperty('amr');

    const request = contract.serviceRequest(DEFAULT[platform]);
    const sso = await contract.open(request, browser);
    expect(isCallbackOf(sso.stoppedAt, DEFAULT[platform]), 'single sign-on, no login page').toBe(true);
    const second = await contract.redeem(request, sso.stoppedAt!);
    expect(second.idToken.payload.amr).toEqual(amr);
  });

  // connexion-claims.feature: "Connexion avec claims - erreur FS non habilité pour amr"
  it('Connexion avec claims - erreur FS non habilité pour amr', async () => {
    const { response, stoppedAt } = await contract.open(contract.serviceRequest(NO_AMR[platform]));
    expect(stoppedAt).toBeUndefined();
    expectErrorPage(response, 400, 'Y100009', NO_AMR[platform]);
  });
});

describe.each(BOTH_PLATFORMS)('connexion-scope.feature on $tag', ({ platform }: PlatformCase) => {
  const service = DEFAULT[platform];

  // connexion-scope.feature: "Connexion d'un usager - scope <scopeType>"
  it.each<ScopeType>(['tous les scopes', 'profile sans alias', 'identite_pivot sans alias', 'birth', 'profile', 'identite_pivot'])(
    "Connexion d'un usager - scope %s",
    async (scopeType) => {
      const scope = scopeOf(scopeType, platform);
      const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(service, { scope }));
      await expectUserinfoFor(service, signedIn.accessToken, scope);
    },
  );

  // connexion-scope.feature: "Connexion d'un usager - scope anonyme"
  it("Connexion d'un usager - scope anonyme", async () => {
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(service, { scope: 'openid' }));
    const payload = await expectUserinfoFor(service, signedIn.accessToken, 'openid');
    expect(names(payload)).toEqual([...TECHNICAL_CLAIMS].toSorted());
  });

  // connexion-scope.feature: "Connexion d'un usager - attribut scope inconnu ignoré"
  it("Connexion d'un usager - attribut scope inconnu ignoré", async () => {
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(service, { scope: scopeOf('profile avec scope inconnu', platform) }));
    await expectUserinfoFor(service, signedIn.accessToken, scopeOf('profile', platform));
  });

  // connexion-scope.feature: "Connexion d'un usager - erreur FS non habilité pour ce scope". FranceConnect's scenario
  // asks for cnous_statut_boursier, a data provider's scope the emulator does not know (unknown scopes are
  // ignored); the rule is the same for any scope the platform knows: here email, which the service is not
  // registered for.
  it("Connexion d'un usager - erreur FS non habilité pour ce scope", async () => {
    const request = contract.serviceRequest(LIMITED[platform], { scope: 'openid email' });
    const callback = await contract.authorize(new HttpAgent(), request, { identity: ANGELA.id });
    expect(isCallbackOf(callback, LIMITED[platform])).toBe(true);
    expect(callback.searchParams.has('code')).toBe(false);
    expect(redirectParams(callback)).toMatchObject({
      error: 'invalid_scope',
      error_description: 'requested scope is not allowed',
      state: request.state,
    });
  });
});

describe('connexion-scope.feature on fcp-high only', () => {
  // connexion-scope.feature: "Connexion d'un usager - tous les claims rnipp avec usager <userType>": a person with
  // one first name, with several (the name "contenant un espace" and "3 prénoms").
  it.each(['hugo-vingtsix', 'eric-mercier', 'angela-dubois'])("Connexion d'un usager - tous les claims rnipp avec usager %s", async (id) => {
    const scope = scopeOf('tous les scopes rnipp (authorize)', 'fcp');
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT.fcp, { scope }), { identity: id });
    const payload = await expectUserinfoFor(DEFAULT.fcp, signedIn.accessToken, scope, person(id));
    // "tous les scopes rnipp (userinfo)": the six plain claims, their six rnipp_ twins and rnipp_given_name_array.
    for (const claim of ['gender', 'birthdate', 'birthcountry', 'birthplace', 'given_name', 'family_name']) {
      expect(payload).toHaveProperty(claim);
      expect(payload).toHaveProperty(`rnipp_${claim}`);
    }
    expect(payload.rnipp_given_name_array).toEqual(person(id).given_name.split(' '));
  });
});

describe('connexion-scope.feature on fcp-low only', () => {
  // connexion-scope.feature: "Connexion d'un usager - scope idp_birthdate"
  it("Connexion d'un usager - scope idp_birthdate", async () => {
    const scope = scopeOf('birthdate et idp_birthdate', 'fc');
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT.fc, { scope }));
    const payload = await expectUserinfoFor(DEFAULT.fc, signedIn.accessToken, scope);
    expect(payload).toMatchObject({ birthdate: ANGELA.birthdate, idp_birthdate: ANGELA.birthdate });
  });

  // connexion-scope.feature: "Connexion d'un usager - claim given_name_array avec usager <userType>"
  it.each(['hugo-vingtsix', 'eric-mercier', 'angela-dubois'])("Connexion d'un usager - claim given_name_array avec usager %s", async (id) => {
    const scope = scopeOf('tous les scopes', 'fc');
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT.fc, { scope }), { identity: id });
    const payload = await expectUserinfoFor(DEFAULT.fc, signedIn.accessToken, scope, person(id));
    expect(payload.given_name_array).toEqual(person(id).given_name.split(' '));
  });
});

describe('connexion-rnipp.feature', () => {
  // The civil registry (RNIPP) is not emulated: the test identities carry values as the registry would give them.
  // Born in Corsica (commune code 2A004), born abroad (empty birthplace), day and month of birth unknown (01).
  const REGISTRY_CASES = ['melaine-trois', 'david-vingttrois', 'hugo-vingtsix'];

  // connexion-rnipp.feature: "Connexion d'un usager - rnipp <userType>" (fcp-low, "tous les scopes")
  it.each(REGISTRY_CASES)(`Connexion d'un usager - rnipp %s (${FCP_LOW.tag})`, async (id) => {
    const scope = scopeOf('tous les scopes', 'fc');
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT.fc, { scope }), { identity: id });
    await expectUserinfoFor(DEFAULT.fc, signedIn.accessToken, scope, person(id));
  });

  // connexion-rnipp.feature: "Connexion d'un usager - tous les claims rnipp avec usager <userType>" (fcp-high)
  it.each(REGISTRY_CASES)(`Connexion d'un usager - tous les claims rnipp avec usager %s (${FCP_HIGH.tag})`, async (id) => {
    const scope = scopeOf('tous les scopes rnipp (authorize)', 'fcp');
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(DEFAULT.fcp, { scope }), { identity: id });
    await expectUserinfoFor(DEFAULT.fcp, signedIn.accessToken, scope, person(id));
  });
});

describe('api-userinfo.feature', () => {
  /** Signs Angela in on `service` with "tous les scopes" and returns the raw userinfo answer, opened. */
  async function userinfoAfterSignIn(service: string) {
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(service));
    return contract.userinfoOf(service, signedIn.accessToken);
  }

  // api-userinfo.feature: "API userinfo - FCP High - userinfo avec chiffrement RSA-OAEP-256 et signature ES256" and
  // "… avec chiffrement ECDH-ES et signature ES256"
  it.each([
    ['RSA-OAEP-256', USERINFO.rsa, ['alg', 'aud', 'cty', 'enc', 'iss', 'kid']],
    ['ECDH-ES', USERINFO.ecdh, ['alg', 'aud', 'cty', 'enc', 'epk', 'iss', 'kid']],
  ] as const)(`API userinfo - FCP High - userinfo avec chiffrement %s et signature ES256 (${FCP_HIGH.tag})`, async (alg, service, jweHeader) => {
    const opened = await userinfoAfterSignIn(service);
    expect(opened.answer.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(opened.answer.headers.getSetCookie()).toEqual([]);
    expect(opened.segments).toBe(5);
    expect(headerNames(opened.jweHeader)).toEqual(jweHeader);
    expect(opened.jweHeader).toMatchObject({ alg, enc: 'A256GCM', cty: 'JWT', kid: contract.keyOf(service).kid, iss: contract.issuer('fcp'), aud: service });
    expect(headerNames(opened.jwsHeader)).toEqual(['alg', 'kid']);
    expect(opened.jwsHeader.alg).toBe('ES256');
    expect(names(opened.payload)).toEqual(
      ['sub', 'given_name', 'family_name', 'birthdate', 'gender', 'preferred_username', 'birthcountry', 'birthplace', 'email', 'aud', 'exp', 'iat', 'iss'].toSorted(),
    );
    expect(opened.payload.iss).toBe(contract.issuer('fcp'));
  });

  // api-userinfo.feature: "API userinfo - FCP Low - userinfo avec signature ES256" and "… avec signature RS256"
  it.each([
    ['ES256', USERINFO.es256],
    ['RS256', USERINFO.rs256],
  ] as const)(`API userinfo - FCP Low - userinfo avec signature %s (${FCP_LOW.tag})`, async (alg, service) => {
    const opened = await userinfoAfterSignIn(service);
    expect(opened.answer.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(opened.answer.headers.getSetCookie()).toEqual([]);
    expect(opened.segments, 'not encrypted').toBe(3);
    expect(headerNames(opened.jwsHeader)).toEqual(['alg', 'kid']);
    expect(opened.jwsHeader.alg).toBe(alg);
    expect(names(opened.payload)).toEqual(
      [
        'sub',
        'given_name',
        'given_name_array',
        'family_name',
        'birthdate',
        'idp_birthdate',
        'gender',
        'preferred_username',
        'birthcountry',
        'birthplace',
        'email',
        'aud',
        'exp',
        'iat',
        'iss',
      ].toSorted(),
    );
    expect(opened.payload.iss).toBe(contract.issuer('fc'));
  });

  describe.each(BOTH_PLATFORMS)('on $tag', ({ platform }: PlatformCase) => {
    // api-userinfo.feature: "API userinfo - erreur token expiré ou non trouvé"
    it('API userinfo - erreur token expiré ou non trouvé', async () => {
      const answer = await contract.userinfo(platform, 'unknown-access-token-0123456789abcdefghijklmnopq');
      expectJsonError(answer, 401, 'invalid_token', 'invalid token provided (access token not found)', 'Y040001');
    });

    // api-userinfo.feature: "API userinfo - erreur access_token manquant"
    it('API userinfo - erreur access_token manquant', async () => {
      const answer = await contract.userinfo(platform);
      expectJsonError(answer, 401, 'invalid_token', 'no access token provided (no access token provided)', 'Y04146A2');
    });
  });
});

