/**
 * `private_key_jwt` end to end: the sample app authenticates its token and revocation requests with
 * client assertions signed by the key file's current signing key, which the emulator verifies with the
 * app's published JWKS. The emulator's registrations have no client secret at all, so a sign-in that
 * completes proves the assertion was accepted.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../libs/franceconnect/src/cli/cli.js';
import { KeyService } from '../../libs/franceconnect/src/index.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { startJwksServer, type JwksServer } from '../support/jwks-server.js';

type Platform = 'fc' | 'fcp';

const LOGIN_CHOICE = { fc: { identity: 'eric-mercier' }, fcp: { identity: 'angela-dubois', acr: 'eidas2' } } as const;

async function publishedKeys(appUrl: string): Promise<JWK[]> {
  return ((await (await fetch(`${appUrl}/.well-known/jwks.json`)).json()) as { keys: JWK[] }).keys;
}

/** The token requests of `platform` the emulator answered, as `<status>` strings, from its request log. */
function tokenAnswers(stack: DemoStack, platform: Platform, path = '/api/v2/token'): string[] {
  const prefix = `${platform} POST ${path} `;
  return stack.platformRequests.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length).split(' ')[0] ?? '');
}

/** Runs `franceconnect keys <args>` on the key file, as an operator would; fails the test on an error. */
async function keysCommand(file: string, ...args: string[]): Promise<void> {
  let output = '';
  const collect = (text: string) => {
    output += text;
  };
  expect(await run(['keys', ...args, '--file', file], { env: {}, stdout: collect, stderr: collect }), output).toBe(0);
}

describe('private_key_jwt: signing in with client assertions instead of a client secret', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack({
      clientAuthMethods: { fc: 'private_key_jwt', fcp: 'private_key_jwt' },
      env: { FCP_TOKEN_AUTH: 'private_key_jwt', FC_TOKEN_AUTH: 'private_key_jwt' },
    });
  });
  afterAll(async () => stack?.stop());

  it('publishes the public half of the signing key beside the encryption keys', async () => {
    const keys = await publishedKeys(stack.appUrl);
    expect(keys.map((key) => `${key.use} ${key.alg}`)).toEqual(['enc RSA-OAEP', 'enc RSA-OAEP-256', 'enc ECDH-ES', 'sig ES256']);
    const signing = keys.find((key) => key.use === 'sig');
    expect(signing?.kid).toBe(stack.app.get(KeyService).signingKey('ES256')?.kid);
    expect(signing).not.toHaveProperty('d');
  });

  it.each(['fcp', 'fc'] as const)('signs a person in on %s, the token request authenticated by a client assertion', async (platform) => {
    const before = tokenAnswers(stack, platform).length;
    const agent = new HttpAgent();
    const { response } = await signIn(agent, stack.appUrl, `/auth/${platform}/login`, LOGIN_CHOICE[platform]);
    expect(response.status, response.body.slice(0, 300)).toBe(303);
    // The registration has no secret: the emulator accepted the assertion, and nothing else.
    expect(tokenAnswers(stack, platform).slice(before)).toEqual(['200']);
    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me).toMatchObject({ status: 200, body: { provider: platform } });

    // No revocation at logout: FranceConnect's revocation endpoint takes a client secret only
    // (RevocationTokenParamsDTO), so the access token is left to expire after its 60 seconds.
    const revocationsBefore = tokenAnswers(stack, platform, '/api/v2/token/revocation').length;
    const posted = await agent.request(`${stack.appUrl}/auth/logout`, { method: 'POST', headers: { origin: stack.appUrl } });
    expect(posted.status).toBe(303);
    expect(tokenAnswers(stack, platform, '/api/v2/token/revocation').slice(revocationsBefore)).toEqual([]);
  });
});

describe('private_key_jwt: rejections', () => {
  let stack: DemoStack;
  let foreignJwks: JwksServer;
  beforeAll(async () => {
    foreignJwks = await startJwksServer([]);
    stack = await startDemoStack({
      // FranceConnect+ expects assertions, the app sends its secret; FranceConnect verifies the app's
      // assertions with a JWKS that is not the app's.
      clientAuthMethods: { fc: 'private_key_jwt', fcp: 'private_key_jwt' },
      registrations: { fc: { jwks_uri: foreignJwks.url } },
      env: { FC_TOKEN_AUTH: 'private_key_jwt' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await foreignJwks?.close();
  });

  it('fails with FC_CLIENT_AUTHENTICATION_FAILED when the app sends its client secret to a private_key_jwt registration', async () => {
    const agent = new HttpAgent();
    const { response } = await signIn(agent, stack.appUrl, '/auth/fcp/login', LOGIN_CHOICE.fcp);
    expect(response.status).toBe(500);
    expect(response.body).toContain('FC_CLIENT_AUTHENTICATION_FAILED');
    expect(tokenAnswers(stack, 'fcp')).toEqual(['401']);
    expect((await getJson(agent, `${stack.appUrl}/me`)).status).toBe(401);
  });

  it('fails with FC_CLIENT_AUTHENTICATION_FAILED when the app signs with a key the platform does not hold', async () => {
    // The platform's copy of the JWKS names the app's kid, for another key: the signature cannot verify.
    const kid = stack.app.get(KeyService).signingKey('ES256')?.kid;
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    foreignJwks.setKeys([{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }]);

    const agent = new HttpAgent();
    const started = await agent.get(`${stack.appUrl}/auth/fc/login`);
    const { completeEmulatorLogin } = await import('../support/emulator-login.js');
    const callback = await completeEmulatorLogin(agent, started.location!, LOGIN_CHOICE.fc);
    const answer = await getJson(agent, callback.href);
    expect(answer).toEqual({ status: 500, body: expect.objectContaining({ code: 'FC_CLIENT_AUTHENTICATION_FAILED', platform: 'fc' }) });
    expect(tokenAnswers(stack, 'fc')).toEqual(['401']);
  });
});

describe('private_key_jwt: rotating the signing key in a running application', () => {
  let stack: DemoStack;
  let file: string;

  // On FranceConnect, which holds no decryption keys: only the signing key can make its configuration stale.
  async function signInWithFc(): Promise<number> {
    const { response } = await signIn(new HttpAgent(), stack.appUrl, '/auth/fc/login', LOGIN_CHOICE.fc);
    return response.status;
  }

  async function publishedSigningKids(): Promise<string[]> {
    return (await publishedKeys(stack.appUrl)).filter((key) => key.use === 'sig').map((key) => String(key.kid));
  }

  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'fc-sig-rotation-')), 'sp-keys.json');
    await keysCommand(file, 'generate', '--alg', 'RSA-OAEP-256', '--kid', 'enc-2026');
    await keysCommand(file, 'generate', '--use', 'sig', '--alg', 'ES256', '--kid', 'sig-2026');
    stack = await startDemoStack({ clientAuthMethods: { fc: 'private_key_jwt' }, env: { SP_KEYS_FILE: file, FC_TOKEN_AUTH: 'private_key_jwt' } });
  });
  afterAll(async () => stack?.stop());

  it('signs with the current key, publishes a next key without using it, then signs with it once promoted', async () => {
    const keys = stack.app.get(KeyService);
    expect(await signInWithFc()).toBe(303);

    await keysCommand(file, 'generate', '--use', 'sig', '--alg', 'ES256', '--kid', 'sig-2027');
    await keys.reload();
    expect(await publishedSigningKids()).toEqual(['sig-2026', 'sig-2027']);
    expect(keys.signingKey('ES256')?.kid).toBe('sig-2026');
    expect(await signInWithFc()).toBe(303);

    await keysCommand(file, 'rotate', '--use', 'sig', '--alg', 'ES256');
    await keys.reload();
    // The retired key is no longer published, and the emulator fetches the JWKS at each token request:
    // this sign-in completes only because the client assertion is now signed with sig-2027.
    expect(await publishedSigningKids()).toEqual(['sig-2027']);
    expect(keys.signingKey('ES256')?.kid).toBe('sig-2027');
    expect(await signInWithFc()).toBe(303);
    expect(tokenAnswers(stack, 'fc')).toEqual(['200', '200', '200']);
  });
});
