/**
 * Key rotations end to end, with the sample app and the emulator: the service rotating the key
 * FranceConnect+ encrypts to (with the `franceconnect keys` commands and `KeyService.reload()`), and the
 * platform rotating the key it signs with.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../libs/franceconnect/src/cli/cli.js';
import { KeyService } from '../../libs/franceconnect/src/index.js';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

const ALG = 'RSA-OAEP-256';

/** Runs `franceconnect keys <args>` on the key file, as an operator would; fails the test on an error. */
async function keysCommand(file: string, ...args: string[]): Promise<string> {
  let output = '';
  const code = await run(['keys', ...args, '--file', file], {
    env: {},
    stdout: (text) => {
      output += text;
    },
    stderr: (text) => {
      output += text;
    },
  });
  expect(code, output).toBe(0);
  return output;
}

async function publishedKids(appUrl: string): Promise<string[]> {
  const response = await fetch(`${appUrl}/.well-known/jwks.json`);
  expect(response.headers.get('cache-control')).toBe('public, max-age=300');
  const jwks = (await response.json()) as { keys: JWK[] };
  return jwks.keys.map((key) => String(key.kid));
}

async function publishedKey(appUrl: string, kid: string): Promise<JWK> {
  const jwks = (await (await fetch(`${appUrl}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
  return jwks.keys.find((key) => key.kid === kid) as JWK;
}

/** Signs in with FranceConnect+ in a new browser and returns the identity the app holds. */
async function signInWithFcPlus(appUrl: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const agent = new HttpAgent();
  const { response } = await signIn(agent, appUrl, '/auth/fcp/login', { identity: 'angela-dubois', acr: 'eidas2' });
  if (response.status !== 303) return { status: response.status, body: { page: response.body.slice(0, 300) } };
  return getJson(agent, `${appUrl}/me`);
}

describe('rotating the key FranceConnect+ encrypts to, in a running application', () => {
  let stack: DemoStack;
  let app: NestExpressApplication;
  let file: string;
  let oldKeyPublic: JWK;

  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'fc-rotation-')), 'sp-keys.json');
    await keysCommand(file, 'generate', '--alg', ALG, '--kid', 'sp-2025');
    stack = await startDemoStack({ encryptionAlg: ALG, env: { SP_KEYS_FILE: file } });
    app = stack.app;
  });

  afterAll(async () => {
    vi.useRealTimers();
    await app?.close();
    await stack?.emulator?.stop();
  });

  it('signs in before the rotation, FranceConnect+ encrypting to the only key', async () => {
    expect(await publishedKids(stack.appUrl)).toEqual(['sp-2025']);
    const me = await signInWithFcPlus(stack.appUrl);
    expect(me).toMatchObject({ status: 200, body: { provider: 'fcp', acr: 'eidas2' } });
    oldKeyPublic = await publishedKey(stack.appUrl, 'sp-2025');
  });

  it('publishes a next key after a reload, and keeps signing in with the current one', async () => {
    await keysCommand(file, 'generate', '--alg', ALG, '--kid', 'sp-2026');
    const reload = await app.get(KeyService).reload();
    expect(reload.changed).toBe(true);
    expect(reload.keys.map((key) => `${key.kid}:${key.state}`)).toEqual(['sp-2025:current', 'sp-2026:next']);
    // Published second: FranceConnect+ takes the first key of the registered alg, still the current one.
    expect(await publishedKids(stack.appUrl)).toEqual(['sp-2025', 'sp-2026']);
    expect(await signInWithFcPlus(stack.appUrl)).toMatchObject({ status: 200, body: { provider: 'fcp' } });
  });

  it('promotes the next key: published alone, the retired key still decrypting', async () => {
    const output = await keysCommand(file, 'rotate', '--alg', ALG);
    expect(output).toContain('"sp-2026" (enc RSA-OAEP-256): next -> current');
    const reload = await app.get(KeyService).reload();
    expect(reload.keys.map((key) => `${key.kid}:${key.state}`)).toEqual(['sp-2026:current', 'sp-2025:retired']);
    expect(await publishedKids(stack.appUrl)).toEqual(['sp-2026']);
    expect(app.get(KeyService).decryptionKeys(ALG).map((key) => key.kid)).toEqual(['sp-2026', 'sp-2025']);
  });

  it('signs in after the promotion, FranceConnect+ encrypting to the new key', async () => {
    // No restart: the platform client rebuilds its openid-client configuration when the keys change.
    expect(await publishedKids(stack.appUrl)).toEqual(['sp-2026']);
    expect(await signInWithFcPlus(stack.appUrl)).toMatchObject({ status: 200, body: { provider: 'fcp', acr: 'eidas2' } });
  });

  it('hands the retired key to sign-in during the grace period, and not after', async () => {
    // A token FranceConnect+ encrypted just before it fetched the new JWKS: still on its way.
    const inFlight = await new CompactEncrypt(new TextEncoder().encode('inner.signed.jwt'))
      .setProtectedHeader({ alg: ALG, enc: 'A256GCM', kid: 'sp-2025', cty: 'JWT' })
      .encrypt(await importJWK(oldKeyPublic, ALG));
    const keyService = app.get(KeyService);
    // What openid-client decrypts answers with (platform-client.ts): the key the JWE's kid names.
    const during = keyService.decryptionKeys(ALG);
    expect(during.map((key) => key.kid)).toEqual(['sp-2026', 'sp-2025']);
    const retiredKey = during.find((key) => key.kid === decodeProtectedHeader(inFlight).kid);
    expect(new TextDecoder().decode((await compactDecrypt(inFlight, retiredKey!.key)).plaintext)).toBe('inner.signed.jwt');
    const versionDuring = keyService.decryptionKeysVersion(ALG);

    // A day later the grace period is over: the key is no longer handed out, without a reload, and the
    // version change makes the platform client rebuild its openid-client configuration without it.
    const retiredAt = (JSON.parse(await readFile(file, 'utf8')) as { keys: Record<string, unknown>[] }).keys.find(
      (key) => key['kid'] === 'sp-2025',
    )?.['fc:retiredAt'] as number;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((retiredAt + 24 * 3600) * 1000);
    const after = keyService.decryptionKeys(ALG).map((key) => key.kid);
    const versionAfter = keyService.decryptionKeysVersion(ALG);
    vi.useRealTimers();
    expect(after).toEqual(['sp-2026']);
    expect(versionAfter).not.toBe(versionDuring);
    expect(keyService.decryptionKeys(ALG).map((key) => key.kid)).toEqual(['sp-2026', 'sp-2025']);
  });

  it('prunes the retired key once its grace period is over', async () => {
    const later = Date.now() + 25 * 3600 * 1000;
    let output = '';
    const code = await run(['keys', 'prune', '--file', file], { env: {}, now: () => later, stdout: (text) => (output += text), stderr: (text) => (output += text) });
    expect(code, output).toBe(0);
    expect(output).toContain('"sp-2025" (enc RSA-OAEP-256): retired -> removed');
    const reload = await app.get(KeyService).reload();
    expect(reload.keys.map((key) => key.kid)).toEqual(['sp-2026']);
    expect(await signInWithFcPlus(stack.appUrl)).toMatchObject({ status: 200 });
  });
});

describe('the platform rotating the key it signs with', () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack({ encryptionAlg: ALG });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => stack?.stop());

  const jwksRequests = (): number => stack.platformRequests.filter((line) => line.startsWith('fcp GET /api/v2/jwks 200 ')).length;

  it('signs in again with a kid the application has not cached, fetching the platform JWKS once more', async () => {
    expect(await signInWithFcPlus(stack.appUrl)).toMatchObject({ status: 200 });
    expect(jwksRequests()).toBe(1);

    const rotation = await stack.emulator!.rotateSigningKeys('fcp');
    expect(rotation.kids).toHaveLength(1);
    expect(rotation.kids[0]).not.toBe(rotation.previousKids[0]);

    // openid-client fetches a provider's JWKS again on an unknown kid only when its copy is at least 60 s
    // old (and always after 300 s). Within the first minute after a fetch, a new kid is refused.
    const tooSoon = await signInWithFcPlus(stack.appUrl);
    expect(tooSoon.status).toBe(401);
    expect(jwksRequests()).toBe(1);

    // A minute later (the whole process' clock: the emulator and the app agree on it), the unknown kid
    // makes openid-client fetch the JWKS once, and the sign-in succeeds.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + 61_000);
    expect(await signInWithFcPlus(stack.appUrl)).toMatchObject({ status: 200, body: { provider: 'fcp' } });
    expect(jwksRequests()).toBe(2);

    // The new key is cached now: the next sign-in fetches nothing.
    expect(await signInWithFcPlus(stack.appUrl)).toMatchObject({ status: 200 });
    expect(jwksRequests()).toBe(2);
  });
});

