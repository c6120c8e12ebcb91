/**
 * FranceConnect's contract for `sub`, re-expressed against the emulator: connexion-sub.feature
 * (france-connect/sources, tag fc-392RC1, `quality/fcp/cypress/integration/usager/`). FranceConnect computes
 * `sub` from the service's entity id and the person's identity (`computeSubV1` in
 * `back/libs/cryptography-fcp/src/cryptography-fcp.service.ts`): services sharing an entity id share it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { HttpAgent } from '../support/http-agent.js';
import { BOTH_PLATFORMS, ContractEmulator, type PlatformCase } from './contract-support.js';

/** "avec un entityId" (fsp1), "avec le même entityId" (fsp2) and "avec un entityId différent" (fsp5-high / fsp3-low). */
const SERVICES = {
  fcp: { first: 'contract-sub-fcp-first', same: 'contract-sub-fcp-same', other: 'contract-sub-fcp-other' },
  fc: { first: 'contract-sub-fc-first', same: 'contract-sub-fc-same', other: 'contract-sub-fc-other' },
} as const;

let contract: ContractEmulator;

beforeAll(async () => {
  contract = await ContractEmulator.start(
    (['fcp', 'fc'] as const).flatMap((platform) => [
      { id: SERVICES[platform].first, platform, registration: { entity_id: `a0cd64-${platform}` } },
      { id: SERVICES[platform].same, platform, encryption: 'ECDH-ES' as const, registration: { entity_id: `a0cd64-${platform}` } },
      { id: SERVICES[platform].other, platform, signing: 'RS256' as const, registration: { entity_id: `abcd64-${platform}` } },
    ]),
  );
});

afterAll(async () => {
  await contract?.stop();
});

describe.each(BOTH_PLATFORMS)('connexion-sub.feature on $tag', ({ platform }: PlatformCase) => {
  const { first, same, other } = SERVICES[platform];

  /**
   * Signs `identity` in on `firstService` (scope "anonyme"), logs out ("je me déconnecte du fournisseur de
   * service"), signs in again on `secondService`; returns both subs.
   */
  async function subsOf(firstService: string, secondService: string, identity = 'angela-dubois'): Promise<[unknown, unknown]> {
    const browser = new HttpAgent();
    const one = await contract.signIn(browser, contract.serviceRequest(firstService, { scope: 'openid' }), { identity });
    await contract.logout(browser, one);
    const two = await contract.signIn(browser, contract.serviceRequest(secondService, { scope: 'openid' }), { identity });
    return [one.idToken.payload.sub, two.idToken.payload.sub];
  }

  // connexion-sub.feature: "Connexion Usager - Sub calculé pour un usager avec caractères spéciaux". FranceConnect's
  // expected value comes from its own secret and test account; what holds on the emulator is the format and that
  // the value is computed again, identical, at each sign-in of the person with the service.
  it('Connexion Usager - Sub calculé pour un usager: 64 hex characters and v1, the same at each sign-in', async () => {
    const [once, again] = await subsOf(first, first, 'melaine-trois');
    expect(once).toMatch(/^[0-9a-f]{64}v1$/);
    expect(again).toBe(once);
  });

  // connexion-sub.feature: "Connexion Usager - Sub identique pour 2 fs avec le même entityId"
  it('Connexion Usager - Sub identique pour 2 fs avec le même entityId', async () => {
    const [one, two] = await subsOf(first, same);
    expect(one).toMatch(/^[0-9a-f]{64}v1$/);
    expect(two).toBe(one);
  });

  // connexion-sub.feature: "Connexion Usager - Sub différent pour 2 fs avec différents entityId"
  it('Connexion Usager - Sub différent pour 2 fs avec différents entityId', async () => {
    const [one, two] = await subsOf(first, other);
    expect(one).toMatch(/^[0-9a-f]{64}v1$/);
    expect(two).toMatch(/^[0-9a-f]{64}v1$/);
    expect(two).not.toBe(one);
  });

  // Not one of FranceConnect's scenarios: the same service, another person, another sub.
  it('gives another person another sub with the same service', async () => {
    const [one, two] = await subsOf(first, first);
    const [, someoneElse] = await subsOf(first, first, 'eric-mercier');
    expect(two).toBe(one);
    expect(someoneElse).not.toBe(one);
  });
});
