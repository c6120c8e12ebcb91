/**
 * Signatures: the ID token and userinfo must be signed by the platform, with the registered algorithm,
 * by a key the platform publishes. Each case forges one answer and checks it ends in our error code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { idTokenSignedWith, userinfoSignedWith, withPayload, type AdversaryPlatform } from '../support/adversarial-provider.js';
import { attack, expectRejected, expectSignedIn, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';

const PLATFORMS: readonly AdversaryPlatform[] = ['fc', 'fcp'];

let stack: AdversarialStack;
beforeAll(async () => {
  stack = await startAdversarialStack();
});
afterAll(async () => stack?.stop());

describe.each(PLATFORMS)('signatures on %s', (platform) => {
  const idTokenRejected = { code: 'FC_ID_TOKEN_INVALID', status: 401 };
  const userinfoRejected = { code: 'FC_USERINFO_INVALID', status: 401 };

  it('accepts the honest answer (control)', async () => {
    await expectSignedIn(stack, await attack(stack, platform, {}));
  });

  it('refuses an ID token with alg "none" (rp-id_token-sig-none)', async () => {
    const result = await attack(stack, platform, { idToken: idTokenSignedWith({ alg: 'none' }) });
    await expectRejected(stack, result, idTokenRejected);
  });

  it('refuses an ID token whose payload was changed after signing', async () => {
    const result = await attack(stack, platform, {
      idToken: async (claims, forge) => {
        const jws = await forge.sign(claims);
        // Claims that pass every other check: only the signature can tell.
        return forge.wrap(withPayload(jws, { ...claims, amr: ['mfa'], acr: platform === 'fcp' ? 'eidas3' : claims.acr }));
      },
    });
    await expectRejected(stack, result, idTokenRejected);
  });

  it("refuses an ID token signed by a key not in the platform's JWKS, under the published kid (rp-id_token-bad-sig-es256)", async () => {
    const result = await attack(stack, platform, { idToken: idTokenSignedWith({ key: 'rogue' }) });
    await expectRejected(stack, result, idTokenRejected);
  });

  it('refuses an ID token signed RS256 with a published key where ES256 is registered', async () => {
    const result = await attack(stack, platform, { idToken: idTokenSignedWith({ alg: 'RS256' }) });
    await expectRejected(stack, result, idTokenRejected);
  });

  it('refuses an ID token signed HS256 with the client secret as key (algorithm confusion)', async () => {
    const result = await attack(stack, platform, { idToken: idTokenSignedWith({ alg: 'HS256' }) });
    await expectRejected(stack, result, idTokenRejected);
  });

  it('refuses an ID token whose kid is not published, without fetching the JWKS more than once', async () => {
    const adversary = stack.adversaries[platform];
    const before = adversary.count('/jwks');
    const result = await attack(stack, platform, { idToken: idTokenSignedWith({ key: 'rogue', kid: 'kid-that-was-never-published' }) });
    await expectRejected(stack, result, idTokenRejected);
    expect(adversary.count('/jwks') - before).toBeLessThanOrEqual(1);
  });

  it('refuses a userinfo answer with alg "none"', async () => {
    const result = await attack(stack, platform, { userinfo: userinfoSignedWith({ alg: 'none' }) });
    await expectRejected(stack, result, userinfoRejected);
  });

  it('refuses a userinfo answer whose payload was changed after signing (rp-userinfo-sig)', async () => {
    const result = await attack(stack, platform, {
      userinfo: async (claims, forge) => ({
        contentType: 'application/jwt',
        body: await forge.wrap(withPayload(await forge.sign(claims), { ...claims, family_name: 'MARTIN' })),
      }),
    });
    await expectRejected(stack, result, userinfoRejected);
  });

  it("refuses a userinfo answer signed by a key not in the platform's JWKS", async () => {
    const result = await attack(stack, platform, { userinfo: userinfoSignedWith({ key: 'rogue' }) });
    await expectRejected(stack, result, userinfoRejected);
  });

  it('refuses a userinfo answer signed RS256 where ES256 is registered', async () => {
    const result = await attack(stack, platform, { userinfo: userinfoSignedWith({ alg: 'RS256' }) });
    await expectRejected(stack, result, userinfoRejected);
  });

  it('refuses a userinfo answer signed HS256 with the client secret', async () => {
    const result = await attack(stack, platform, { userinfo: userinfoSignedWith({ alg: 'HS256' }) });
    await expectRejected(stack, result, userinfoRejected);
  });
});

/**
 * openid-client keeps the platform's JWKS for up to five minutes and, on a `kid` it does not know, fetches
 * it again only when its copy is at least a minute old: one refetch, then a decision. The clock is moved
 * forward instead of waiting, always further than before (these blocks run last in the file), so the
 * cached copy never looks younger than it is.
 */
let offsetMs = 0;
const jump = (seconds: number): void => {
  offsetMs += seconds * 1000;
  vi.setSystemTime(performance.timeOrigin + performance.now() + offsetMs);
};

describe.each(PLATFORMS)('signing key rotation on %s', (platform) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const withClockMovedOn = (): void => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    jump(0);
    jump(61);
  };

  it('refetches the JWKS once for an unknown kid, then refuses (rp-key-rotation-op-sign-key)', async () => {
    const adversary = stack.adversaries[platform];
    await expectSignedIn(stack, await attack(stack, platform, {}));
    withClockMovedOn();
    const before = adversary.count('/jwks');
    const result = await attack(stack, platform, { idToken: idTokenSignedWith({ key: 'rogue', kid: 'rotated-but-never-published' }) });
    await expectRejected(stack, result, { code: 'FC_ID_TOKEN_INVALID', status: 401 });
    expect(adversary.count('/jwks') - before).toBe(1);
  });

  it("follows the platform's key rotation: a new kid is fetched once and accepted", async () => {
    const adversary = stack.adversaries[platform];
    withClockMovedOn();
    await adversary.rotateSigningKey({ dropOld: true });
    const before = adversary.count('/jwks');
    await expectSignedIn(stack, await attack(stack, platform, {}));
    expect(adversary.count('/jwks') - before).toBe(1);
  });
});
