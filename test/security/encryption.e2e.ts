/**
 * Encryption (FranceConnect+): the ID token and userinfo must arrive as a JWE with the registered key
 * management, A256GCM, to one of our keys, that authenticates, around a JWS signed by the platform.
 * Anyone can encrypt to our public key: encryption alone proves nothing, so a JWE around an unsigned token
 * is refused too.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { EncryptionAlg } from '../../libs/franceconnect/src/index.js';
import {
  flipBit,
  invalidCurveJwe,
  jweWithHeader,
  jwtAnswer,
  type Claims,
  type EncryptOptions,
  type Forge,
  type Scenario,
} from '../support/adversarial-provider.js';
import { attack, expectRejected, expectSignedIn, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';

const b64u = (value: string): string => Buffer.from(value).toString('base64url');

/** Ways to forge the encrypted answer, each from the claims and the forging tools. */
const FORGERIES: readonly [string, (claims: Claims, forge: Forge) => Promise<string>][] = [
  ['a JWE around claims that are not signed', (claims, forge) => forge.encrypt(JSON.stringify(claims))],
  ['a JWE around a JWS with alg "none"', async (claims, forge) => forge.encrypt(await forge.sign(claims, { alg: 'none' }))],
  ['a JWE around a JWE', async (claims, forge) => forge.encrypt(await forge.seal(claims))],
  ['the ciphertext altered (one bit)', async (claims, forge) => flipBit(await forge.seal(claims), 3)],
  ['the authentication tag altered (one bit)', async (claims, forge) => flipBit(await forge.seal(claims), 4)],
  ['the IV altered (one bit)', async (claims, forge) => flipBit(await forge.seal(claims), 2)],
  ['the encrypted key altered (one bit)', async (claims, forge) => flipBit(await forge.seal(claims), 1)],
  [
    'the protected header altered (it is the additional authenticated data)',
    async (claims, forge) => {
      const parts = (await forge.seal(claims)).split('.');
      const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
      parts[0] = b64u(JSON.stringify({ ...header, cty: 'jwt' }));
      return parts.join('.');
    },
  ],
  ...(['A128GCM', 'A192GCM', 'A128CBC-HS256', 'A256CBC-HS512'] as const).map(
    (enc): [string, (claims: Claims, forge: Forge) => Promise<string>] => [
      `enc ${enc} instead of A256GCM`,
      async (claims, forge) => forge.encrypt(await forge.sign(claims), { enc }),
    ],
  ),
  ['kid of a key we do not have', async (claims, forge) => forge.encrypt(await forge.sign(claims), { kid: 'not-one-of-ours' })],
  ['alg RSA1_5', async (_claims, forge) => jweWithHeader({ alg: 'RSA1_5', enc: 'A256GCM', kid: (await forge.serviceKey()).kid })],
  ['alg dir', async (_claims, forge) => jweWithHeader({ alg: 'dir', enc: 'A256GCM', kid: (await forge.serviceKey()).kid }, '')],
];

/** Key-management algorithms other than the registered one, to keys we hold. */
function otherAlgs(registered: EncryptionAlg): [string, EncryptOptions][] {
  const all: EncryptionAlg[] = ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'];
  return all
    .filter((alg) => alg !== registered)
    .flatMap((alg): [string, EncryptOptions][] => {
      const toItsKey: [string, EncryptOptions] = [`alg ${alg} to our ${alg} key`, { alg, keyOfAlg: alg }];
      // The registered key under another algorithm only makes sense between the two RSA-OAEP variants.
      const sameKey: [string, EncryptOptions][] =
        alg.startsWith('RSA') && registered.startsWith('RSA') ? [[`alg ${alg} to the registered key`, { alg }]] : [];
      return [toItsKey, ...sameKey];
    });
}

const idTokenAs = (forge: (claims: Claims, tools: Forge) => Promise<string>): Scenario => ({ idToken: (claims, tools) => forge(claims, tools) });
const userinfoAs = (forge: (claims: Claims, tools: Forge) => Promise<string>): Scenario => ({
  userinfo: async (claims, tools) => jwtAnswer(await forge(claims, tools)),
});

describe('FranceConnect+ encryption, registered with RSA-OAEP-256', () => {
  let stack: AdversarialStack;
  beforeAll(async () => {
    stack = await startAdversarialStack({ encryptionAlg: 'RSA-OAEP-256' });
  });
  afterAll(async () => stack?.stop());

  it('accepts the honest answer (control, rp-id_token-sig+enc, rp-userinfo-sig+enc)', async () => {
    await expectSignedIn(stack, await attack(stack, 'fcp', {}));
  });

  it('refuses a signed ID token that is not encrypted', async () => {
    const result = await attack(stack, 'fcp', { idToken: (claims, forge) => forge.sign(claims) });
    await expectRejected(stack, result, { code: 'FC_ENCRYPTION_REQUIRED', status: 401 });
  });

  it('refuses a signed userinfo answer that is not encrypted', async () => {
    const result = await attack(stack, 'fcp', { userinfo: async (claims, forge) => jwtAnswer(await forge.sign(claims)) });
    await expectRejected(stack, result, { code: 'FC_ENCRYPTION_REQUIRED', status: 401 });
  });

  it('refuses a plain JSON userinfo answer', async () => {
    const result = await attack(stack, 'fcp', { userinfo: (claims) => ({ contentType: 'application/json', body: JSON.stringify(claims) }) });
    await expectRejected(stack, result, { code: 'FC_USERINFO_INVALID', status: 401 });
  });

  it.each(FORGERIES)('refuses an ID token sent as %s', async (_name, forge) => {
    await expectRejected(stack, await attack(stack, 'fcp', idTokenAs(forge)), { code: 'FC_ID_TOKEN_INVALID', status: 401 });
  });

  it.each(FORGERIES)('refuses a userinfo answer sent as %s', async (_name, forge) => {
    await expectRejected(stack, await attack(stack, 'fcp', userinfoAs(forge)), { code: 'FC_USERINFO_INVALID', status: 401 });
  });

  it.each(otherAlgs('RSA-OAEP-256'))('refuses an ID token encrypted with %s', async (_name, options) => {
    const result = await attack(stack, 'fcp', idTokenAs(async (claims, forge) => forge.encrypt(await forge.sign(claims), options)));
    await expectRejected(stack, result, { code: 'FC_ID_TOKEN_INVALID', status: 401 });
  });

  it.each(otherAlgs('RSA-OAEP-256'))('refuses a userinfo answer encrypted with %s', async (_name, options) => {
    const result = await attack(stack, 'fcp', userinfoAs(async (claims, forge) => forge.encrypt(await forge.sign(claims), options)));
    await expectRejected(stack, result, { code: 'FC_USERINFO_INVALID', status: 401 });
  });

  it('refuses an encrypted ID token on FranceConnect, which registered no encryption', async () => {
    const result = await attack(stack, 'fc', idTokenAs(async () => jweWithHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: 'k' })));
    await expectRejected(stack, result, { code: 'FC_ID_TOKEN_INVALID', status: 401 });
  });

  it('refuses an encrypted userinfo answer on FranceConnect, which registered no encryption', async () => {
    const result = await attack(stack, 'fc', userinfoAs(async () => jweWithHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', kid: 'k' })));
    await expectRejected(stack, result, { code: 'FC_USERINFO_INVALID', status: 401 });
  });
});

describe.each(['ECDH-ES', 'RSA-OAEP'] as const)('FranceConnect+ encryption, registered with %s', (encryptionAlg) => {
  let stack: AdversarialStack;
  beforeAll(async () => {
    stack = await startAdversarialStack({ encryptionAlg });
  });
  afterAll(async () => stack?.stop());

  it('accepts the honest answer (control)', async () => {
    await expectSignedIn(stack, await attack(stack, 'fcp', {}));
  });

  it.each(otherAlgs(encryptionAlg))('refuses an ID token encrypted with %s', async (_name, options) => {
    const result = await attack(stack, 'fcp', idTokenAs(async (claims, forge) => forge.encrypt(await forge.sign(claims), options)));
    await expectRejected(stack, result, { code: 'FC_ID_TOKEN_INVALID', status: 401 });
  });

  if (encryptionAlg === 'ECDH-ES') {
    const offCurve = async (_claims: Claims, forge: Forge): Promise<string> => invalidCurveJwe((await forge.serviceKey()).kid!);
    const otherCurve = async (_claims: Claims, forge: Forge): Promise<string> =>
      jweWithHeader(
        {
          alg: 'ECDH-ES',
          enc: 'A256GCM',
          kid: (await forge.serviceKey()).kid,
          epk: { kty: 'EC', crv: 'P-384', x: b64u('x'.repeat(48)), y: b64u('y'.repeat(48)) },
        },
        '',
      );

    it('refuses an ID token whose ephemeral key is not a point of P-256 (invalid curve)', async () => {
      await expectRejected(stack, await attack(stack, 'fcp', idTokenAs(offCurve)), { code: 'FC_ID_TOKEN_INVALID', status: 401 });
    });

    it('refuses a userinfo answer whose ephemeral key is not a point of P-256 (invalid curve)', async () => {
      await expectRejected(stack, await attack(stack, 'fcp', userinfoAs(offCurve)), { code: 'FC_USERINFO_INVALID', status: 401 });
    });

    it('refuses an ID token whose ephemeral key is on another curve (P-384)', async () => {
      await expectRejected(stack, await attack(stack, 'fcp', idTokenAs(otherCurve)), { code: 'FC_ID_TOKEN_INVALID', status: 401 });
    });
  }
});
