import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { JWK } from 'jose';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JwksMiddleware } from './jwks.middleware.js';
import { generateEncryptionKey, generateSigningKey } from './key-generation.js';
import { addKey, rotateKeys } from './key-rotation.js';
import type { PrivateJwksDocument } from './key-rotation.js';
import { KeyService, type ServiceKeyNeeds } from './key.service.js';
import { KeyConfigurationError } from './keys.errors.js';

/** What a FranceConnect+ registration with RSA-OAEP-256 needs, optionally with private_key_jwt (ES256). */
function needs(source: ServiceKeyNeeds['source'], privateKeyJwt = false): ServiceKeyNeeds {
  return {
    source,
    production: false,
    encryptionAlg: 'RSA-OAEP-256',
    signers: privateKeyJwt ? [{ option: 'franceConnectPlus', label: 'FranceConnect+', alg: 'ES256' }] : [],
  };
}

/** A hand-written stand-in for express' response: records what the middleware sends. */
class RecordingResponse {
  readonly headers = new Map<string, string>();
  body?: string;

  setHeader(name: string, value: string): void {
    this.headers.set(name.toLowerCase(), value);
  }

  end(body?: string): void {
    this.body = body;
  }
}

function serveJwks(middleware: JwksMiddleware): Record<string, unknown> {
  const res = new RecordingResponse();
  middleware.use({ method: 'GET' } as Request, res as unknown as Response, (() => undefined) as NextFunction);
  return JSON.parse(res.body ?? 'null') as Record<string, unknown>;
}

function kids(jwks: Record<string, unknown>): unknown[] {
  return (jwks['keys'] as JWK[]).map((key) => key.kid);
}

let first: JWK;
let second: JWK;
let ecdh: JWK;
let sigOld: JWK;
let sigNew: JWK;

beforeAll(async () => {
  // Reloads log the new key states; keep the test output quiet.
  Logger.overrideLogger(false);
  [first, second, ecdh, sigOld, sigNew] = await Promise.all([
    generateEncryptionKey('RSA-OAEP-256', { kid: 'first' }),
    generateEncryptionKey('RSA-OAEP-256', { kid: 'second' }),
    generateEncryptionKey('ECDH-ES', { kid: 'ecdh' }),
    generateSigningKey('ES256', { kid: 'sig-old' }),
    generateSigningKey('ES256', { kid: 'sig-new' }),
  ]);
});

describe('KeyService.reload', () => {
  let dir: string;
  let file: string;
  let service: KeyService;

  async function writeKeys(jwks: PrivateJwksDocument): Promise<void> {
    await writeFile(file, JSON.stringify(jwks), { mode: 0o600 });
  }

  async function readKeys(): Promise<PrivateJwksDocument> {
    return JSON.parse(await readFile(file, 'utf8')) as PrivateJwksDocument;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-key-service-'));
    file = join(dir, 'sp-keys.json');
    await writeKeys(addKey({ keys: [] }, first).jwks);
    service = await KeyService.load(needs({ file }));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('picks up a next key, then a promotion, from the key file', async () => {
    const middleware = new JwksMiddleware(service);
    expect(kids(serveJwks(middleware))).toEqual(['first']);
    const versionBefore = service.decryptionKeysVersion('RSA-OAEP-256');

    await writeKeys(addKey(await readKeys(), second).jwks);
    const added = await service.reload();
    expect(added.changed).toBe(true);
    expect(kids(serveJwks(middleware))).toEqual(['first', 'second']);
    expect(service.decryptionKeys('RSA-OAEP-256').map((key) => key.kid)).toEqual(['first', 'second']);
    const versionWithNext = service.decryptionKeysVersion('RSA-OAEP-256');
    expect(versionWithNext).not.toBe(versionBefore);

    await writeKeys(rotateKeys(await readKeys(), { now: Math.floor(Date.now() / 1000) }).jwks);
    const rotated = await service.reload();
    expect(rotated.keys.map(({ kid, state }) => `${kid}:${state}`)).toEqual(['second:current', 'first:retired']);
    // The retired key is no longer published, but still decrypts.
    expect(kids(serveJwks(middleware))).toEqual(['second']);
    expect(service.decryptionKeys('RSA-OAEP-256').map((key) => key.kid)).toEqual(['second', 'first']);
    expect(service.decryptionKeysVersion('RSA-OAEP-256')).not.toBe(versionWithNext);
  });

  it('reports no change, and keeps the version, when the file did not change', async () => {
    const version = service.decryptionKeysVersion('RSA-OAEP-256');
    const jwks = service.publicJwks();
    expect((await service.reload()).changed).toBe(false);
    expect(service.decryptionKeysVersion('RSA-OAEP-256')).toBe(version);
    expect(service.publicJwks()).toBe(jwks);
  });

  it('keeps the keys in use when the new file is invalid, or lacks the registered alg', async () => {
    await writeFile(file, '{ "keys": [', 'utf8');
    await expect(service.reload()).rejects.toThrow(KeyConfigurationError);
    await writeKeys({ keys: [{ ...ecdh, 'fc:state': 'current' }, { ...first, 'fc:state': 'retired', 'fc:retiredAt': 1 }] });
    await expect(service.reload()).rejects.toThrow(/publishes no encryption key for "RSA-OAEP-256".*the keys in use are kept/);
    expect(service.publicJwks().keys.map((key) => key.kid)).toEqual(['first']);
  });

  it('shares one reload between concurrent calls', async () => {
    const [a, b] = [service.reload(), service.reload()];
    expect(a).toBe(b);
    await a;
  });

  it('reads a development key file again but never generates one', async () => {
    const generated = new KeyService(needs({ generate: { file: join(dir, 'missing.json') } }));
    await expect(generated.reload()).rejects.toThrow(/cannot read the key set file .*missing\.json/);
  });

  it('explains that there is nothing to reload without a key source', async () => {
    await expect(new KeyService().reload()).rejects.toThrow(/no key source is configured/);
  });
});

describe('KeyService signing key (private_key_jwt)', () => {
  let dir: string;
  let file: string;
  let service: KeyService;

  async function writeKeys(jwks: PrivateJwksDocument): Promise<void> {
    await writeFile(file, JSON.stringify(jwks), { mode: 0o600 });
  }

  async function readKeys(): Promise<PrivateJwksDocument> {
    return JSON.parse(await readFile(file, 'utf8')) as PrivateJwksDocument;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fc-key-service-sig-'));
    file = join(dir, 'sp-keys.json');
    await writeKeys(addKey(addKey({ keys: [] }, first).jwks, sigOld).jwks);
    service = await KeyService.load(needs({ file }, true));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the current signing key, with a version that changes whenever a reload changes the keys', async () => {
    expect(service.signingKey('ES256')).toMatchObject({ kid: 'sig-old', alg: 'ES256' });
    expect(service.signingKey('ES256')?.key.usages).toEqual(['sign']);
    expect(service.signingKey('RS256')).toBeUndefined();
    const before = service.signingKeyVersion('ES256');
    expect((await service.reload()).changed).toBe(false);
    expect(service.signingKeyVersion('ES256')).toBe(before);

    // Published as next: the platform can fetch it, nothing is signed with it yet.
    await writeKeys(addKey(await readKeys(), sigNew).jwks);
    await service.reload();
    expect(service.publicJwks().keys.map((key) => key.kid)).toEqual(['first', 'sig-old', 'sig-new']);
    expect(service.signingKey('ES256')?.kid).toBe('sig-old');
    const withNext = service.signingKeyVersion('ES256');
    expect(withNext).not.toBe(before);

    await writeKeys(rotateKeys(await readKeys(), { now: Math.floor(Date.now() / 1000), alg: 'ES256' }).jwks);
    await service.reload();
    expect(service.signingKey('ES256')?.kid).toBe('sig-new');
    expect(service.publicJwks().keys.map((key) => key.kid)).toEqual(['first', 'sig-new']);
    expect(service.signingKeyVersion('ES256')).not.toBe(withNext);
  });

  it('keeps the keys in use when the reloaded key set has no current signing key', async () => {
    await writeKeys({ keys: [first, { ...sigOld, 'fc:state': 'retired', 'fc:retiredAt': 1 }, { ...sigNew, 'fc:state': 'next' }] });
    await expect(service.reload()).rejects.toThrow(/no current signing key for "ES256".*private_key_jwt.*FranceConnect\+: the keys in use are kept/);
    expect(service.signingKey('ES256')?.kid).toBe('sig-old');
  });
});
