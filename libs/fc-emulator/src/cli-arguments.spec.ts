import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLIENT_FLAGS, parseEmulatorArguments, SERVER_FLAGS, type EmulatorCommand } from './cli-arguments.js';
import { EMULATOR_USAGE, moduleOptionsHint } from './cli-text.js';
import type { EmulatorClientConfig } from './clients.js';
import { EmulatorConfigurationError } from './errors.js';

const SECRET = 'my-app-secret-of-at-least-32-characters';

/** The flags of the README's FranceConnect+ registration. */
const FCP_FLAGS = [
  '--client-id',
  'my-app',
  '--client-secret',
  SECRET,
  '--redirect-uri',
  'http://localhost:3000/auth/fcp/callback',
  '--post-logout-redirect-uri',
  'http://localhost:3000/auth/logout/callback',
  '--jwks-uri',
  'http://localhost:3000/.well-known/jwks.json',
];

function problemsOf(argv: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): string[] {
  try {
    parseEmulatorArguments(argv, env, cwd);
  } catch (error) {
    if (error instanceof EmulatorConfigurationError) return [...error.problems];
    throw error;
  }
  throw new Error(`no problem reported for ${argv.join(' ')}`);
}

function optionsOf(command: EmulatorCommand) {
  if (command.kind !== 'start') throw new Error(`expected a start, got ${command.kind}`);
  return command.options;
}

describe('parseEmulatorArguments', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'fc-emulator-cli-'));
  });

  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('starts with the defaults of startFcEmulator when given nothing', () => {
    expect(parseEmulatorArguments([], {})).toEqual({ kind: 'start', options: {} });
  });

  it('answers --help and -h, even beside mistakes', () => {
    expect(parseEmulatorArguments(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseEmulatorArguments(['-h'], {})).toEqual({ kind: 'help' });
    expect(parseEmulatorArguments(['--colour', 'blue', '--help'], {})).toEqual({ kind: 'help' });
  });

  it('documents every flag in the usage', () => {
    for (const flag of [...Object.keys(SERVER_FLAGS), ...Object.keys(CLIENT_FLAGS)]) {
      expect(EMULATOR_USAGE, flag).toContain(`--${flag}`);
    }
    expect(EMULATOR_USAGE).toContain('FC_EMULATOR_CLIENTS');
  });

  it('registers a FranceConnect+ client by flags, and reads the server flags', () => {
    const options = optionsOf(
      parseEmulatorArguments(['--fc-port', '5001', '--fcp-port=0', '--host', '127.0.0.1', '--same-subject', '--accept-pkce', ...FCP_FLAGS], {}),
    );
    expect(options).toEqual({
      host: '127.0.0.1',
      fcPort: 5001,
      fcpPort: 0,
      sameSubject: true,
      acceptPkce: true,
      clients: [
        {
          platform: 'fcp',
          client_id: 'my-app',
          client_secret: SECRET,
          redirect_uris: ['http://localhost:3000/auth/fcp/callback'],
          post_logout_redirect_uris: ['http://localhost:3000/auth/logout/callback'],
          jwks_uri: 'http://localhost:3000/.well-known/jwks.json',
        },
      ],
    });
  });

  it('registers one client per --client-id, on the platform each names', () => {
    const options = optionsOf(
      parseEmulatorArguments(
        [
          ...FCP_FLAGS,
          '--redirect-uri',
          'http://localhost:3000/other/callback',
          '--client-id',
          'my-app-fc',
          '--platform',
          'fc',
          '--client-secret',
          SECRET,
          '--redirect-uri',
          'http://localhost:3000/auth/fc/callback',
        ],
        {},
      ),
    );
    expect(options.clients?.map((client) => [client.client_id, client.platform, client.redirect_uris])).toEqual([
      ['my-app', 'fcp', ['http://localhost:3000/auth/fcp/callback', 'http://localhost:3000/other/callback']],
      ['my-app-fc', 'fc', ['http://localhost:3000/auth/fc/callback']],
    ]);
    expect(options.clients?.[1]).not.toHaveProperty('jwks_uri');
  });

  it('names an unknown flag and the flag it probably meant', () => {
    const problems = problemsOf(['--redirect-url', 'http://localhost:3000/cb', '--port', '4000', '--colour']);
    expect(problems).toEqual([
      expect.stringMatching(/^unknown option --redirect-url\. Did you mean --redirect-uri\? franceconnect-emulator --help lists every option\.$/),
      expect.stringMatching(/^unknown option --port\. Did you mean --fc-port or --fcp-port\?/),
      expect.stringMatching(/^unknown option --colour\. franceconnect-emulator --help/),
    ]);
  });

  it('refuses a flag without its value, a value given to a switch, and stray arguments', () => {
    expect(problemsOf(['--client-id'])).toEqual(['--client-id needs a value: --client-id <value>.']);
    expect(problemsOf(['--client-id', '--platform', 'fc'])).toEqual([
      '--client-id needs a value (the next word starts with -: if it is the value, write --client-id=<value>): --client-id <value>.',
      expect.stringMatching(/^unexpected argument "fc": every value follows its own flag/),
    ]);
    // A secret that starts with '-' is never repeated in the message (it would land on stderr, in logs).
    const secret = '-secret-of-at-least-32-characters-xyz';
    expect(problemsOf(['--client-id', 'app', '--client-secret', secret]).join('\n')).not.toContain(secret);
    expect(problemsOf(['--same-subject=yes'])).toEqual(['--same-subject takes no value: write --same-subject alone.']);
    expect(problemsOf([...FCP_FLAGS, '--redirect-uri', 'http://a.test/1', 'http://a.test/2'])).toEqual([
      expect.stringMatching(/^unexpected argument "http:\/\/a\.test\/2": every value follows its own flag \(--redirect-uri <a> --redirect-uri <b>\)/),
    ]);
  });

  it('asks for --client-id first, and a new --client-id for a second client', () => {
    expect(problemsOf(['--platform', 'fc', '--client-id', 'my-app'])).toEqual([
      '--platform fc comes before any --client-id: start each client with --client-id <id>, then give its other flags.',
    ]);
    expect(problemsOf([...FCP_FLAGS, '--client-secret', SECRET])).toEqual([
      'client "my-app": --client-secret is given twice. To register another client, start it with its own --client-id.',
    ]);
  });

  it("reports a flag client's problems with clients.ts's validation, naming the flag that fixes each", () => {
    expect(problemsOf(['--client-id', 'my-app', '--client-secret', 'short'])).toEqual([
      'client "my-app": client_secret must be a string of at least 32 characters. It is set by --client-secret <secret of at least 32 characters>.',
      'client "my-app": redirect_uris must be a non-empty array of absolute http(s) URLs. It is set by --redirect-uri <url>.',
      'client "my-app": jwks_uri is required on FranceConnect+, which encrypts to the client\'s public key. It is set by --jwks-uri <url of your public JWKS>. ' +
        '(No --platform was given, so the client is on FranceConnect+; --platform fc registers it on FranceConnect.)',
    ]);
    expect(problemsOf(['--client-id', 'my-app', '--platform', 'fcplus', '--client-secret', SECRET, '--redirect-uri', 'localhost:3000/cb'])).toEqual([
      expect.stringMatching(/redirect_uris contains "localhost:3000\/cb", which is not an absolute http\(s\) URL.* It is set by --redirect-uri <url>\.$/),
      'client "my-app": platform must be "fc" (FranceConnect) or "fcp" (FranceConnect+). It is set by --platform fc or --platform fcp.',
    ]);
    expect(
      problemsOf(['--client-id', 'my-app', '--platform', 'fc', '--client-secret', SECRET, '--redirect-uri', 'http://localhost:3000/cb', '--post-logout-redirect-uri', 'nope']),
    ).toEqual([expect.stringMatching(/post_logout_redirect_uris contains "nope".* It is set by --post-logout-redirect-uri <url>\.$/)]);
  });

  it('reads --clients files, naming the file in each of their problems', () => {
    const good: EmulatorClientConfig[] = [
      { platform: 'fc', client_id: 'from-file', client_secret: SECRET, redirect_uris: ['http://localhost:3000/auth/fc/callback'] },
    ];
    writeFileSync(join(directory, 'good.json'), JSON.stringify(good));
    writeFileSync(join(directory, 'broken.json'), '[{"platform": "fc",');
    writeFileSync(join(directory, 'invalid.json'), JSON.stringify([{ platform: 'fc', client_id: 'x', client_secret: SECRET, redirect_uri: 'http://localhost/cb' }]));

    expect(optionsOf(parseEmulatorArguments(['--clients', 'good.json'], {}, directory)).clients).toEqual(good);

    const problems = problemsOf(['--clients', 'missing.json', '--clients', 'broken.json', '--clients', 'invalid.json'], {}, directory);
    expect(problems).toEqual([
      expect.stringMatching(/^--clients missing\.json: cannot read the clients file .*missing\.json: ENOENT/),
      expect.stringMatching(/^--clients broken\.json: .*broken\.json is not valid JSON: /),
      expect.stringMatching(/^--clients invalid\.json: client "x": unknown field "redirect_uri" \(known: .*redirect_uris/),
      '--clients invalid.json: client "x": redirect_uris must be a non-empty array of absolute http(s) URLs.',
      expect.stringMatching(/^The fields of a clients file are described in the emulator's README .*"Clients file"\.$/),
    ]);
  });

  it('registers the clients of files and flags together, once each', () => {
    writeFileSync(join(directory, 'one.json'), JSON.stringify([{ platform: 'fc', client_id: 'my-app', client_secret: SECRET, redirect_uris: ['http://localhost:3000/cb'] }]));
    expect(problemsOf(['--clients', 'one.json', ...FCP_FLAGS], {}, directory)).toEqual(['client "my-app" is registered twice; client ids must be unique.']);
  });

  it('keeps the environment variables working, a flag winning over its variable', () => {
    const env = { FC_EMULATOR_FC_PORT: '5001', FC_EMULATOR_FCP_PORT: '5002', FC_EMULATOR_SAME_SUBJECT: 'true' };
    expect(optionsOf(parseEmulatorArguments([], env))).toEqual({ fcPort: 5001, fcpPort: 5002, sameSubject: true });
    expect(optionsOf(parseEmulatorArguments(['--fcp-port', '6002'], env))).toEqual({ fcPort: 5001, fcpPort: 6002, sameSubject: true });
    // A variable the command line overrides is not even read.
    const broken = { FC_EMULATOR_CLIENTS: './no-such-file.json', FC_EMULATOR_FC_PORT: 'http' };
    expect(optionsOf(parseEmulatorArguments(['--fc-port', '0', ...FCP_FLAGS], broken)).clients?.map((client) => client.client_id)).toEqual(['my-app']);
    expect(problemsOf([], broken)).toEqual([expect.stringMatching(/^FC_EMULATOR_FC_PORT must be a port number/), expect.stringMatching(/cannot read the clients file/)]);
  });

  it('refuses bad ports and public URLs with the flag and variable to change', () => {
    expect(problemsOf(['--fc-port', 'abc', '--fcp-port', '70000'])).toEqual([
      '--fc-port must be a port number (0 picks a free port), got "abc".',
      '--fcp-port (FC_EMULATOR_FCP_PORT) must be an integer between 0 and 65535 (0 picks a free port), got 70000.',
    ]);
    expect(problemsOf(['--fcp-port', '4001'])).toEqual([
      '--fc-port (FC_EMULATOR_FC_PORT) and --fcp-port (FC_EMULATOR_FCP_PORT) must differ: FranceConnect and FranceConnect+ are separate providers.',
    ]);
    expect(problemsOf(['--fcp-public-url', 'https://fcp.example.test/api/v2'])).toEqual([
      expect.stringMatching(/^--fcp-public-url \(FC_EMULATOR_FCP_PUBLIC_URL\) must be an origin such as https:\/\/fc\.example\.test \(no path: \/api\/v2 is added\)/),
    ]);
  });

  it('refuses an https public URL on the port where the emulator itself serves http', () => {
    expect(problemsOf(['--fcp-public-url', 'https://localhost:4002'])).toEqual([
      '--fcp-public-url (FC_EMULATOR_FCP_PUBLIC_URL) is https://localhost:4002, but the emulator serves plain http on that port: ' +
        'drop --fcp-public-url (FC_EMULATOR_FCP_PUBLIC_URL) to use http://localhost:4002/api/v2 (with allowInsecureHttp: true in the module options, development only), ' +
        'or put a TLS proxy in front of the emulator on another port and give its origin.',
    ]);
    // A TLS proxy on its own port, and http on the emulator's own port, are fine.
    expect(optionsOf(parseEmulatorArguments(['--fcp-public-url', 'https://localhost:8443'], {})).fcpPublicUrl).toBe('https://localhost:8443');
    expect(optionsOf(parseEmulatorArguments(['--fc-public-url', 'http://localhost:4001'], {})).fcPublicUrl).toBe('http://localhost:4001');
  });
});

describe('moduleOptionsHint', () => {
  it('gives the issuers to paste, and allowInsecureHttp only for http issuers', () => {
    const http = moduleOptionsHint('http://localhost:4001/api/v2', 'http://localhost:4002/api/v2');
    expect(http.join('\n')).toContain("franceConnectPlus: { issuer: 'http://localhost:4002/api/v2'");
    expect(http.join('\n')).toContain('allowInsecureHttp: true, // development only');
    expect(moduleOptionsHint('https://fc.example.test/api/v2', 'https://fcp.example.test/api/v2').join('\n')).not.toContain('allowInsecureHttp');
  });
});
