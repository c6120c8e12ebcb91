/**
 * Starts both emulated platforms in this process, each on its own port.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { clientsOf, describeClient, validateClients, type EmulatorClientConfig } from './clients.js';
import { DEFAULT_CLIENTS } from './default-clients.js';
import { EmulatorConfigurationError } from './errors.js';
import { findIdentity, TEST_IDENTITIES, type TestIdentity } from './identities.js';
import { createInteractionRoutes, type ScriptedSignIn } from './interactions.js';
import { generateCookieKeys, generateSigningKeys, type PrivateJwks } from './keys.js';
import { createMemoryAdapter } from './memory-adapter.js';
import { FC, FCP, isPlatformAcr, type PlatformDefinition, type PlatformId } from './platforms.js';
import { createPlatformProvider, issuerPath } from './provider.js';
import { createPlatformHandler } from './server.js';
import { createSsoSessions } from './sso.js';
import { DEFAULT_FC_PORT, DEFAULT_FCP_PORT, DEFAULT_HOST, ISSUER_PATH, startOptionProblems, urlHost } from './start-options.js';

export { ISSUER_PATH } from './start-options.js';

/** Options of {@link startFcEmulator}. */
export interface StartFcEmulatorOptions {
  /** Host name to listen on and to build the issuers with. Default `localhost`. */
  host?: string;
  /** FranceConnect port. Default `4001`; `0` picks a free port (the issuer then uses it). */
  fcPort?: number;
  /** FranceConnect+ port. Default `4002`; `0` picks a free port. */
  fcpPort?: number;
  /**
   * Origin browsers use to reach FranceConnect when it differs from `http://host:port` (behind a
   * reverse proxy, which must then send `X-Forwarded-Host` and `X-Forwarded-Proto`). The issuer is this
   * origin followed by `/api/v2`. Default: none.
   */
  fcPublicUrl?: string;
  /** Same as `fcPublicUrl`, for FranceConnect+. Default: none. */
  fcpPublicUrl?: string;
  /** Registered service providers. Default: the sample app's clients (`clients.json`). */
  clients?: EmulatorClientConfig[];
  /** Return the same `sub` on FC and FC+ for a person (the "identifiant commun"). Default `false`. */
  sameSubject?: boolean;
  /**
   * Keep a service provider's JWKS (its `jwks_uri`) between requests, as FranceConnect+ does: oidc-provider's
   * cache, at least 60 s and as long as the response's `Cache-Control: max-age`. Default `false`: the JWKS
   * is fetched again in every request that encrypts for the service or verifies its client assertion, so
   * a key rotation shows at once.
   */
  cacheClientJwks?: boolean;
  /**
   * Let PKCE's `code_challenge` and `code_challenge_method` through `/authorize`. Default `false`:
   * FranceConnect's core refuses them with its error page Y030007, as every parameter outside its list
   * (`back/apps/core-fcp/src/dto/authorize-params.dto.ts`). For a relying party's own tests of PKCE only.
   */
  acceptPkce?: boolean;
  /** Where to write log lines; `false` silences them. Default `console.log`. */
  log?: ((line: string) => void) | false;
}

/** Public facts about one running platform. */
export interface RunningPlatform {
  /** Issuer identifier; discovery is at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
}

/** Result of {@link RunningFcEmulator.rotateSigningKeys}. */
export interface SigningKeyRotation {
  /** `kid` of the new signing keys, one per signing algorithm of the platform. */
  kids: string[];
  /** `kid` of the keys that signed until now: still published, no longer used to sign. */
  previousKids: string[];
}

/** A running emulator. */
export interface RunningFcEmulator {
  fc: RunningPlatform;
  fcp: RunningPlatform;
  /** The test identities offered on the login page. */
  identities: readonly TestIdentity[];
  /**
   * Rotates a platform's signing keys, as FranceConnect does from time to time: new keys (new `kid`)
   * sign every token from now on and come first in `/jwks`; the previous keys stay published after them,
   * so tokens already issued (and `id_token_hint` at logout) still verify. Sessions, codes and tokens in
   * flight are kept. A relying party that cached the JWKS meets an unknown `kid` on its next token.
   */
  rotateSigningKeys(platform: PlatformId): Promise<SigningKeyRotation>;
  /**
   * Decides the next sign-in on `platform` without a browser: instead of its login page, the emulator
   * answers at once with this test identity and level (default: the level asked for), or with
   * `access_denied` for `{ cancel: true }`. Calls queue up, one per sign-in, in order.
   *
   * @throws {TypeError} for an unknown platform, test identity or level.
   */
  nextSignIn(platform: PlatformId, choice: ScriptedSignIn): void;
  /** Closes both servers and every open connection. Safe to call twice. */
  stop(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

async function close(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections from browsers and fetch would otherwise hold close() open.
    server.closeAllConnections();
  });
}

/** Default log: one line on standard output. */
function defaultLog(line: string): void {
  console.log(`[fc-emulator] ${line}`);
}

/**
 * Starts the FranceConnect and FranceConnect+ emulators.
 *
 * @throws {EmulatorConfigurationError} when the options or a client registration are invalid.
 * @throws a listen error (such as `EADDRINUSE`) when a port is taken.
 *
 * @example
 * ```ts
 * const emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: false, clients });
 * const config = await client.discovery(new URL(emulator.fcp.issuer), 'my-client', secret);
 * await emulator.stop();
 * ```
 */
export async function startFcEmulator(options: StartFcEmulatorOptions = {}): Promise<RunningFcEmulator> {
  const problems = startOptionProblems(options);
  let clients: readonly EmulatorClientConfig[] = DEFAULT_CLIENTS;
  try {
    clients = validateClients(options.clients ?? DEFAULT_CLIENTS);
  } catch (error) {
    if (!(error instanceof EmulatorConfigurationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0) throw new EmulatorConfigurationError(problems);

  const host = options.host ?? DEFAULT_HOST;
  const sameSubject = options.sameSubject ?? false;
  const cacheClientJwks = options.cacheClientJwks ?? false;
  const acceptPkce = options.acceptPkce ?? false;
  const log = options.log === false ? () => {} : (options.log ?? defaultLog);
  const servers: Server[] = [];

  const rotations = new Map<PlatformId, () => Promise<SigningKeyRotation>>();
  const scripted = new Map<PlatformId, ScriptedSignIn[]>([
    ['fc', []],
    ['fcp', []],
  ]);

  async function startPlatform(platform: PlatformDefinition, port: number, publicUrl: string | undefined): Promise<RunningPlatform> {
    const server = createServer();
    servers.push(server);
    const address = await listen(server, port, host);
    const origin = publicUrl === undefined ? `http://${urlHost(host)}:${address.port}` : new URL(publicUrl).origin;
    const issuer = `${origin}${ISSUER_PATH}`;
    const prefix = issuerPath(issuer);
    // Kept across signing key rotations: each rotation builds a new provider on the same storage.
    const adapter = createMemoryAdapter();
    const cookieKeys = generateCookieKeys();
    const sso = createSsoSessions(`${platform.cookiePrefix}_sso`, prefix, platform.sessionTtl);

    const buildHandler = async (jwks: PrivateJwks): Promise<RequestListener> => {
      const provider = await createPlatformProvider({
        platform,
        issuer,
        clients: clientsOf(clients, platform.id),
        sameSubject,
        cacheClientJwks,
        log,
        sso,
        carried: { adapter, cookieKeys, jwks },
      });
      // Behind a reverse proxy the public host and scheme come from X-Forwarded-* headers.
      provider.proxy = publicUrl !== undefined;
      const interactions = createInteractionRoutes(
        provider,
        platform,
        prefix,
        sso,
        () => scripted.get(platform.id)!.shift(),
      );
      return createPlatformHandler({ platform, provider, issuer, prefix, interactions, clients: clientsOf(clients, platform.id), acceptPkce, log });
    };

    let signingKeys = await generateSigningKeys(platform.signingAlgs);
    let handler = await buildHandler(signingKeys);
    server.on('request', (req, res) => handler(req, res));

    rotations.set(platform.id, async () => {
      const previous = signingKeys;
      const fresh = await generateSigningKeys(platform.signingAlgs);
      // oidc-provider signs with the first key of the algorithm: the new keys go first.
      handler = await buildHandler({ keys: [...fresh.keys, ...previous.keys] });
      signingKeys = fresh;
      const rotation = { kids: fresh.keys.map((key) => String(key.kid)), previousKids: previous.keys.map((key) => String(key.kid)) };
      log(`${platform.id} signing keys rotated: ${rotation.kids.join(', ')} (previous ${rotation.previousKids.join(', ')} still published)`);
      return rotation;
    });
    return { issuer };
  }

  const rotateSigningKeys = async (platform: PlatformId): Promise<SigningKeyRotation> => {
    const rotate = rotations.get(platform);
    if (rotate === undefined) throw new TypeError(`Unknown platform ${JSON.stringify(platform)}: use "fc" or "fcp".`);
    return rotate();
  };

  const nextSignIn = (platformId: PlatformId, choice: ScriptedSignIn): void => {
    const queue = scripted.get(platformId);
    const definition = platformId === 'fc' ? FC : platformId === 'fcp' ? FCP : undefined;
    if (queue === undefined || definition === undefined) throw new TypeError(`Unknown platform ${JSON.stringify(platformId)}: use "fc" or "fcp".`);
    if (!('cancel' in choice)) {
      if (findIdentity(choice.identity) === undefined) {
        throw new TypeError(`Unknown test identity ${JSON.stringify(choice.identity)}: use one of ${TEST_IDENTITIES.map((person) => person.id).join(', ')}.`);
      }
      if (choice.acr !== undefined && !isPlatformAcr(definition, choice.acr)) {
        throw new TypeError(`${definition.displayName} does not return ${JSON.stringify(choice.acr)}: use ${definition.acrValues.join(' or ')}.`);
      }
    }
    queue.push(choice);
  };

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= Promise.all(servers.map(close)).then(() => undefined);
    return stopped;
  };

  try {
    const fc = await startPlatform(FC, options.fcPort ?? DEFAULT_FC_PORT, options.fcPublicUrl);
    const fcp = await startPlatform(FCP, options.fcpPort ?? DEFAULT_FCP_PORT, options.fcpPublicUrl);

    log(`FranceConnect   issuer ${fc.issuer}`);
    log(`FranceConnect+  issuer ${fcp.issuer}`);
    log(clients.length === 0 ? 'clients: none' : 'clients (secrets are never shown):');
    for (const line of clients.map(describeClient)) log(`  ${line}`);
    log(`sub: ${sameSubject ? 'same on FC and FC+ (identifiant commun)' : 'different on FC and FC+'}`);
    log(`service providers' JWKS: ${cacheClientJwks ? 'cached, as FranceConnect+ does' : 'fetched again in every request that uses it'}`);
    if (acceptPkce) log('PKCE: accepted at /authorize (FranceConnect refuses it)');
    log('test identities (login form field identity=<id>):');
    for (const person of TEST_IDENTITIES) {
      log(`  ${person.id.padEnd(18)} ${person.family_name} ${person.given_name}, ${person.birthdate}, amr ${person.amr.join(',')}`);
    }

    return Object.freeze({ fc, fcp, identities: TEST_IDENTITIES, rotateSigningKeys, nextSignIn, stop });
  } catch (error) {
    await stop();
    throw error;
  }
}
