/**
 * `franceconnect doctor` against the running emulator and sample app, with the sample app's own module
 * options (everything passes with --dev), and against a broken configuration served by a hand-written
 * fake platform (each failure named).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DemoConfig } from '../../apps/demo/src/demo.config.js';
import { franceConnectPlatformOptions } from '../../apps/demo/src/franceconnect.config.js';
import type { DoctorCheck } from '../../libs/franceconnect/src/cli/doctor/doctor-checks.js';
import { KeyService, type FranceConnectModuleOptions } from '../../libs/franceconnect/src/index.js';
import { generateEncryptionKey } from '../../libs/franceconnect/src/keys/index.js';
import { freePorts, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { runCli, type CliResult } from './cli-harness.js';

const REPOSITORY = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface DoctorReport {
  readonly source: string;
  readonly failures: number;
  readonly warnings: number;
  readonly checks: DoctorCheck[];
}

/**
 * Runs `franceconnect doctor --json` in `cwd` (default: a directory without a configuration file), with
 * `env` as its environment (default: empty).
 */
async function doctor(
  args: string[],
  options: { now?: () => number; cwd?: string; env?: Record<string, string> } = {},
): Promise<{ result: CliResult; report: DoctorReport }> {
  const result = await runCli(['doctor', '--json', ...args], { env: options.env ?? {}, now: options.now ?? Date.now, cwd: options.cwd ?? tmpdir() });
  return { result, report: JSON.parse(result.stdout) as DoctorReport };
}

function verdicts(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.name, check.verdict]));
}

function detailOf(report: DoctorReport, name: string): string {
  return report.checks.find((check) => check.name === name)?.detail ?? '';
}

/** Writes a configuration file (JSON, or an ES module exporting the options) into a new directory. */
async function configFile(options: FranceConnectModuleOptions, name = 'franceconnect.config.json'): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'fc-doctor-')), name);
  await writeFile(path, name.endsWith('.json') ? JSON.stringify(options) : `export default async () => (${JSON.stringify(options)});\n`);
  return path;
}

/** The sample app's module options for the stack, its settings changed by `change`, as a configuration file. */
function stackConfig(stack: DemoStack, change: (config: DemoConfig) => DemoConfig = (config) => config): Promise<string> {
  return configFile(franceConnectPlatformOptions(change(stack.config)));
}

const PLATFORM_CHECKS = ['settings', 'issuer', 'redirect URIs', 'discovery', 'clock', 'signing', 'client auth', 'endpoints', 'acr', 'signing keys', 'authorization request'];

const ALL_CHECKS = [
  ...PLATFORM_CHECKS.map((check) => `FranceConnect ${check}`),
  ...PLATFORM_CHECKS.flatMap((check) => (check === 'signing' ? ['FranceConnect+ signing', 'FranceConnect+ encryption'] : [`FranceConnect+ ${check}`])),
  'SP state/nonce',
  'SP keys',
  'SP published JWKS',
];

describe('franceconnect doctor against the emulator and the sample app', () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack({ encryptionAlg: 'RSA-OAEP-256' });
  });
  afterAll(async () => stack?.stop());

  it('passes every check with --dev', async () => {
    const config = await stackConfig(stack);
    const { result, report } = await doctor(['--dev', '--config', config]);
    expect(report.checks.filter((check) => check.verdict !== 'ok')).toEqual([]);
    expect(report.checks.map((check) => check.name)).toEqual(ALL_CHECKS);
    expect(result.code).toBe(0);
    expect(report.source).toBe(config);
    expect(detailOf(report, 'FranceConnect+ settings')).toBe('client demo-fcp, secret set, signing ES256, encryption RSA-OAEP-256 + A256GCM, level eidas2');
    expect(detailOf(report, 'FranceConnect+ encryption')).toBe('ID token and userinfo encrypted with RSA-OAEP-256 + A256GCM');
    expect(detailOf(report, 'SP state/nonce')).toMatch(/^43 random characters each/);
    expect(detailOf(report, 'SP keys')).toMatch(new RegExp(`^${stack.config.keysFile}: 3 keys; FranceConnect\\+ encrypts to ".+" \\(RSA-OAEP-256, current\\)$`));
    // Fetched where FranceConnect+ fetches it: the callback's site and the module's jwksPath.
    expect(detailOf(report, 'SP published JWKS')).toMatch(
      new RegExp(`^${stack.appUrl}/\\.well-known/jwks\\.json: FranceConnect\\+ encrypts to kid ".+" \\(RSA-OAEP-256, first of 3 keys\\), matches the service's keys, max-age=300$`),
    );
  });

  it("checks the sample app's own configuration file, franceconnect.config.ts", async () => {
    for (const [name, value] of Object.entries({
      APP_URL: stack.config.appUrl,
      FCP_ISSUER: stack.config.fcp.issuer,
      FC_ISSUER: stack.config.fc.issuer,
      SP_KEYS_FILE: stack.config.keysFile ?? '',
    })) {
      vi.stubEnv(name, value);
    }
    try {
      const { result, report } = await doctor(['--dev', '--config', 'apps/demo/src/franceconnect.config.ts'], { cwd: REPOSITORY });
      expect(report.source).toBe(join(REPOSITORY, 'apps/demo/src/franceconnect.config.ts'));
      expect(report.checks.map((check) => check.name)).toEqual(ALL_CHECKS);
      expect(report.checks.filter((check) => check.verdict !== 'ok')).toEqual([]);
      expect(result.code).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('reads franceconnect.config.mjs in the working directory when --config is not given', async () => {
    const { franceConnect: _franceConnect, ...plusOnly } = franceConnectPlatformOptions(stack.config);
    const config = await configFile(plusOnly, 'franceconnect.config.mjs');
    const { result, report } = await doctor(['--dev'], { cwd: dirname(config) });
    expect(result.code).toBe(0);
    expect(report.source).toBe(config);
    expect(report.checks.every((check) => check.verdict === 'ok')).toBe(true);
    expect(report.checks.map((check) => check.name)).toEqual(ALL_CHECKS.filter((name) => !name.startsWith('FranceConnect ')));
  });

  it('loads the service\'s keys as the module does: from a variable of the environment, and not from a key file without a path', async () => {
    const { franceConnect: _franceConnect, ...plusOnly } = franceConnectPlatformOptions(stack.config);
    const fromEnv = await configFile({ ...plusOnly, keys: { env: 'SP_JWKS' } });
    const { result, report } = await doctor(['--dev', '--config', fromEnv], { env: { SP_JWKS: await readFile(stack.config.keysFile as string, 'utf8') } });
    expect(result.code).toBe(0);
    expect(detailOf(report, 'SP keys')).toMatch(/^environment variable SP_JWKS: 3 keys; FranceConnect\+ encrypts to ".+" \(RSA-OAEP-256, current\)$/);
    expect(detailOf(report, 'SP published JWKS')).toMatch(/matches the service's keys/);

    const unset = await doctor(['--dev', '--config', fromEnv]);
    expect(verdicts(unset.report)['SP keys']).toBe('FAIL');
    expect(detailOf(unset.report, 'SP keys')).toMatch(/environment variable SP_JWKS is not set or is empty/);

    // An unset variable in a configuration module leaves keys.file undefined.
    const noPath = join(await mkdtemp(join(tmpdir(), 'fc-doctor-')), 'franceconnect.config.mjs');
    await writeFile(noPath, `export default { ...${JSON.stringify(plusOnly)}, keys: { file: process.env.NOT_SET } };\n`);
    const missingPath = await doctor(['--dev', '--config', noPath]);
    expect(verdicts(missingPath.report)['SP keys']).toBe('FAIL');
    expect(detailOf(missingPath.report, 'SP keys')).toBe('keys.file must be the path of a private JWKS JSON file; got nothing.');
  });

  it('judges a development key file as the application does at start-up: an existing file must hold a key of every algorithm', async () => {
    const { franceConnect: _franceConnect, ...plusOnly } = franceConnectPlatformOptions(stack.config);
    const directory = await mkdtemp(join(tmpdir(), 'fc-doctor-'));
    const onlyOne = join(directory, 'dev-keys.json');
    await writeFile(onlyOne, JSON.stringify({ keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'only' })] }));
    const config = await configFile({ ...plusOnly, keys: { generate: { file: onlyOne } } });
    const { report } = await doctor(['--dev', '--config', config]);
    expect(verdicts(report)['SP keys']).toBe('FAIL');
    expect(detailOf(report, 'SP keys')).toMatch(/RSA-OAEP, ECDH-ES/);
    await expect(
      KeyService.load({ source: { generate: { file: onlyOne } }, production: false, encryptionAlg: 'RSA-OAEP-256', signers: [] }),
    ).rejects.toThrow(/RSA-OAEP, ECDH-ES/);
  });

  it('tries the client id and secret at the token endpoint, and names the option when the platform refuses them', async () => {
    const accepted = await doctor(['--dev', '--config', await stackConfig(stack)]);
    expect(detailOf(accepted.report, 'FranceConnect+ client auth')).toBe('client_secret_post; the client id and secret are accepted (a made-up code was refused as invalid_grant)');
    expect(detailOf(accepted.report, 'FranceConnect client auth')).toMatch(/accepted/);
    const wrong = await stackConfig(stack, (config) => ({ ...config, fcp: { ...config.fcp, clientSecret: 'a-wrong-client-secret-0123456789abcdef' } }));
    const { result, report } = await doctor(['--dev', '--config', wrong]);
    expect(result.code).toBe(1);
    expect(verdicts(report)['FranceConnect+ client auth']).toBe('FAIL');
    expect(detailOf(report, 'FranceConnect+ client auth')).toMatch(
      /refused the client id or secret \(invalid_client\): check franceConnectPlus\.clientId and franceConnectPlus\.clientSecret/,
    );
    expect(verdicts(report)['FranceConnect client auth']).toBe('ok');
  });

  it('sends the authorization request the module would send, and names the registration it does not match', async () => {
    const withAmr = (config: DemoConfig): DemoConfig => ({ ...config, requestAmr: true });
    const ok = await doctor(['--dev', '--config', await stackConfig(stack, withAmr)]);
    expect(detailOf(ok.report, 'FranceConnect+ authorization request')).toMatch(/^accepted \(HTTP 303\); sends .*claims/);
    // The same options against registrations that do not list the amr claim.
    const unregistered = await startDemoStack({ registrations: { fc: { claims: [] }, fcp: { claims: [] } } });
    try {
      const { report } = await doctor(['--dev', '--config', await stackConfig(unregistered, withAmr)]);
      for (const platform of ['FranceConnect+', 'FranceConnect']) {
        expect(verdicts(report)[`${platform} authorization request`]).toBe('FAIL');
        expect(detailOf(report, `${platform} authorization request`)).toMatch(/error page Y100009: the amr claim is asked for but the registration does not list it/);
      }
      // Without requestAmr, the module asks for nothing the registration does not allow.
      expect(verdicts((await doctor(['--dev', '--config', await stackConfig(unregistered)])).report)['FranceConnect+ authorization request']).toBe('ok');
    } finally {
      await unregistered.stop();
    }
  });

  it('checks private_key_jwt registrations without a client secret, and the signing key they need', async () => {
    const config = await stackConfig(stack, (demo) => ({ ...demo, fcp: { ...demo.fcp, tokenEndpointAuthMethod: 'private_key_jwt' } }));
    const { report } = await doctor(['--dev', '--config', config]);
    expect(verdicts(report)['FranceConnect+ settings']).toBe('ok');
    expect(detailOf(report, 'FranceConnect+ settings')).toMatch(/^client demo-fcp, private_key_jwt signed with ES256,/);
    expect(detailOf(report, 'FranceConnect+ client auth')).toBe('private_key_jwt');
    // The stack's key file has no signing key: the module would refuse to start.
    expect(verdicts(report)['SP keys']).toBe('FAIL');
    expect(detailOf(report, 'SP keys')).toMatch(/no current signing key for "ES256", which franceConnectPlus\.tokenEndpointAuthMethod "private_key_jwt" signs its client assertions with/);
  });

  it('prints a table with a verdict per check, and never a secret', async () => {
    const config = await stackConfig(stack);
    const result = await runCli(['doctor', '--dev', '--config', config], { env: {}, cwd: tmpdir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Configuration from ${config} (--dev: http://localhost allowed), HTTP timeout 5s`);
    expect(result.stdout).toMatch(/^check\s+verdict\s+detail$/m);
    expect(result.stdout).toMatch(/^FranceConnect\+ discovery\s+ok\s+http:\/\/localhost:\d+\/api\/v2\/\.well-known\/openid-configuration answered, issuer matches$/m);
    expect(result.stdout).toContain('Every check passed.');
    expect(result.stdout).not.toContain(stack.config.fcp.clientSecret);
    expect(result.stdout).not.toContain(stack.config.fc.clientSecret);
  });

  it('refuses http://localhost and the demo secrets without --dev', async () => {
    const { result, report } = await doctor(['--config', await stackConfig(stack)]);
    expect(result.code).toBe(1);
    expect(verdicts(report)).toMatchObject({
      'FranceConnect+ settings': 'FAIL',
      'FranceConnect+ issuer': 'FAIL',
      'FranceConnect+ redirect URIs': 'FAIL',
      'SP published JWKS': 'FAIL',
    });
    expect(detailOf(report, 'FranceConnect+ settings')).toMatch(/franceConnectPlus\.clientSecret is the emulator's demo secret/);
    expect(detailOf(report, 'FranceConnect+ issuer')).toMatch(/^franceConnectPlus\.issuer http:\/\/localhost:\d+\/api\/v2: http:\/\/localhost is only for development: use https, or pass --dev\.$/);
  });

  it('warns above 5 s of clock skew and fails when tokens would look expired', async () => {
    const config = await stackConfig(stack);
    const ahead = await doctor(['--dev', '--config', config], { now: () => Date.now() + 10_000 });
    expect(verdicts(ahead.report)['FranceConnect+ clock']).toBe('warn');
    expect(detailOf(ahead.report, 'FranceConnect+ clock')).toMatch(/local clock (9|10|11) s ahead of the platform's: more than the 5 s tolerance/);
    expect(ahead.result.code).toBe(0);

    const far = await doctor(['--dev', '--config', config], { now: () => Date.now() - 120_000 });
    expect(verdicts(far.report)['FranceConnect clock']).toBe('FAIL');
    expect(detailOf(far.report, 'FranceConnect clock')).toMatch(/local clock 1(19|20|21) s behind the platform's: ID tokens live 60 s/);
    expect(far.result.code).toBe(1);
  });

  it('lists what keeps the options from resolving, and still checks the platform whose registration resolves', async () => {
    const options = franceConnectPlatformOptions(stack.config);
    const { clientSecret: _secret, ...withoutSecret } = options.franceConnect!;
    const { result, report } = await doctor(['--dev', '--config', await configFile({ ...options, franceConnect: withoutSecret })]);
    expect(result.code).toBe(1);
    expect(report.checks[0]).toEqual({
      name: 'options',
      verdict: 'FAIL',
      detail: 'franceConnect.clientSecret is missing: set it to the client secret FranceConnect gave you at registration.',
    });
    expect(report.checks.slice(1).map((check) => check.name)).toEqual([
      ...ALL_CHECKS.filter((name) => name.startsWith('FranceConnect+ ')),
      // The service's keys are checked once the options resolve.
      'SP state/nonce',
    ]);
    expect(report.checks.slice(1).every((check) => check.verdict === 'ok')).toBe(true);
  });

  it('fails when the published JWKS is not the key file in use, until the application reloads it', async () => {
    const keysFile = stack.config.keysFile as string;
    const config = await stackConfig(stack);
    for (const args of [
      ['generate', '--alg', 'RSA-OAEP-256', '--kid', 'promoted', '--file', keysFile],
      ['rotate', '--alg', 'RSA-OAEP-256', '--file', keysFile],
    ]) {
      expect((await runCli(['keys', ...args])).code).toBe(0);
    }
    const stale = await doctor(['--dev', '--config', config]);
    expect(verdicts(stale.report)['SP published JWKS']).toBe('FAIL');
    expect(detailOf(stale.report, 'SP published JWKS')).toMatch(
      /FranceConnect\+ will encrypt to kid ".+", but the first RSA-OAEP-256 key of the service's keys is "promoted" \(they hold ".+" as retired\): make the application load its keys again/,
    );

    await stack.app.get(KeyService).reload();
    const fresh = await doctor(['--dev', '--config', config]);
    expect(verdicts(fresh.report)['SP published JWKS']).toBe('ok');
    expect(detailOf(fresh.report, 'SP published JWKS')).toContain('encrypts to kid "promoted"');
  });
});

describe('franceconnect doctor against a broken configuration', () => {
  let platform: Server;
  let platformUrl: string;
  let closedPortUrl: string;

  beforeAll(async () => {
    const leaked = await generateEncryptionKey('RSA-OAEP-256', { kid: 'leaked' });
    platform = createServer((req, res) => {
      const issuer = `${platformUrl}/api/v2`;
      const json = (body: unknown): void => {
        // A platform whose clock is two minutes ahead.
        res.writeHead(200, { 'content-type': 'application/json', date: new Date(Date.now() + 120_000).toUTCString() });
        res.end(JSON.stringify(body));
      };
      if (req.url?.startsWith('/api/v2/authorize?')) {
        // FranceConnect's error page for a redirect URI the registration does not hold.
        res.writeHead(400, { 'content-type': 'text/html' }).end('<p>Code d’erreur : Y04C013C</p>');
        return;
      }
      switch (req.url) {
        case '/api/v2/.well-known/openid-configuration':
          json({
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            userinfo_endpoint: `${issuer}/userinfo`,
            jwks_uri: `${issuer}/jwks`,
            end_session_endpoint: `${issuer}/session/end`,
            id_token_signing_alg_values_supported: ['ES256'],
            userinfo_signing_alg_values_supported: ['ES256'],
            // RSA-OAEP-256 is registered; A256GCM is missing.
            id_token_encryption_alg_values_supported: ['RSA-OAEP'],
            id_token_encryption_enc_values_supported: ['A128GCM'],
            userinfo_encryption_alg_values_supported: ['RSA-OAEP'],
            userinfo_encryption_enc_values_supported: ['A128GCM'],
            token_endpoint_auth_methods_supported: ['client_secret_basic'],
            acr_values_supported: ['eidas2', 'eidas3'],
          });
          return;
        case '/api/v2/jwks':
          // An RSA key only: nothing to verify ES256 signatures with.
          json({ keys: [{ kty: 'RSA', kid: 'rsa', use: 'sig', alg: 'RS256', n: leaked.n, e: leaked.e }] });
          return;
        case '/.well-known/jwks.json':
          // The service's JWKS, published with its private part.
          json({ keys: [leaked] });
          return;
        default:
          res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
    platformUrl = `http://localhost:${(platform.address() as AddressInfo).port}`;
    closedPortUrl = `http://localhost:${(await freePorts(1))[0]}/api/v2`;
  });

  afterAll(async () => {
    await new Promise((resolve) => platform?.close(resolve));
  });

  it('names every failure and exits with 1', async () => {
    const keysFile = join(tmpdir(), 'no-such-dir', 'sp-keys.json');
    const config = await configFile({
      franceConnect: {
        issuer: closedPortUrl,
        clientId: 'service-fc',
        clientSecret: 'a-registered-fc-client-secret-0123456789',
        redirectUri: `${platformUrl}/auth/fc/callback`,
      },
      franceConnectPlus: {
        issuer: `${platformUrl}/api/v2`,
        clientId: 'service',
        clientSecret: 'a-registered-client-secret-0123456789abcdef',
        encryptionAlg: 'RSA-OAEP-256',
        redirectUri: `${platformUrl}/auth/fcp/callback`,
        postLogoutRedirectUri: 'http://service.example.test/auth/logout/callback',
      },
      keys: { file: keysFile },
      allowInsecureHttp: true,
      production: false,
    });
    const { result, report } = await doctor(['--dev', '--timeout', '2s', '--config', config]);
    expect(result.code).toBe(1);
    const failed = report.checks.filter((check) => check.verdict === 'FAIL').map((check) => check.name);
    expect(failed).toEqual([
      'FranceConnect discovery',
      'FranceConnect+ redirect URIs',
      'FranceConnect+ clock',
      'FranceConnect+ encryption',
      'FranceConnect+ client auth',
      'FranceConnect+ signing keys',
      'FranceConnect+ authorization request',
      'SP keys',
      'SP published JWKS',
    ]);
    expect(report.failures).toBe(failed.length);
    expect(detailOf(report, 'FranceConnect discovery')).toMatch(/is unreachable \(ECONNREFUSED\): check franceConnect\.issuer/);
    expect(detailOf(report, 'FranceConnect+ redirect URIs')).toBe(
      'franceConnectPlus.postLogoutRedirectUri http://service.example.test/auth/logout/callback: http:// is refused: use https.',
    );
    expect(detailOf(report, 'FranceConnect+ clock')).toMatch(/local clock 1(19|20|21) s behind the platform's/);
    expect(detailOf(report, 'FranceConnect+ encryption')).toBe(
      'id_token_encryption_alg_values_supported does not include RSA-OAEP-256; id_token_encryption_enc_values_supported does not include A256GCM; userinfo_encryption_alg_values_supported does not include RSA-OAEP-256; userinfo_encryption_enc_values_supported does not include A256GCM: the platform cannot encrypt as registered (franceConnectPlus.encryptionAlg); check the algorithm and that this is a FranceConnect+ issuer.',
    );
    expect(detailOf(report, 'FranceConnect+ client auth')).toMatch(/does not offer client_secret_post \(offers client_secret_basic\)/);
    expect(detailOf(report, 'FranceConnect+ signing keys')).toMatch(/publishes no ES256 key/);
    expect(detailOf(report, 'FranceConnect+ authorization request')).toMatch(/refused it with HTTP 400 and its error page Y04C013C: the redirect URI is not registered/);
    expect(detailOf(report, 'SP keys')).toBe(`keys.file ${keysFile} does not exist: create it with franceconnect keys generate --alg RSA-OAEP-256 --file ${keysFile}.`);
    expect(detailOf(report, 'SP published JWKS')).toMatch(new RegExp(`^${platformUrl}/\\.well-known/jwks\\.json publishes PRIVATE key material \\(kid "leaked"\\)`));
    // Warnings are reported without failing on their own.
    expect(verdicts(report)).toMatchObject({ 'FranceConnect+ endpoints': 'warn', 'FranceConnect redirect URIs': 'warn' });
    expect(detailOf(report, 'FranceConnect+ endpoints')).toMatch(/revocation_endpoint is missing/);
    expect(detailOf(report, 'FranceConnect redirect URIs')).toMatch(/franceConnect\.postLogoutRedirectUri is not set: signing out closes the local session only/);
  });

  it('says when no platform is configured', async () => {
    const { result, report } = await doctor(['--config', await configFile({})]);
    expect(result.code).toBe(1);
    expect(report.checks[0]).toMatchObject({ name: 'options', verdict: 'FAIL' });
    expect(report.checks[0]?.detail).toMatch(/^No platform configured: set franceConnectPlus and\/or franceConnect/);
  });

  it('says how to write a configuration file when none is found, and names a file it cannot load', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'fc-doctor-empty-'));
    const none = await runCli(['doctor'], { env: {}, cwd: empty });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      `error: No configuration file: ${empty} has none of franceconnect.config.js, franceconnect.config.mjs, franceconnect.config.json. Write one whose default export is the options`,
    );
    expect(none.stderr).toMatch(/Usage: franceconnect doctor[\s\S]*export default \(\) => \(\{\n\s+franceConnectPlus: \{/);

    const missing = await runCli(['doctor', '--config', 'nowhere.mjs'], { env: {}, cwd: empty });
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: `error: There is no configuration file ${join(empty, 'nowhere.mjs')}.\n` });
  });

  it('exits with 2 and its usage on misuse', async () => {
    const duration = await runCli(['doctor', '--timeout', 'never'], { env: {} });
    expect(duration.code).toBe(2);
    expect(duration.stderr).toMatch(/--timeout must be a duration[\s\S]*Usage: franceconnect doctor/);
    const unknown = await runCli(['doctor', '--env'], { env: {} });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: Unknown option --env \(this command takes --config, --dev, --json, --timeout, --help\)\.\n\nUsage: franceconnect doctor/);
    expect((await runCli(['doctor', '--config'], { env: {} })).stderr).toMatch(/^error: --config needs a value\./);
    expect((await runCli(['doctor', '--dev=yes'], { env: {} })).stderr).toMatch(/^error: --dev takes no value\./);
  });
});
