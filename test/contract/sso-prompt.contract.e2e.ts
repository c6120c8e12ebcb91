/**
 * FranceConnect's contract for single sign-on, prompt and idp_hint, re-expressed against the emulator:
 * connexion-sso-fcp-high.feature, connexion-sso-fcp-low.feature, connexion-prompt.feature and
 * connexion-idp_hint.feature (france-connect/sources, tag fc-392RC1, `quality/fcp/cypress/integration/usager/`).
 *
 * "Je suis redirigé vers la page d'information" (single sign-on) is, on the emulator, a return to the
 * service without any page; "la page sélection du fournisseur d'identité" (no single sign-on) is its login page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HttpAgent } from '../support/http-agent.js';
import {
  BOTH_PLATFORMS,
  ContractEmulator,
  expectedIdentityClaims,
  expectLoginPage,
  FCP_LOW,
  isCallbackOf,
  names,
  person,
  scopeOf,
  TECHNICAL_CLAIMS,
  type PlatformCase,
  type SentRequest,
  type SignedIn,
} from './contract-support.js';

/** "par défaut" / "avec accès au FI par défaut (premier FS)" (fsp1). */
const FIRST = { fcp: 'contract-sso-fcp-first', fc: 'contract-sso-fc-first' } as const;
/** "privé avec consentement obligatoire" (fsp5-high) / "avec accès au FI par défaut (deuxième FS)" (fsp2-low). */
const SECOND = { fcp: 'contract-sso-fcp-second', fc: 'contract-sso-fc-second' } as const;
/** "avec un entityId différent" (fsp3-low). */
const OTHER_ENTITY = 'contract-sso-fc-other-entity';

let contract: ContractEmulator;

beforeAll(async () => {
  contract = await ContractEmulator.start([
    { id: FIRST.fcp, platform: 'fcp', registration: { entity_id: 'entity-sso-fcp-first' } },
    { id: SECOND.fcp, platform: 'fcp', encryption: 'ECDH-ES', registration: { entity_id: 'entity-sso-fcp-second' } },
    { id: FIRST.fc, platform: 'fc', registration: { entity_id: 'entity-sso-fc-first' } },
    // fsp2-low shares fsp1-low's entity id in FranceConnect's fixtures.
    { id: SECOND.fc, platform: 'fc', registration: { entity_id: 'entity-sso-fc-first' } },
    { id: OTHER_ENTITY, platform: 'fc', signing: 'RS256', registration: { entity_id: 'entity-sso-fc-other' } },
  ]);
});

afterAll(async () => {
  await contract?.stop();
});

/** Opens `request` in `browser` and expects single sign-on: straight back to the service with a code. */
async function expectSingleSignOn(browser: HttpAgent, request: SentRequest): Promise<SignedIn> {
  const result = await contract.open(request, browser);
  expect(isCallbackOf(result.stoppedAt, request.clientId), `single sign-on expected, got HTTP ${result.response.status} at ${result.response.url.href}`).toBe(true);
  return contract.redeem(request, result.stoppedAt!);
}

/** Opens `request` in `browser` and expects no single sign-on: the login page ("sélection du fournisseur d'identité"). */
async function expectNoSingleSignOn(browser: HttpAgent, request: SentRequest): Promise<void> {
  expectLoginPage(await contract.open(request, browser));
}

describe('connexion-sso-fcp-high.feature (fcp-high)', () => {
  // connexion-sso-fcp-high.feature: "Connexion SSO - FCP High - deux FS avec accès au même FI - identité substantiel renvoyée par FI"
  // and "… - identité élevé renvoyée par FI"
  it.each(['eidas2', 'eidas3'] as const)(
    'Connexion SSO - FCP High - deux FS avec accès au même FI - identité renvoyée par FI au niveau %s: the second service gets eidas2',
    async (idpAcr) => {
      const browser = new HttpAgent();
      await contract.signIn(browser, contract.serviceRequest(FIRST.fcp), { identity: 'angela-dubois', acr: idpAcr });
      const second = await expectSingleSignOn(browser, contract.serviceRequest(SECOND.fcp, { scope: 'openid' }));
      expect(second.idToken.payload.acr).toBe('eidas2');
    },
  );

  // connexion-sso-fcp-high.feature: "Connexion SSO - FCP High - 1er FS demande de l'élevé et 2ème FS demande du subtantiel - identité élevé renvoyée par FI"
  it("Connexion SSO - FCP High - 1er FS demande de l'élevé et 2ème FS demande du subtantiel - identité élevé renvoyée par FI", async () => {
    const browser = new HttpAgent();
    const first = await contract.signIn(browser, contract.serviceRequest(SECOND.fcp, { scope: 'openid', acr_values: 'eidas3' }), {
      identity: 'angela-dubois',
      acr: 'eidas3',
    });
    expect(first.idToken.payload.acr).toBe('eidas3');
    const second = await expectSingleSignOn(browser, contract.serviceRequest(FIRST.fcp));
    expect(second.idToken.payload.acr).toBe('eidas2');
  });

  // connexion-sso-fcp-high.feature: "Connexion SSO - FCP High - déconnexion d'un FS seulement et SSO terminé"
  it("Connexion SSO - FCP High - déconnexion d'un FS seulement et SSO terminé", async () => {
    const browser = new HttpAgent();
    const first = await contract.signIn(browser, contract.serviceRequest(FIRST.fcp));
    await expectSingleSignOn(browser, contract.serviceRequest(SECOND.fcp, { scope: 'openid' }));
    await contract.logout(browser, first);
    await expectNoSingleSignOn(browser, contract.serviceRequest(FIRST.fcp));
  });

  // connexion-sso-fcp-high.feature: "Connexion SSO - FCP High - deux FS de niveau élevé avec accès au même FI - SSO terminé"
  it('Connexion SSO - FCP High - deux FS de niveau élevé avec accès au même FI - SSO terminé', async () => {
    const browser = new HttpAgent();
    await contract.signIn(browser, contract.serviceRequest(FIRST.fcp, { acr_values: 'eidas3' }), { identity: 'angela-dubois', acr: 'eidas3' });
    await expectNoSingleSignOn(browser, contract.serviceRequest(SECOND.fcp, { scope: 'openid', acr_values: 'eidas3' }));
  });

  // connexion-sso-fcp-high.feature: "Connexion SSO - FCP High - 1er FS de niveau substantiel et 2eme FS demande de l'élevé avec accès au même FI - SSO terminé"
  it("Connexion SSO - FCP High - 1er FS de niveau substantiel et 2eme FS demande de l'élevé avec accès au même FI - SSO terminé", async () => {
    const browser = new HttpAgent();
    await contract.signIn(browser, contract.serviceRequest(FIRST.fcp));
    await expectNoSingleSignOn(browser, contract.serviceRequest(SECOND.fcp, { scope: 'openid', acr_values: 'eidas3' }));
  });
});

describe('connexion-sso-fcp-low.feature (fcp-low)', () => {
  // connexion-sso-fcp-low.feature: "Connexion SSO - FCP Low - deux FS avec accès au même FI"
  it('Connexion SSO - FCP Low - deux FS avec accès au même FI', async () => {
    const browser = new HttpAgent();
    await contract.signIn(browser, contract.serviceRequest(FIRST.fc));
    const second = await expectSingleSignOn(browser, contract.serviceRequest(SECOND.fc));
    expect(second.idToken.payload.acr).toBe('eidas1');
  });

  // connexion-sso-fcp-low.feature: "Connexion SSO - FCP Low - déconnexion d'un FS seulement et SSO terminé"
  it("Connexion SSO - FCP Low - déconnexion d'un FS seulement et SSO terminé", async () => {
    const browser = new HttpAgent();
    const first = await contract.signIn(browser, contract.serviceRequest(FIRST.fc));
    await expectSingleSignOn(browser, contract.serviceRequest(SECOND.fc));
    await contract.logout(browser, first);
    await expectNoSingleSignOn(browser, contract.serviceRequest(FIRST.fc));
  });

  // connexion-sso-fcp-low.feature: "Connexion SSO - FCP Low - deux FS avec accès au même FI ayant chacun son propre sub"
  it('Connexion SSO - FCP Low - deux FS avec accès au même FI ayant chacun son propre sub', async () => {
    const browser = new HttpAgent();
    const first = await contract.signIn(browser, contract.serviceRequest(FIRST.fc));
    const firstSub = (await contract.userinfoOf(FIRST.fc, first.accessToken)).payload.sub;
    expect(firstSub).toBe(first.idToken.payload.sub);

    const other = await expectSingleSignOn(browser, contract.serviceRequest(OTHER_ENTITY));
    expect(other.idToken.payload.sub).toMatch(/^[0-9a-f]{64}v1$/);
    expect(other.idToken.payload.sub).not.toBe(firstSub);

    // "je redemande les informations de l'usager" on the first service: same sub as before.
    expect((await contract.userinfoOf(FIRST.fc, first.accessToken)).payload.sub).toBe(firstSub);
  });
});

describe.each(BOTH_PLATFORMS)('connexion-prompt.feature on $tag', ({ platform }: PlatformCase) => {
  const scope = scopeOf('tous les scopes', platform);

  /** Signs in with `prompt`; the service has "tous les scopes". */
  async function signInWithPrompt(prompt: string): Promise<void> {
    const browser = new HttpAgent();
    const signedIn = await contract.signIn(browser, contract.serviceRequest(FIRST[platform], { prompt }));
    const { payload } = await contract.userinfoOf(FIRST[platform], signedIn.accessToken);
    const expected = expectedIdentityClaims(platform, scope, person('angela-dubois'));
    expect(names(payload)).toEqual([...Object.keys(expected), ...TECHNICAL_CLAIMS].toSorted());
    expect(payload).toMatchObject(expected);
  }

  // connexion-prompt.feature: "Connexion prompt = 'login' - Page de consentement non affichée". The emulator never
  // shows a consent page: after the login page, the browser is back at the service.
  it("Connexion prompt = 'login' - Page de consentement non affichée", async () => {
    await signInWithPrompt('login');
  });

  // connexion-prompt.feature: "Connexion prompt = '<prompt>' - Page de consentement affichée". FranceConnect shows its
  // consent page here; the emulator has none, and the sign-in completes the same.
  it.each(['consent', 'login consent'])("Connexion prompt = '%s' - Page de consentement affichée (no such page on the emulator)", async (prompt) => {
    await signInWithPrompt(prompt);
  });
});

describe('connexion-idp_hint.feature', () => {
  // connexion-idp_hint.feature: "Connexion avec idp_hint global valide" (fcp-high) and "Connexion avec idp_hint
  // personnalisé valide" (both): the emulator has no identity providers to choose from, so it accepts idp_hint
  // and ignores it; the sign-in completes.
  it.each(BOTH_PLATFORMS)('Connexion avec idp_hint global valide / personnalisé valide ($tag): idp_hint accepted', async ({ platform }) => {
    const signedIn = await contract.signIn(new HttpAgent(), contract.serviceRequest(FIRST[platform], { idp_hint: 'fip1-high' }));
    expect(signedIn.idToken.payload.sub).toMatch(/^[0-9a-f]{64}v1$/);
  });

  // connexion-idp_hint.feature: "Connexion initiale + SSO avec idp_hint valide" (fcp-low): the second service,
  // with the same hint, gets single sign-on.
  it(`Connexion initiale + SSO avec idp_hint valide (${FCP_LOW.tag})`, async () => {
    const browser = new HttpAgent();
    await contract.signIn(browser, contract.serviceRequest(FIRST.fc, { idp_hint: 'fip1-no-discovery' }));
    await expectSingleSignOn(browser, contract.serviceRequest(SECOND.fc, { idp_hint: 'fip1-no-discovery' }));
  });
});
