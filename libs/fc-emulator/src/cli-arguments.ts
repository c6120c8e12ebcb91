/**
 * The `franceconnect-emulator` command line: its flags, read with node:util's `parseArgs`, become the
 * options of `startFcEmulator`. A flag wins over its FC_EMULATOR_* environment variable; the variables
 * still work alone. Every problem is reported at once, each naming its fix.
 *
 * Nothing here loads oidc-provider, so that `--help` and every command-line problem are answered even
 * where the optional peer dependency is not installed.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { readClients, validateClients, type EmulatorClientConfig } from './clients.js';
import type { StartFcEmulatorOptions } from './emulator.js';
import { EMULATOR_ENV_VARS, optionsFromEnv } from './env.js';
import { EmulatorConfigurationError } from './errors.js';
import { startOptionProblems, type StartOptionLabels } from './start-options.js';

/** Flags about the emulator itself. A string flag given twice keeps its last value, as is usual. */
export const SERVER_FLAGS = {
  help: { type: 'boolean', short: 'h' },
  host: { type: 'string' },
  'fc-port': { type: 'string' },
  'fcp-port': { type: 'string' },
  'fc-public-url': { type: 'string' },
  'fcp-public-url': { type: 'string' },
  clients: { type: 'string', multiple: true },
  'same-subject': { type: 'boolean' },
  'cache-client-jwks': { type: 'boolean' },
  'accept-pkce': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Flags that register one client. Each `--client-id` begins a client; the client flags after it, up to the
 * next `--client-id`, describe that client, so several clients (one per platform, say) fit on one line.
 */
export const CLIENT_FLAGS = {
  'client-id': { type: 'string', multiple: true },
  platform: { type: 'string', multiple: true },
  'client-secret': { type: 'string', multiple: true },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'jwks-uri': { type: 'string', multiple: true },
} as const satisfies ParseArgsConfig['options'];

const FLAGS = { ...SERVER_FLAGS, ...CLIENT_FLAGS };

type FlagName = keyof typeof FLAGS;

/** What the command line asks for: the usage, or a start with these options. */
export type EmulatorCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'start'; readonly options: StartFcEmulatorOptions };

/** The environment variable each flag stands for: given the flag, the variable is not read at all. */
const VARIABLE_OF_FLAG: Readonly<Partial<Record<FlagName, string>>> = {
  host: EMULATOR_ENV_VARS.host,
  'fc-port': EMULATOR_ENV_VARS.fcPort,
  'fcp-port': EMULATOR_ENV_VARS.fcpPort,
  'fc-public-url': EMULATOR_ENV_VARS.fcPublicUrl,
  'fcp-public-url': EMULATOR_ENV_VARS.fcpPublicUrl,
  'same-subject': EMULATOR_ENV_VARS.sameSubject,
  'cache-client-jwks': EMULATOR_ENV_VARS.cacheClientJwks,
  'accept-pkce': EMULATOR_ENV_VARS.acceptPkce,
};

/** Port and public URL problems name the flag and the variable, whichever the value came from. */
const LABELS: StartOptionLabels = {
  fcPort: `--fc-port (${EMULATOR_ENV_VARS.fcPort})`,
  fcpPort: `--fcp-port (${EMULATOR_ENV_VARS.fcpPort})`,
  fcPublicUrl: `--fc-public-url (${EMULATOR_ENV_VARS.fcPublicUrl})`,
  fcpPublicUrl: `--fcp-public-url (${EMULATOR_ENV_VARS.fcpPublicUrl})`,
};

/**
 * The flag that sets each registration field: appended to a problem of a client given by flags, so the
 * fix is spelled as the user typed it. `post_logout_redirect_uris` comes before `redirect_uris`, whose
 * pattern it would otherwise also match.
 */
const FLAG_OF_FIELD: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bpost_logout_redirect_uris\b/, '--post-logout-redirect-uri <url>'],
  [/\bredirect_uris\b/, '--redirect-uri <url>'],
  [/\bclient_secret\b/, '--client-secret <secret of at least 32 characters>'],
  [/\bjwks_uri\b/, '--jwks-uri <url of your public JWKS>'],
  [/^[^:]*: platform\b/, '--platform fc or --platform fcp'],
];

const HELP_HINT = 'franceconnect-emulator --help lists every option.';

/** A client as its flags describe it, before validation. */
interface FlagClient {
  readonly clientId: string;
  platform?: string;
  secret?: string;
  readonly redirectUris: string[];
  readonly postLogoutRedirectUris: string[];
  jwksUri?: string;
}

/** Edit distance between two flag names, to suggest the flag a typo meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function unknownFlag(rawName: string, name: string): string {
  // A typo is a few edits away (--redirect-url); a flag that lost its platform is inside one (--port).
  const tolerance = Math.max(1, Math.floor(name.length / 4));
  const close = Object.keys(FLAGS).filter((flag) => distance(flag, name) <= tolerance || (name.length >= 4 && flag.includes(name)));
  const suggestion = close.length > 0 ? ` Did you mean ${close.map((flag) => `--${flag}`).join(' or ')}?` : '';
  return `unknown option ${rawName}.${suggestion} ${HELP_HINT}`;
}

/** The problem with a client's flag, phrased with the fix that applies to the flag that was actually given. */
function withFlagHint(problem: string, client: FlagClient): string {
  const flag = FLAG_OF_FIELD.find(([field]) => field.test(problem))?.[1];
  let text = flag === undefined ? problem : `${problem} It is set by ${flag}.`;
  if (client.platform === undefined && problem.includes('FranceConnect+')) {
    text += ' (No --platform was given, so the client is on FranceConnect+; --platform fc registers it on FranceConnect.)';
  }
  return text;
}

function toRegistration(client: FlagClient): EmulatorClientConfig {
  // Only the fields given: validateClients refuses unknown fields, and reports missing required ones.
  const registration: Record<string, unknown> = {
    platform: client.platform ?? 'fcp',
    client_id: client.clientId,
    redirect_uris: client.redirectUris,
  };
  if (client.secret !== undefined) registration['client_secret'] = client.secret;
  if (client.postLogoutRedirectUris.length > 0) registration['post_logout_redirect_uris'] = client.postLogoutRedirectUris;
  if (client.jwksUri !== undefined) registration['jwks_uri'] = client.jwksUri;
  return registration as unknown as EmulatorClientConfig;
}

/** `problems` of a failed validation, or rethrows what is not a configuration error. */
function problemsOf(run: () => void): readonly string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof EmulatorConfigurationError) return error.problems;
    throw error;
  }
}

/**
 * Reads the command line (`process.argv.slice(2)`) and the environment into what to do.
 *
 * @throws {EmulatorConfigurationError} listing every problem: first the command line's own (an unknown
 * flag, a flag without its value, a stray argument), then, once it reads cleanly, what it describes (a
 * client that does not validate, a clients file that cannot be read, ports, public URLs).
 */
export function parseEmulatorArguments(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): EmulatorCommand {
  // strict: false so that every problem is collected from the tokens, instead of parseArgs's first one.
  const { tokens } = parseArgs({ args: [...argv], options: FLAGS, strict: false, allowPositionals: true, tokens: true });
  const syntax: string[] = [];
  const strings = new Map<FlagName, string>();
  const switches = new Set<FlagName>();
  const clientFiles: string[] = [];
  const flagClients: FlagClient[] = [];
  let help = false;
  // An unknown flag has no declared type, so parseArgs leaves the word after it as a positional: that
  // word is the unknown flag's value, and the unknown flag is the one problem to report.
  let afterUnknownFlag = false;

  for (const token of tokens) {
    const valueOfUnknownFlag = afterUnknownFlag;
    afterUnknownFlag = false;
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (valueOfUnknownFlag) continue;
      syntax.push(`unexpected argument ${JSON.stringify(token.value)}: every value follows its own flag (--redirect-uri <a> --redirect-uri <b>). ${HELP_HINT}`);
      continue;
    }
    const name = token.name as FlagName;
    const spec = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (spec === undefined) {
      syntax.push(unknownFlag(token.rawName, token.name));
      afterUnknownFlag = token.value === undefined;
      continue;
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined) syntax.push(`${token.rawName} takes no value: write ${token.rawName} alone.`);
      else if (name === 'help') help = true;
      else switches.add(name);
      continue;
    }
    const value = token.value;
    // Without '=', parseArgs takes the next word as the value even when it is the next flag.
    if (value === undefined || value === '' || (!token.inlineValue && value.startsWith('-'))) {
      // The next word is not repeated: it may be a secret that starts with '-' (base64url does).
      const next = value === undefined || value === '' ? '' : ` (the next word starts with -: if it is the value, write ${token.rawName}=<value>)`;
      syntax.push(`${token.rawName} needs a value${next}: ${token.rawName} <value>.`);
      continue;
    }
    if (!Object.hasOwn(CLIENT_FLAGS, name)) {
      if (name === 'clients') clientFiles.push(value);
      else strings.set(name, value);
      continue;
    }
    if (name === 'client-id') {
      flagClients.push({ clientId: value, redirectUris: [], postLogoutRedirectUris: [] });
      continue;
    }
    const client = flagClients.at(-1);
    if (client === undefined) {
      syntax.push(`${token.rawName} ${value} comes before any --client-id: start each client with --client-id <id>, then give its other flags.`);
      continue;
    }
    if (name === 'redirect-uri') client.redirectUris.push(value);
    else if (name === 'post-logout-redirect-uri') client.postLogoutRedirectUris.push(value);
    else {
      const field = name === 'platform' ? 'platform' : name === 'client-secret' ? 'secret' : 'jwksUri';
      if (client[field] !== undefined) {
        syntax.push(`client "${client.clientId}": ${token.rawName} is given twice. To register another client, start it with its own --client-id.`);
      } else {
        client[field] = value;
      }
    }
  }

  if (help) return { kind: 'help' };
  if (syntax.length > 0) throw new EmulatorConfigurationError(syntax);

  const problems: string[] = [];
  const givenClients = clientFiles.length > 0 || flagClients.length > 0;
  // A variable the command line overrides is not read: a broken FC_EMULATOR_CLIENTS file left in the
  // environment must not stop a start that names its own clients.
  const overridden = new Set<string>([...strings.keys(), ...switches].map((flag) => VARIABLE_OF_FLAG[flag]).filter((name) => name !== undefined));
  if (givenClients) overridden.add(EMULATOR_ENV_VARS.clients);
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !overridden.has(name)));
  let options: StartFcEmulatorOptions = {};
  problems.push(...problemsOf(() => (options = optionsFromEnv(fromEnv, cwd))));

  const host = strings.get('host');
  if (host !== undefined) options.host = host;
  for (const [flag, key] of [
    ['fc-port', 'fcPort'],
    ['fcp-port', 'fcpPort'],
  ] as const) {
    const raw = strings.get(flag);
    if (raw === undefined) continue;
    if (/^\d+$/.test(raw)) options[key] = Number(raw);
    else problems.push(`--${flag} must be a port number (0 picks a free port), got ${JSON.stringify(raw)}.`);
  }
  const fcPublicUrl = strings.get('fc-public-url');
  if (fcPublicUrl !== undefined) options.fcPublicUrl = fcPublicUrl;
  const fcpPublicUrl = strings.get('fcp-public-url');
  if (fcpPublicUrl !== undefined) options.fcpPublicUrl = fcpPublicUrl;
  if (switches.has('same-subject')) options.sameSubject = true;
  if (switches.has('cache-client-jwks')) options.cacheClientJwks = true;
  if (switches.has('accept-pkce')) options.acceptPkce = true;

  if (givenClients) {
    const clients: EmulatorClientConfig[] = [];
    let fileProblems = false;
    for (const file of clientFiles) {
      const fileClientProblems = problemsOf(() => clients.push(...readClients(file, cwd, '--clients')));
      problems.push(...fileClientProblems.map((problem) => `--clients ${file}: ${problem}`));
      fileProblems ||= fileClientProblems.length > 0;
    }
    if (fileProblems) {
      problems.push('The fields of a clients file are described in the emulator\'s README (libs/fc-emulator/README.md in the package), section "Clients file".');
    }
    for (const client of flagClients) {
      const registration = toRegistration(client);
      problems.push(...problemsOf(() => validateClients([registration])).map((problem) => withFlagHint(problem, client)));
      clients.push(registration);
    }
    // Each source was checked on its own; together they may still register one client id twice.
    if (problems.length === 0) problems.push(...problemsOf(() => validateClients(clients)));
    options.clients = clients;
  }

  problems.push(...startOptionProblems(options, LABELS));
  if (problems.length > 0) throw new EmulatorConfigurationError(problems);
  return { kind: 'start', options };
}
