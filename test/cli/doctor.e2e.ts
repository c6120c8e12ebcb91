/**
 * `franceconnect doctor` against the running emulator and sample app (everything passes with --dev),
 * and against a broken configuration served by a hand-written fake platform (each failure named).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../libs/franceconnect/src/cli/doctor/doctor-checks.js';
import { KeyService, generateEncryptionKey } from '../../libs/franceconnect/src/index.js';
import { freePorts, startDemoStack, type DemoStack } from '../support/demo-stack.js';
import { runCli, type CliResult } from './cli-harness.js';

interface DoctorReport {
  readonly failures: number;
  readonly warnings: number;
  readonly checks: DoctorCheck[];
}

async function doctor(args: string[], env: Record<string, string>, now: () => number = Date.now): Promise<{ result: CliResult; report: DoctorReport }> {
  const result = await runCli(['doctor', '--json', ...args], { env, now, cwd: tmpdir() });
  return { result, report: JSON.parse(result.stdout) as DoctorReport };
}

function verdicts(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.name, check.verdict]));
}

function detailOf(report: DoctorReport, name: string): string {
  return report.checks.find((check) => check.name === name)?.detail ?? '';
}

/** The sample app's environment, as an operator would set it for the stack. */
function stackEnv(stack: DemoStack): Record<string, string> {
  const { config } = stack;
  return {
    APP_URL: config.appUrl,
    FCP_ISSUER: config.fcp.issuer,
    FCP_CLIENT_ID: config.fcp.clientId,
    FCP_CLIENT_SECRET: config.fcp.clientSecret,
    FCP_ENCRYPTION_ALG: config.fcp.encryptionAlg,
    FC_ISSUER: config.fc.issuer,
    FC_CLIENT_ID: config.fc.clientId,
    FC_CLIENT_SECRET: config.fc.clientSecret,
    FC_SIGNING_ALG: config.fc.signingAlg,
    SP_KEYS_FILE: config.keysFile ?? '',
    SESSION_SECRET: 'test-session-secret-0123456789abcdef0123456789',
  };
}

const ALL_CHECKS = [
  'FC+ settings',
  'FC+ issuer',
  'FC+ redirect URIs',
  'FC+ discovery',
  'FC+ clock',
  'FC+ signing',
  'FC+ encryption',
  'FC+ client auth',
  'FC+ endpoints',
  'FC+ acr',
  'FC+ signing keys',
  'FC+ authorization request',
  'FC settings',
  'FC issuer',
  'FC redirect URIs',
  'FC discovery',
  'FC clock',
  'FC signing',
  'FC client auth',
  'FC endpoints',
  'FC acr',
  'FC signing keys',
  'FC authorization request',
  'SP state/nonce',
  'SP session secret',
  'SP key file',
  'SP published JWKS',
];

describe('franceconnect doctor against the emulator and the sample app', () => {
  let stack: DemoStack;

  beforeAll(async () => {
    stack = await startDemoStack({ encryptionAlg: 'RSA-OAEP-256' });
  });
  afterAll(async () => stack?.stop());

  it('passes every check with --dev', async () => {
    const { result, report } = await doctor(['--dev'], stackEnv(stack));
    expect(report.checks.filter((check) => check.verdict !== 'ok')).toEqual([]);
    expect(report.checks.map((check) => check.name)).toEqual(ALL_CHECKS);
    expect(result.code).toBe(0);
    expect(detailOf(report, 'FC+ encryption')).toBe('ID token and userinfo encrypted with RSA-OAEP-256 + A256GCM');
    expect(detailOf(report, 'SP state/nonce')).toMatch(/^43 random characters each/);
    expect(detailOf(report, 'SP published JWKS')).toMatch(/FranceConnect\+ encrypts to kid ".+" \(RSA-OAEP-256, first of 3 keys\), matches the key file, max-age=300$/);
  });

  it('tries the client id and secret at the token endpoint, and names the setting when the platform refuses them', async () => {
    const accepted = await doctor(['--dev'], stackEnv(stack));
    expect(detailOf(accepted.report, 'FC+ client auth')).toBe('client_secret_post; the client id and secret are accepted (a made-up code was refused as invalid_grant)');
    expect(detailOf(accepted.report, 'FC client auth')).toMatch(/accepted/);
    const { result, report } = await doctor(['--dev'], { ...stackEnv(stack), FCP_CLIENT_SECRET: 'a-wrong-client-secret-0123456789abcdef' });
    expect(result.code).toBe(1);
    expect(verdicts(report)['FC+ client auth']).toBe('FAIL');
    expect(detailOf(report, 'FC+ client auth')).toMatch(/refused the client id or secret \(invalid_client\): check FCP_CLIENT_ID and FCP_CLIENT_SECRET/);
    expect(verdicts(report)['FC client auth']).toBe('ok');
  });

  it('sends the authorization request the module would send, and names the registration it does not match', async () => {
    const ok = await doctor(['--dev'], { ...stackEnv(stack), REQUEST_AMR: 'true' });
    expect(detailOf(ok.report, 'FC+ authorization request')).toMatch(/^accepted \(HTTP 303\); sends .*claims/);
    // The same settings against registrations that do not list the amr claim.
    const unregistered = await startDemoStack({ registrations: { fc: { claims: [] }, fcp: { claims: [] } } });
    try {
      const { report } = await doctor(['--dev'], { ...stackEnv(unregistered), REQUEST_AMR: 'true' });
      for (const platform of ['FC+', 'FC']) {
        expect(verdicts(report)[`${platform} authorization request`]).toBe('FAIL');
        expect(detailOf(report, `${platform} authorization request`)).toMatch(/error page Y100009: the amr claim is asked for but the registration does not list it/);
      }
      // Without requestAmr, the module asks for nothing the registration does not allow.
      expect(verdicts((await doctor(['--dev'], stackEnv(unregistered))).report)['FC+ authorization request']).toBe('ok');
    } finally {
      await unregistered.stop();
    }
  });

  it('checks private_key_jwt registrations without asking for a client secret', async () => {
    const env: Record<string, string> = { ...stackEnv(stack), FCP_TOKEN_AUTH: 'private_key_jwt' };
    delete env.FCP_CLIENT_SECRET;
    const { report } = await doctor(['--dev'], env);
    expect(report.checks.find((check) => check.name === 'FC+ settings')?.verdict).toBe('ok');
    expect(detailOf(report, 'FC+ client auth')).toBe('private_key_jwt');
  });

  it('prints a table with a verdict per check, and never a secret', async () => {
    const env = stackEnv(stack);
    const result = await runCli(['doctor', '--dev'], { env, cwd: tmpdir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^check\s+verdict\s+detail$/m);
    expect(result.stdout).toMatch(/^FC\+ discovery\s+ok\s+http:\/\/localhost:\d+\/api\/v2\/\.well-known\/openid-configuration answered, issuer matches$/m);
    expect(result.stdout).toContain('Every check passed.');
    expect(result.stdout).not.toContain(env.FCP_CLIENT_SECRET);
    expect(result.stdout).not.toContain(env.SESSION_SECRET);
  });

  it('refuses http://localhost and the demo secrets without --dev', async () => {
    const { result, report } = await doctor([], stackEnv(stack));
    expect(result.code).toBe(1);
    expect(verdicts(report)).toMatchObject({
      'FC+ settings': 'FAIL',
      'FC+ issuer': 'FAIL',
      'FC+ redirect URIs': 'FAIL',
      'SP published JWKS': 'FAIL',
    });
    expect(detailOf(report, 'FC+ settings')).toMatch(/FCP_CLIENT_SECRET is the emulator's demo secret/);
    expect(detailOf(report, 'FC+ issuer')).toMatch(/http:\/\/localhost is only for development: use https, or pass --dev/);
  });

  it('warns above 5 s of clock skew and fails when tokens would look expired', async () => {
    const ahead = await doctor(['--dev'], stackEnv(stack), () => Date.now() + 10_000);
    expect(verdicts(ahead.report)['FC+ clock']).toBe('warn');
    expect(detailOf(ahead.report, 'FC+ clock')).toMatch(/local clock (9|10|11) s ahead of the platform's: more than the 5 s tolerance/);
    expect(ahead.result.code).toBe(0);

    const far = await doctor(['--dev'], stackEnv(stack), () => Date.now() - 120_000);
    expect(verdicts(far.report)['FC clock']).toBe('FAIL');
    expect(detailOf(far.report, 'FC clock')).toMatch(/local clock 1(19|20|21) s behind the platform's: ID tokens live 60 s/);
    expect(far.result.code).toBe(1);
  });

  it('reads the configuration from a JSON file', async () => {
    const { config } = stack;
    const file = join(await mkdtemp(join(tmpdir(), 'fc-doctor-')), 'doctor.json');
    await writeFile(
      file,
      JSON.stringify({
        appUrl: config.appUrl,
        keysFile: config.keysFile,
        franceConnectPlus: { issuer: config.fcp.issuer, clientId: config.fcp.clientId, clientSecret: config.fcp.clientSecret, encryptionAlg: 'RSA-OAEP-256' },
      }),
    );
    const { result, report } = await doctor(['--dev', '--config', file], {});
    expect(result.code).toBe(0);
    expect(report.checks.every((check) => check.verdict === 'ok')).toBe(true);
    expect(report.checks.some((check) => check.name.startsWith('FC '))).toBe(false);

    await writeFile(file, JSON.stringify({ franceConnectPlus: { issuer: config.fcp.issuer, clientSecrets: 'x' } }));
    const invalid = await runCli(['doctor', '--config', file], { env: {} });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/is invalid: unknown field "franceConnectPlus.clientSecrets"/);
  });

  it('fails when the published JWKS is not the key file in use, until the application reloads it', async () => {
    const keysFile = stack.config.keysFile as string;
    const keysEnv = { SP_KEYS_FILE: keysFile };
    for (const args of [
      ['generate', '--alg', 'RSA-OAEP-256', '--kid', 'promoted'],
      ['rotate', '--alg', 'RSA-OAEP-256'],
    ]) {
      expect((await runCli(['keys', ...args], { env: keysEnv })).code).toBe(0);
    }
    const stale = await doctor(['--dev'], stackEnv(stack));
    expect(verdicts(stale.report)['SP published JWKS']).toBe('FAIL');
    expect(detailOf(stale.report, 'SP published JWKS')).toMatch(
      /FranceConnect\+ will encrypt to kid ".+", but the key file's current RSA-OAEP-256 key is "promoted" \(the file has ".+" as retired\): make the application use the key file/,
    );

    await stack.app.get(KeyService).reload();
    const fresh = await doctor(['--dev'], stackEnv(stack));
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
    const env = {
      APP_URL: platformUrl,
      FCP_ISSUER: `${platformUrl}/api/v2`,
      FCP_CLIENT_ID: 'service',
      FCP_CLIENT_SECRET: 'a-registered-client-secret-0123456789abcdef',
      FCP_ENCRYPTION_ALG: 'RSA-OAEP-256',
      FCP_REDIRECT_URI: 'http://service.example.test/auth/fcp/callback',
      FC_ISSUER: closedPortUrl,
      FC_CLIENT_ID: 'service-fc',
      SP_KEYS_FILE: join(tmpdir(), 'no-such-dir', 'sp-keys.json'),
      SESSION_SECRET: 'short',
    };
    const { result, report } = await doctor(['--dev', '--timeout', '2s'], env);
    expect(result.code).toBe(1);
    const failed = report.checks.filter((check) => check.verdict === 'FAIL').map((check) => check.name);
    expect(failed).toEqual([
      'FC+ redirect URIs',
      'FC+ clock',
      'FC+ encryption',
      'FC+ client auth',
      'FC+ signing keys',
      'FC+ authorization request',
      'FC settings',
      'FC discovery',
      'SP session secret',
      'SP key file',
      'SP published JWKS',
    ]);
    expect(report.failures).toBe(failed.length);
    expect(detailOf(report, 'FC+ redirect URIs')).toMatch(/http:\/\/service\.example\.test\/auth\/fcp\/callback: http:\/\/ is refused: use https/);
    expect(detailOf(report, 'FC+ clock')).toMatch(/local clock 1(19|20|21) s behind the platform's/);
    expect(detailOf(report, 'FC+ encryption')).toBe(
      'id_token_encryption_alg_values_supported does not include RSA-OAEP-256; id_token_encryption_enc_values_supported does not include A256GCM; userinfo_encryption_alg_values_supported does not include RSA-OAEP-256; userinfo_encryption_enc_values_supported does not include A256GCM: the platform cannot encrypt as registered (FCP_ENCRYPTION_ALG); check the algorithm and that this is a FranceConnect+ issuer.',
    );
    expect(detailOf(report, 'FC+ client auth')).toMatch(/does not offer client_secret_post \(offers client_secret_basic\)/);
    expect(detailOf(report, 'FC+ signing keys')).toMatch(/publishes no ES256 key/);
    expect(detailOf(report, 'FC+ authorization request')).toMatch(/refused it with HTTP 400 and its error page Y04C013C: the redirect URI is not registered/);
    expect(detailOf(report, 'FC settings')).toBe('FC_CLIENT_SECRET is not set (the client secret given at registration).');
    expect(detailOf(report, 'FC discovery')).toMatch(/is unreachable \(ECONNREFUSED\)/);
    expect(detailOf(report, 'SP key file')).toMatch(/sp-keys\.json does not exist: create it with franceconnect keys generate --alg RSA-OAEP-256/);
    expect(detailOf(report, 'SP published JWKS')).toMatch(/publishes PRIVATE key material \(kid "leaked"\)/);
    // Warnings are reported without failing on their own.
    expect(verdicts(report)['FC+ endpoints']).toBe('warn');
    expect(detailOf(report, 'FC+ endpoints')).toMatch(/revocation_endpoint is missing/);
  });

  it('says when no platform is configured', async () => {
    const { result, report } = await doctor([], {});
    expect(result.code).toBe(1);
    expect(report.checks[0]).toMatchObject({ name: 'config', verdict: 'FAIL' });
    expect(report.checks[0]?.detail).toMatch(/no platform is configured in the environment/);
  });

  it('exits with 2 and its usage on misuse', async () => {
    const result = await runCli(['doctor', '--timeout', 'never'], { env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--timeout must be a duration[\s\S]*Usage: franceconnect doctor/);
  });
});
