import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRANCECONNECT_ISSUERS, FRANCECONNECT_PLUS_ISSUERS } from '../../options/issuer-presets.js';
import { ConfigFileError, findConfigFile, loadDoctorConfig } from './doctor-config.js';

const SECRET = 'a-registered-client-secret-0123456789abcdef';

/** The options of a service registered with FranceConnect+ in integration. */
const OPTIONS = {
  franceConnectPlus: {
    issuer: FRANCECONNECT_PLUS_ISSUERS.integration,
    clientId: 'service-fcp',
    clientSecret: SECRET,
    redirectUri: 'https://service.example.fr/auth/fcp/callback',
  },
  keys: { file: 'sp-keys.json' },
  production: false,
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fc-doctor-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a file of the test's directory and returns its absolute path. */
async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function refusal(path: string, env: Record<string, string> = {}): Promise<ConfigFileError> {
  const error: unknown = await loadDoctorConfig(path, env).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigFileError);
  return error as ConfigFileError;
}

describe('loadDoctorConfig', () => {
  it.each<[string, string, string]>([
    ['an ES module whose default export is the options', 'object.mjs', `export default ${JSON.stringify(OPTIONS)};`],
    ['a function returning them', 'factory.mjs', `export default () => (${JSON.stringify(OPTIONS)});`],
    ['an async function returning them', 'async-factory.js', `export default async () => { await new Promise((r) => setTimeout(r, 5)); return ${JSON.stringify(OPTIONS)}; };`],
    ['a JSON file', 'options.json', JSON.stringify(OPTIONS)],
  ])('resolves the options of %s, as the module resolves them', async (_kind, name, text) => {
    const path = await file(name, text);
    const config = await loadDoctorConfig(path, {});
    expect(config.source).toBe(path);
    expect(config.problems).toEqual([]);
    // Completed with the module's defaults.
    expect(config.options).toMatchObject({ jwksPath: '/.well-known/jwks.json', keys: { file: 'sp-keys.json' }, production: false });
    expect(config.platforms).toHaveLength(1);
    expect(config.platforms[0]).toMatchObject({ id: 'fcp', label: 'FranceConnect+', clientSecret: SECRET, encryptionAlg: 'RSA-OAEP-256', acrValues: 'eidas2' });
  });

  it('runs the module in the directory it is in, with its own imports', async () => {
    await file('registration.mjs', `export const issuer = ${JSON.stringify(FRANCECONNECT_ISSUERS.integration)};`);
    const path = await file(
      'franceconnect.config.mjs',
      `import { issuer } from './registration.mjs';
       export default { franceConnect: { issuer, clientId: 'service-fc', clientSecret: ${JSON.stringify(SECRET)}, redirectUri: 'https://service.example.fr/auth/fc/callback' } };`,
    );
    const config = await loadDoctorConfig(path, {});
    expect(config.platforms.map((platform) => [platform.id, platform.issuer])).toEqual([['fc', FRANCECONNECT_ISSUERS.integration]]);
    // FranceConnect alone needs no keys.
    expect(config.options?.keys).toBeUndefined();
  });

  it('returns the problems of options that do not resolve, and the platforms whose own registration does', async () => {
    const broken = {
      ...OPTIONS,
      franceConnect: { issuer: 'http://fc.example.fr/api/v2', clientId: 'service-fc', redirectUri: 'https://service.example.fr/auth/fc/callback' },
    };
    const config = await loadDoctorConfig(await file('broken.json', JSON.stringify(broken)), {});
    expect(config.options).toBeUndefined();
    expect(config.problems).toEqual([
      'franceConnect.issuer "http://fc.example.fr/api/v2" uses http: use https, or set allowInsecureHttp for the local emulator and tests.',
      'franceConnect.clientSecret is missing: set it to the client secret FranceConnect gave you at registration.',
    ]);
    expect(config.platforms.map((platform) => platform.id)).toEqual(['fcp']);
  });

  it('resolves in the environment given: NODE_ENV=production requires keys', async () => {
    const { keys: _keys, production: _production, ...withoutKeys } = OPTIONS;
    const path = await file('no-keys.json', JSON.stringify(withoutKeys));
    expect((await loadDoctorConfig(path, {})).options?.keys).toEqual({ generate: { file: '.data/sp-keys.json' } });
    const production = await loadDoctorConfig(path, { NODE_ENV: 'production' });
    expect(production.problems).toEqual([expect.stringMatching(/^keys is required in production for FranceConnect\+/)]);
    expect(production.platforms.map((platform) => platform.id)).toEqual(['fcp']);
  });

  it('reports options without any platform as a problem', async () => {
    const config = await loadDoctorConfig(await file('empty.mjs', 'export default {};'), {});
    expect(config.problems).toEqual([expect.stringMatching(/^No platform configured: set franceConnectPlus and\/or franceConnect/)]);
    expect(config.platforms).toEqual([]);
  });

  it('refuses a file that does not exist', async () => {
    const path = join(dir, 'missing.mjs');
    expect((await refusal(path)).message).toBe(`There is no configuration file ${path}.`);
  });

  it('refuses a module without a default export, saying what to export', async () => {
    const path = await file('named.mjs', `export const options = ${JSON.stringify(OPTIONS)};`);
    expect((await refusal(path)).message).toBe(
      `${path} has no default export: export default the options given to FranceConnectPlusModule.forRoot(), or a function returning them (the factory given to forRootAsync).`,
    );
  });

  it.each<[string, string, RegExp]>([
    ['a default export that is not an object', 'export default "options";', /gives a string instead of the module options: an object such as \{ franceConnectPlus:/],
    ['a function returning nothing', 'export default () => {};', /gives nothing instead of the module options/],
    ['a function returning a list', 'export default async () => [];', /gives an array instead of the module options/],
    ['a function that throws', 'export default () => { throw new TypeError("FCP_CLIENT_ID is not set"); };', /^The default export of .*throws\.mjs failed: TypeError: FCP_CLIENT_ID is not set$/],
    // The loader's own words differ between Node and the test runner: the file and the error are named.
    ['a module that does not load', 'export default {', /^Cannot load the configuration file .*throws\.mjs: \w*Error: ./],
  ])('refuses %s', async (_kind, text, message) => {
    const path = await file('throws.mjs', text);
    expect((await refusal(path)).message).toMatch(message);
  });

  it('refuses a JSON file that is not JSON without quoting it', async () => {
    const path = await file('broken.json', `{ "franceConnectPlus": { "clientSecret": "${SECRET}" `);
    const error = await refusal(path);
    expect(error.message).toBe(`The configuration file ${path} is not valid JSON.`);
    expect(error.message).not.toContain(SECRET);
  });
});

describe('findConfigFile', () => {
  it('finds franceconnect.config.js, then .mjs, then .json in the directory', async () => {
    expect(await findConfigFile(dir)).toBeUndefined();
    await file('franceconnect.config.json', '{}');
    expect(await findConfigFile(dir)).toBe(join(dir, 'franceconnect.config.json'));
    await file('franceconnect.config.mjs', 'export default {};');
    expect(await findConfigFile(dir)).toBe(join(dir, 'franceconnect.config.mjs'));
    await file('franceconnect.config.js', 'export default {};');
    expect(await findConfigFile(dir)).toBe(join(dir, 'franceconnect.config.js'));
  });
});
