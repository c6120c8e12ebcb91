import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from './key-generation.js';
import { loadKeySet } from './key-source.js';
import type { KeySetLogger, KeySetSource, KeySource, LoadKeySetOptions } from './key-source.js';
import { KeyConfigurationError } from './keys.errors.js';

class RecordingLogger implements KeySetLogger {
  readonly messages: string[] = [];
  warn(message: string): void {
    this.messages.push(message);
  }
}

class StaticKeySource implements KeySource {
  loads = 0;
  constructor(private readonly value: unknown) {}
  async load(): Promise<unknown> {
    this.loads += 1;
    return this.value;
  }
}

class FailingKeySource implements KeySource {
  async load(): Promise<unknown> {
    throw new Error('vault said: {"d":"very-secret-value"}');
  }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

function expectNoKeyMaterial(text: string, keys: readonly JWK[]): void {
  expect(text).not.toContain('"d":');
  for (const key of keys) {
    for (const member of PRIVATE_MEMBERS) {
      const value = (key as Record<string, unknown>)[member];
      if (typeof value === 'string') expect(text).not.toContain(value.slice(0, 12));
    }
  }
}

async function failure(source: KeySetSource, options: LoadKeySetOptions = { production: false }): Promise<KeyConfigurationError> {
  const error = await loadKeySet(source, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(KeyConfigurationError);
  return error as KeyConfigurationError;
}

const dev: LoadKeySetOptions = { production: false };

let dir: string;
let rsa: JWK;
let ec: JWK;
let jwksText: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fc-keys-'));
  rsa = await generateEncryptionKey('RSA-OAEP-256');
  ec = await generateEncryptionKey('ECDH-ES');
  jwksText = JSON.stringify({ keys: [rsa, ec] });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadKeySet from a file', () => {
  it('loads a private JWKS file', async () => {
    const file = join(dir, 'keys.json');
    await writeFile(file, jwksText, { mode: 0o600 });
    const keySet = await loadKeySet({ file }, { production: true });
    expect(keySet.publicJwks().keys.map((key) => key.kid)).toEqual([rsa.kid, ec.kid]);
  });

  it('names a missing file', async () => {
    const file = join(dir, 'missing.json');
    const error = await failure({ file });
    expect(error.message).toContain(file);
    expect(error.message).toContain('ENOENT');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('names a file that is not JSON, without quoting it', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, jwksText.slice(0, -40));
    const error = await failure({ file });
    expect(error.message).toContain(file);
    expect(error.message).toContain('not valid JSON');
    expect(error.cause).toBeUndefined();
    expectNoKeyMaterial(error.message, [rsa, ec]);
  });

  it('names a file whose JSON quotes material near the syntax error, without quoting it', async () => {
    const file = join(dir, 'broken-near-d.json');
    await writeFile(file, jwksText.replace(`"d":"${rsa.d as string}"`, `"d":${rsa.d as string}`));
    const error = await failure({ file });
    expect(error.message).toContain('not valid JSON');
    expectNoKeyMaterial(error.message, [rsa, ec]);
  });

  it('prefixes key set problems with the file', async () => {
    const file = join(dir, 'public-only.json');
    const { kty, n, e, kid, alg, use } = rsa;
    await writeFile(file, JSON.stringify({ keys: [{ kty, n, e, kid, alg, use }] }));
    const error = await failure({ file });
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^key set file ".*public-only\\.json": keys\\[0\\].*no private part`))]);
  });
});

describe('loadKeySet from an environment variable', () => {
  it('loads the JSON of the variable', async () => {
    const keySet = await loadKeySet({ env: 'SP_KEYS' }, { production: true, env: { SP_KEYS: jwksText } });
    expect(keySet.hasEncryptionKeyFor('ECDH-ES')).toBe(true);
  });

  it('reads process.env by default', async () => {
    const name = `FC_KEYS_TEST_${process.pid}`;
    process.env[name] = jwksText;
    try {
      const keySet = await loadKeySet({ env: name }, dev);
      expect(keySet.firstEncryptionKey('RSA-OAEP-256')?.kid).toBe(rsa.kid);
    } finally {
      delete process.env[name];
    }
  });

  it('names a missing or empty variable', async () => {
    for (const env of [{}, { SP_KEYS: '  ' }]) {
      const error = await failure({ env: 'SP_KEYS' }, { production: true, env });
      expect(error.problems).toEqual([expect.stringMatching(/^environment variable SP_KEYS is not set or is empty/)]);
    }
  });

  it('names a variable that is not JSON, without quoting it', async () => {
    const error = await failure({ env: 'SP_KEYS' }, { production: true, env: { SP_KEYS: `x${jwksText}` } });
    expect(error.message).toContain('environment variable SP_KEYS is not valid JSON');
    expectNoKeyMaterial(error.message, [rsa, ec]);
  });
});

describe('loadKeySet from inline JWKS', () => {
  it('accepts JSON text and objects', async () => {
    const fromText = await loadKeySet({ jwks: jwksText }, dev);
    const fromObject = await loadKeySet({ jwks: JSON.parse(jwksText) as object }, dev);
    expect(fromText.publicJwks()).toEqual(fromObject.publicJwks());
  });

  it('reports invalid JSON text without quoting it', async () => {
    const error = await failure({ jwks: jwksText.replace('{', '') });
    expect(error.message).toContain('keys.jwks is not valid JSON');
    expectNoKeyMaterial(error.message, [rsa, ec]);
  });
});

describe('loadKeySet from a custom KeySource', () => {
  it('loads once from the source, as an object or as JSON text', async () => {
    for (const value of [JSON.parse(jwksText) as unknown, jwksText]) {
      const source = new StaticKeySource(value);
      const keySet = await loadKeySet({ source }, { production: true });
      expect(source.loads).toBe(1);
      expect(keySet.decryptionKeys()).toHaveLength(2);
    }
  });

  it('reports a failing source, keeping its error as cause without repeating it', async () => {
    const error = await failure({ source: new FailingKeySource() });
    expect(error.message).toContain('keys.source failed to load');
    expect(error.message).not.toContain('very-secret-value');
    expect((error.cause as Error).message).toContain('vault said');
  });

  it('refuses an object that is not a KeySource', async () => {
    const error = await failure({ source: {} as KeySource });
    expect(error.message).toContain('load()');
  });
});

describe('loadKeySet with generate', () => {
  it('generates a 0600 file once in development, then loads the same keys', async () => {
    const file = join(dir, 'nested', 'deeper', 'sp-keys.json');
    const logger = new RecordingLogger();

    const first = await loadKeySet({ generate: { file, algs: ['RSA-OAEP-256', 'ECDH-ES'] } }, { production: false, logger });

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The folder made for the keys keeps itself out of the repository.
    expect(await readFile(join(dir, 'nested', 'deeper', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(logger.messages).toHaveLength(1);
    expect(logger.messages[0]).toContain(file);
    expect(logger.messages[0]).toMatch(/development.*must not be used in production/);
    expect(logger.messages[0]).not.toContain('\n');
    const written = JSON.parse(await readFile(file, 'utf8')) as { keys: JWK[] };
    expect(written.keys.map((key) => key.alg)).toEqual(['RSA-OAEP-256', 'ECDH-ES']);
    expectNoKeyMaterial(logger.messages[0] as string, written.keys);

    const second = await loadKeySet({ generate: { file, algs: ['RSA-OAEP-256', 'ECDH-ES'] } }, { production: false, logger });

    expect(logger.messages).toHaveLength(1);
    expect(second.publicJwks()).toEqual(first.publicJwks());
    expect(second.firstEncryptionKey('ECDH-ES')).toEqual(first.firstEncryptionKey('ECDH-ES'));
  });

  it('generates one RSA-OAEP-256 key by default', async () => {
    const file = join(dir, 'default-algs.json');
    const keySet = await loadKeySet({ generate: { file } }, { production: false, logger: new RecordingLogger() });
    expect(keySet.publicJwks().keys.map((key) => key.alg)).toEqual(['RSA-OAEP-256']);
    // A folder the application already had is left as it is.
    await expect(stat(join(dir, '.gitignore'))).rejects.toThrow();
  });

  it('refuses to reuse a development key set that lacks a requested alg', async () => {
    const file = join(dir, 'only-rsa.json');
    await writeFile(file, JSON.stringify({ keys: [rsa] }), { mode: 0o600 });
    const error = await failure({ generate: { file, algs: ['ECDH-ES'] } });
    expect(error.message).toMatch(/no encryption key for ECDH-ES: delete the file/);
  });

  it('generates the requested signing keys too, and refuses a file without a current one', async () => {
    const file = join(dir, 'with-signing.json');
    const keySet = await loadKeySet({ generate: { file, signingAlgs: ['ES256'] } }, { production: false, logger: new RecordingLogger() });
    expect(keySet.publicJwks().keys.map((key) => `${key.use} ${key.alg}`)).toEqual(['enc RSA-OAEP-256', 'sig ES256']);
    expect(keySet.currentSigningKey('ES256')).toBeDefined();

    const onlyRsa = join(dir, 'no-signing.json');
    await writeFile(onlyRsa, JSON.stringify({ keys: [rsa] }), { mode: 0o600 });
    const error = await failure({ generate: { file: onlyRsa, algs: ['RSA-OAEP-256', 'ECDH-ES'], signingAlgs: ['ES256'] } });
    expect(error.message).toMatch(/has no encryption key for ECDH-ES and no current signing key for ES256: delete the file/);
    expect((await failure({ generate: { file, signingAlgs: ['HS256' as 'ES256'] } })).problems).toEqual([
      'keys.generate.signingAlgs must be an array of ES256, RS256.',
    ]);
  });

  it('reports invalid algs', async () => {
    const error = await failure({ generate: { file: join(dir, 'never.json'), algs: ['A128KW' as 'ECDH-ES'] } });
    expect(error.problems).toEqual([expect.stringMatching(/"A128KW" is not a FranceConnect\+ key management algorithm/)]);
  });

  it('is refused in production, even when the file exists, saying how to provide keys', async () => {
    const file = join(dir, 'prod.json');
    await writeFile(file, jwksText, { mode: 0o600 });
    const logger = new RecordingLogger();
    const error = await failure({ generate: { file } }, { production: true, logger });
    expect(error.message).toMatch(/refused in production/);
    expect(error.message).toContain('keys: { file');
    expect(logger.messages).toEqual([]);
  });

  it('does not write anything in production', async () => {
    const file = join(dir, 'never-written.json');
    await failure({ generate: { file } }, { production: true });
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });
});

describe('loadKeySet source shape', () => {
  it('wants exactly one source', async () => {
    expect((await failure({} as KeySetSource)).message).toMatch(/must have one of jwks, file, env, generate, source/);
    expect((await failure({ file: 'a', env: 'B' } as unknown as KeySetSource)).message).toMatch(/exactly one.*got file and env/);
    expect((await failure(null as unknown as KeySetSource)).message).toMatch(/must be an object/);
  });
});
