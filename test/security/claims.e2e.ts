/**
 * Claims: a correctly signed ID token or userinfo answer is still refused when it was issued by another
 * platform, for another client, for another transaction, at the wrong time, at a lower level, or about
 * another person.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { AdversaryPlatform, Claims, Scenario } from '../support/adversarial-provider.js';
import { attack, expectRejected, expectSignedIn, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';

const PLATFORMS: readonly AdversaryPlatform[] = ['fc', 'fcp'];
const now = (): number => Math.floor(Date.now() / 1000);

let stack: AdversarialStack;
beforeAll(async () => {
  stack = await startAdversarialStack();
});
afterAll(async () => stack?.stop());

const other = (platform: AdversaryPlatform): AdversaryPlatform => (platform === 'fc' ? 'fcp' : 'fc');
const idToken = (edit: (claims: Claims) => void): Scenario => ({ idTokenClaims: edit });
const userinfo = (edit: (claims: Claims) => void): Scenario => ({ userinfoClaims: edit });

describe.each(PLATFORMS)('ID token claims on %s', (platform) => {
  const rejected = { code: 'FC_ID_TOKEN_INVALID', status: 401 };

  it.each<[string, (claims: Claims) => void]>([
    ["iss of the other platform (rp-id_token-issuer-mismatch)", (claims) => void (claims.iss = stack.adversaries[other(platform)].issuer)],
    ['iss with a trailing slash', (claims) => void (claims.iss = `${String(claims.iss)}/`)],
    ['iss missing', (claims) => void delete claims.iss],
    ['aud of another client (rp-id_token-aud)', (claims) => void (claims.aud = 'another-service')],
    ['aud missing', (claims) => void delete claims.aud],
    ['aud listing another client, without azp', (claims) => void (claims.aud = [claims.aud, 'another-service'])],
    ['aud listing another client, azp of the other client', (claims) => void Object.assign(claims, { aud: [claims.aud, 'another-service'], azp: 'another-service' })],
    ['exp in the past', (claims) => void Object.assign(claims, { iat: now() - 180, exp: now() - 120 })],
    ['exp missing', (claims) => void delete claims.exp],
    ['exp not a number', (claims) => void (claims.exp = String(claims.exp))],
    ['iat two minutes in the future', (claims) => void Object.assign(claims, { iat: now() + 120, exp: now() + 180 })],
    ['iat an hour in the future', (claims) => void Object.assign(claims, { iat: now() + 3600, exp: now() + 3660 })],
    ['iat missing (rp-id_token-iat)', (claims) => void delete claims.iat],
    ['nbf in the future', (claims) => void (claims.nbf = now() + 120)],
    ['nonce missing (rp-nonce-invalid)', (claims) => void delete claims.nonce],
    ['nonce of another sign-in', (claims) => void (claims.nonce = 'n'.repeat(43))],
    ['sub missing (rp-id_token-sub)', (claims) => void delete claims.sub],
    ['sub not a string', (claims) => void (claims.sub = 42)],
  ])('refuses an ID token with %s', async (_name, edit) => {
    await expectRejected(stack, await attack(stack, platform, idToken(edit)), rejected);
  });

  it('accepts an iat a few seconds ahead, within the clock tolerance (control)', async () => {
    await expectSignedIn(stack, await attack(stack, platform, idToken((claims) => void (claims.iat = now() + 3))));
  });
});

describe.each(PLATFORMS)('acr on %s', (platform) => {
  it.each<[string, unknown]>([
    ['missing', undefined],
    ['unknown ("eidas0")', 'eidas0'],
    ['empty', ''],
    ['a number', 2],
    ['a list', ['eidas3']],
    ['another spelling ("EIDAS3")', 'EIDAS3'],
  ])('refuses an acr %s', async (_name, value) => {
    const result = await attack(
      stack,
      platform,
      idToken((claims) => {
        if (value === undefined) delete claims.acr;
        else claims.acr = value;
      }),
    );
    await expectRejected(stack, result, { code: 'FC_ACR_INVALID', status: 401 });
  });
});

describe('acr a platform does not return', () => {
  // A FranceConnect identity is worth eidas1 whatever its token says: it must never pass for eidas2/eidas3.
  it.each(['eidas2', 'eidas3'])('refuses %s from FranceConnect', async (acr) => {
    const result = await attack(stack, 'fc', idToken((claims) => void (claims.acr = acr)));
    await expectRejected(stack, result, { code: 'FC_ACR_INVALID', status: 401 });
  });
});

describe('acr below the level asked for, on fcp', () => {
  it('refuses eidas2 when eidas3 was asked for (step-up route)', async () => {
    const result = await attack(stack, 'fcp', idToken((claims) => void (claims.acr = 'eidas2')), { startPath: '/protected/eidas3' });
    await expectRejected(stack, result, { code: 'FC_ACR_TOO_LOW', status: 401 });
  });

  it('refuses eidas1 when eidas2 was asked for', async () => {
    const result = await attack(stack, 'fcp', idToken((claims) => void (claims.acr = 'eidas1')));
    await expectRejected(stack, result, { code: 'FC_ACR_TOO_LOW', status: 401 });
  });

  it('accepts eidas3 when eidas2 was asked for (control)', async () => {
    await expectSignedIn(stack, await attack(stack, 'fcp', idToken((claims) => void (claims.acr = 'eidas3'))));
  });
});

describe.each(PLATFORMS)('userinfo claims on %s', (platform) => {
  const rejected = { code: 'FC_USERINFO_INVALID', status: 401 };

  it.each<[string, (claims: Claims) => void]>([
    ["sub different from the ID token's (rp-userinfo-bad-sub-claim)", (claims) => void (claims.sub = `${'0'.repeat(64)}v1`)],
    ['sub missing', (claims) => void delete claims.sub],
    ['iss of the other platform', (claims) => void (claims.iss = stack.adversaries[other(platform)].issuer)],
    ['aud of another client', (claims) => void (claims.aud = 'another-service')],
    ['exp in the past', (claims) => void (claims.exp = now() - 120)],
  ])('refuses a userinfo answer with %s', async (_name, edit) => {
    await expectRejected(stack, await attack(stack, platform, userinfo(edit)), rejected);
  });
});
