import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyFileError, readKeyFile, writeKeyFile } from '../../libs/franceconnect/src/cli/key-file.js';
import { KeySet } from '../../libs/franceconnect/src/keys/key-set.js';
import { compileCli, runCli, runCompiledCli, type CliResult } from './cli-harness.js';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const HOUR_MS = 3_600_000;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

let dir: string;
let file: string;
/** Every private member value written to a key file during the test, to prove none is printed. */
const secrets = new Set<string>();

async function readJwks(path = file): Promise<{ keys: Record<string, unknown>[] }> {
  const jwks = JSON.parse(await readFile(path, 'utf8')) as { keys: Record<string, unknown>[] };
  for (const key of jwks.keys) {
    for (const member of PRIVATE_MEMBERS) if (typeof key[member] === 'string') secrets.add(key[member]);
  }
  return jwks;
}

function states(jwks: { keys: Record<string, unknown>[] }): string[] {
  return jwks.keys.map((key) => `${String(key['kid'])}:${String(key['fc:state'])}`);
}

/** Runs a command at time `at` on the test's key file and checks that it printed no key material. */
async function keys(args: string[], at = NOW, env: Record<string, string> = {}): Promise<CliResult> {
  const result = await runCli(['keys', ...args], { now: () => at, cwd: dir, env });
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret.slice(0, 24));
    expect(result.stderr).not.toContain(secret.slice(0, 24));
  }
  expect(result.stdout).not.toMatch(/"d":/);
  return result;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fc-keys-cli-'));
  file = join(dir, 'secrets', 'sp-keys.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('franceconnect keys generate', () => {
  it('creates the file with mode 0600, the first key of its alg being current', async () => {
    const result = await keys(['generate', '--alg', 'RSA-OAEP-256', '--kid', 'rsa-1', '--file', file]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Created ${file} (mode 0600) with key "rsa-1" (enc RSA-OAEP-256) as current.`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const jwks = await readJwks();
    expect(states(jwks)).toEqual(['rsa-1:current']);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'enc', alg: 'RSA-OAEP-256' });
  });

  it('adds the next key of an alg as next, and the first of another alg as current', async () => {
    await keys(['generate', '--alg', 'RSA-OAEP-256', '--kid', 'rsa-1', '--file', file]);
    const second = await keys(['generate', '--alg', 'RSA-OAEP-256', '--kid', 'rsa-2', '--file', file]);
    expect(second.stdout).toMatch(/as next\.\nIt is published after the current RSA-OAEP-256 key.*\n.*\n.*keys rotate --alg RSA-OAEP-256/);
    await keys(['generate', '--alg', 'ECDH-ES', '--kid', 'ec-1', '--file', file]);
    await keys(['generate', '--use', 'sig', '--alg', 'ES256', '--kid', 'sig-1', '--file', file]);
    const jwks = await readJwks();
    expect(states(jwks)).toEqual(['rsa-1:current', 'ec-1:current', 'sig-1:current', 'rsa-2:next']);
    // The application loads it as it is, the current key first for FranceConnect+.
    const keySet = await KeySet.fromJwks(jwks);
    expect(keySet.firstEncryptionKey('RSA-OAEP-256')?.kid).toBe('rsa-1');
  });

  it('uses SP_KEYS_FILE when --file is not given, relative to the working directory', async () => {
    const result = await keys(['generate', '--alg', 'ECDH-ES'], NOW, { SP_KEYS_FILE: 'from-env.json' });
    expect(result.code).toBe(0);
    expect(states(await readJwks(join(dir, 'from-env.json')))).toHaveLength(1);
  });

  it('keeps the mode of an existing file', async () => {
    await keys(['generate', '--alg', 'RSA-OAEP-256', '--file', file]);
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o640);
    await keys(['generate', '--alg', 'RSA-OAEP-256', '--file', file]);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    const listed = await keys(['list', '--file', file]);
    expect(listed.stdout).toMatch(/warning: mode 0640 lets other users read private keys; chmod 600 it/);
  });

  it('refuses to add a key to an invalid key file, and writes nothing', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dirname(file), { recursive: true });
    const invalid = JSON.stringify({ keys: [{ kid: 'x', kty: 'RSA', use: 'enc', alg: 'RSA-OAEP-256', d: 'c2VjcmV0LW1hdGVyaWFs' }] });
    await writeFile(file, invalid);
    const result = await keys(['generate', '--alg', 'RSA-OAEP-256', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: Invalid FranceConnect key configuration/);
    expect(result.stderr).toContain(`${file}: keys[0] (kid "x")`);
    expect(result.stderr).not.toContain('c2VjcmV0LW1hdGVyaWFs');
    expect(await readFile(file, 'utf8')).toBe(invalid);
  });
});

describe('franceconnect keys rotate, retire, prune, list, public', () => {
  beforeEach(async () => {
    await keys(['generate', '--alg', 'RSA-OAEP-256', '--kid', 'old', '--file', file]);
    await keys(['generate', '--alg', 'RSA-OAEP-256', '--kid', 'new', '--file', file]);
    await keys(['generate', '--alg', 'ECDH-ES', '--kid', 'ec', '--file', file]);
  });

  it('promotes the next key and retires the current one with the time of the rotation', async () => {
    const result = await keys(['rotate', '--file', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"old" (enc RSA-OAEP-256): current -> retired, decrypts until 2026-06-02T12:00:00.000Z');
    expect(result.stdout).toContain('"new" (enc RSA-OAEP-256): next -> current');
    const jwks = await readJwks();
    expect(states(jwks)).toEqual(['ec:current', 'new:current', 'old:retired']);
    expect(jwks.keys[2]?.['fc:retiredAt']).toBe(NOW / 1000);

    const publicJwks = JSON.parse((await keys(['public', '--file', file])).stdout) as { keys: Record<string, unknown>[] };
    expect(publicJwks.keys.map((key) => key['kid'])).toEqual(['ec', 'new']);
    for (const key of publicJwks.keys) {
      expect(Object.keys(key).every((member) => ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'].includes(member))).toBe(true);
    }
  });

  it('refuses to rotate an alg without a next key', async () => {
    const result = await keys(['rotate', '--alg', 'ECDH-ES', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: There is no next ECDH-ES key to promote: add one first \(keys generate --alg ECDH-ES\)/);
  });

  it('lists the keys with their state, then prunes the retired one once its grace period has ended', async () => {
    await keys(['rotate', '--file', file]);
    const listed = await keys(['list', '--file', file], NOW + HOUR_MS);
    expect(listed.stdout).toMatch(/kid\s+use\s+alg\s+state\s+published\s+decryption/);
    expect(listed.stdout).toMatch(/old\s+enc\s+RSA-OAEP-256\s+retired\s+no\s+decrypts until 2026-06-02T12:00:00.000Z/);

    const early = await keys(['prune', '--file', file], NOW + 23 * HOUR_MS);
    expect(early.stdout).toMatch(/Nothing to do .*no retired key is past its grace period \(24h\)/);
    const shortGrace = await keys(['list', '--grace', '1h', '--file', file], NOW + 2 * HOUR_MS);
    expect(shortGrace.stdout).toMatch(/old\s+enc\s+RSA-OAEP-256\s+retired\s+no\s+expired 2026-06-01T13:00:00.000Z/);

    const pruned = await keys(['prune', '--file', file], NOW + 24 * HOUR_MS);
    expect(pruned.stdout).toContain('"old" (enc RSA-OAEP-256): retired -> removed');
    expect(states(await readJwks())).toEqual(['ec:current', 'new:current']);
  });

  it('retires a key, refusing the last published key of an alg unless forced', async () => {
    const refused = await keys(['retire', '--kid', 'ec', '--file', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only published "enc" key for ECDH-ES.*pass --force/);
    expect((await keys(['retire', '--kid', 'old', '--file', file])).stderr).toMatch(/use keys rotate --alg RSA-OAEP-256/);
    const retired = await keys(['retire', '--kid', 'new', '--file', file]);
    expect(retired.code).toBe(0);
    expect(states(await readJwks())).toEqual(['old:current', 'ec:current', 'new:retired']);
    expect((await keys(['retire', '--kid', 'ec', '--force', '--file', file])).code).toBe(0);
    expect((await keys(['retire', '--kid', 'nope', '--file', file])).stderr).toMatch(/No key has kid "nope"/);
  });
});

describe('franceconnect keys misuse', () => {
  it.each<[string, string[], RegExp]>([
    ['no keys command', [], /Usage: franceconnect keys/],
    ['an unknown keys command', ['spin'], /Unknown keys command "spin": use one of generate, rotate, retire, prune, list, public/],
    ['generate without --alg', ['generate'], /keys generate needs --alg: RSA-OAEP, RSA-OAEP-256, ECDH-ES/],
    ['an unsupported alg', ['generate', '--alg', 'A256KW'], /--alg "A256KW" is not supported/],
    ['a signing alg with --use enc', ['generate', '--alg', 'ES256', '--use', 'enc'], /--alg ES256 is a signing algorithm: it cannot be used with --use enc/],
    ['an unknown option', ['rotate', '--kid', 'x'], /Unknown option --kid \(this command takes --file, --help, --alg, --use, --grace\)/],
    ['an option without value', ['generate', '--alg'], /--alg needs a value/],
    ['an option followed by another option', ['generate', '--file', '--alg', 'ES256'], /--file needs a value \(it is followed by --alg; write --file=--alg if that is the value\)/],
    ['an empty value', ['list', '--file='], /--file needs a value/],
    ['a value given to a flag', ['retire', '--kid', 'x', '--force=yes'], /--force takes no value/],
    ['a short option it does not take', ['list', '-f', 'keys.json'], /Unknown option -f \(this command takes --file, --help, --grace\)/],
    ['a bad duration', ['prune', '--grace', 'soon'], /--grace must be a duration such as 3600, 90s, 15m, 24h or 2d; got "soon"/],
    ['retire without --kid', ['retire'], /keys retire needs --kid/],
    ['a stray argument', ['list', 'extra'], /Unexpected argument "extra" for keys list/],
  ])('exits with 2 and the usage for %s', async (_name, args, message) => {
    const result = await keys(args);
    expect(result.code).toBe(2);
    expect(`${result.stdout}${result.stderr}`).toMatch(message);
    expect(`${result.stdout}${result.stderr}`).toContain('Usage: franceconnect keys <command> [options]');
  });

  it('exits with 2 and the main usage for an unknown command, 0 for help', async () => {
    const unknown = await runCli(['kees']);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toMatch(/^error: Unknown command "kees"\.\n\nUsage: franceconnect <command>/);
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['keys', 'rotate', '--help'])).stdout).toContain('Usage: franceconnect keys');
    expect(await runCli(['keys', 'list', '-h'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: franceconnect keys') });
  });

  it('says there is no key file to rotate rather than creating one', async () => {
    const result = await keys(['rotate', '--file', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`There is no key file at ${file}: create one with franceconnect keys generate`);
  });
});

describe('writeKeyFile', () => {
  it('writes nothing when the file changed since it was read', async () => {
    await keys(['generate', '--alg', 'ECDH-ES', '--file', file]);
    const read = await readKeyFile(file);
    await keys(['generate', '--alg', 'ECDH-ES', '--file', file]);
    const changed = await readFile(file, 'utf8');
    await expect(writeKeyFile(read, { keys: [] })).rejects.toThrow(KeyFileError);
    expect(await readFile(file, 'utf8')).toBe(changed);
  });
});

describe('the compiled franceconnect executable', () => {
  let mainJs: string;

  afterAll(async () => {
    if (mainJs) await rm(mainJs.slice(0, mainJs.indexOf('/libs/')), { recursive: true, force: true });
  });

  it('runs as a child process, with exit codes', async () => {
    mainJs = await compileCli();
    const created = await runCompiledCli(mainJs, ['keys', 'generate', '--alg', 'RSA-OAEP-256', '--kid', 'child'], {
      cwd: dir,
      env: { SP_KEYS_FILE: 'keys.json' },
    });
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toContain('with key "child" (enc RSA-OAEP-256) as current');
    const printed = await runCompiledCli(mainJs, ['keys', 'public', '--file', 'keys.json'], { cwd: dir });
    expect(JSON.parse(printed.stdout)).toMatchObject({ keys: [{ kid: 'child', use: 'enc', alg: 'RSA-OAEP-256', kty: 'RSA' }] });
    expect(printed.stdout).not.toMatch(/"(d|p|q)":/);
    const misuse = await runCompiledCli(mainJs, ['keys', 'generate'], { cwd: dir });
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toContain('keys generate needs --alg');
  });

  it('runs doctor on the franceconnect.config.mjs of its working directory, a module Node imports', async () => {
    mainJs ??= await compileCli();
    // Options the module refuses: each problem is a failed check, and nothing is fetched.
    await writeFile(
      join(dir, 'franceconnect.config.mjs'),
      "export default async () => ({ franceConnectPlus: { issuer: 'https://auth.example.fr/api/v2', clientId: 'service' } });\n",
    );
    const result = await runCompiledCli(mainJs, ['doctor'], { cwd: dir });
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout).toContain(`Configuration from ${join(dir, 'franceconnect.config.mjs')}, HTTP timeout 5s`);
    expect(result.stdout).toMatch(/^options\s+FAIL\s+franceConnectPlus\.clientSecret is missing/m);
    expect(result.stdout).toMatch(/^options\s+FAIL\s+franceConnectPlus\.redirectUri is missing/m);
    expect(result.stdout).toMatch(/^SP state\/nonce\s+ok/m);
    expect(result.stdout).toContain('2 failures, 0 warnings. Fix the failures before qualification.');
  });

  it('loads a TypeScript configuration file where Node strips types, and says what to do elsewhere', async () => {
    mainJs ??= await compileCli();
    await writeFile(join(dir, 'franceconnect.config.ts'), "const options: { franceConnect: object } = { franceConnect: { issuer: 'https://fc.example.fr/api/v2' } };\nexport default options;\n");
    const result = await runCompiledCli(mainJs, ['doctor', '--json', '--config', 'franceconnect.config.ts'], { cwd: dir });
    expect(result.code).toBe(1);
    if ((process.features as { typescript?: unknown }).typescript) {
      const { checks } = JSON.parse(result.stdout) as { checks: { name: string; verdict: string; detail: string }[] };
      expect(checks).toContainEqual({ name: 'options', verdict: 'FAIL', detail: expect.stringMatching(/^franceConnect\.clientId is missing/) });
    } else {
      expect(result.stderr).toBe(
        `error: This version of Node cannot load ${join(dir, 'franceconnect.config.ts')} (.ts): give the compiled .js file instead, or run doctor with a Node that strips TypeScript types (22.18 or later).\n`,
      );
    }
  });
});
