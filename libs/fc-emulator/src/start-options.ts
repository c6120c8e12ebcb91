/**
 * The checks on the options of `startFcEmulator` that need no running server, kept apart from emulator.ts
 * (which loads oidc-provider) so that the command line can report them with its own flag errors, before
 * anything starts and even where oidc-provider is not installed.
 */
import type { StartFcEmulatorOptions } from './emulator.js';

/** Host the emulator listens on, and builds its issuers with, when none is given. */
export const DEFAULT_HOST = 'localhost';

/** FranceConnect's port when none is given: the port of `FRANCECONNECT_ISSUERS.emulator`. */
export const DEFAULT_FC_PORT = 4001;

/** FranceConnect+'s port when none is given: the port of `FRANCECONNECT_PLUS_ISSUERS.emulator`. */
export const DEFAULT_FCP_PORT = 4002;

/**
 * Path of the issuer under the origin, as on FranceConnect: france-connect/sources
 * back/instances/core-fcp-high/src/config/oidc-provider.ts (`issuer: \`https://${process.env.FQDN}${env.string('PREFIX')}\``)
 * with docker/compose/fcp-high/.env/core.env (`OidcProvider_PREFIX=/api/v2`; fcp-low/.env/core-fcp-low.env the same).
 */
export const ISSUER_PATH = '/api/v2';

/** How each option is named in a problem: the option itself, or a command line's own spelling of it. */
export type StartOptionLabels = Readonly<Record<'fcPort' | 'fcpPort' | 'fcPublicUrl' | 'fcpPublicUrl', string>>;

const OPTION_NAMES: StartOptionLabels = { fcPort: 'fcPort', fcpPort: 'fcpPort', fcPublicUrl: 'fcPublicUrl', fcpPublicUrl: 'fcpPublicUrl' };

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `[::1]` for an IPv6 address, the name itself otherwise: the host part of a URL. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Every problem with the ports and public URLs, one sentence each saying what to fix; empty when none.
 * `labels` names the options in the sentences (default: the option names of `startFcEmulator`).
 */
export function startOptionProblems(options: StartFcEmulatorOptions, labels: StartOptionLabels = OPTION_NAMES): string[] {
  const problems: string[] = [];
  for (const key of ['fcPort', 'fcpPort'] as const) {
    const port = options[key];
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      problems.push(`${labels[key]} must be an integer between 0 and 65535 (0 picks a free port), got ${String(port)}.`);
    }
  }
  const host = urlHost(options.host ?? DEFAULT_HOST);
  for (const [key, portKey, defaultPort] of [
    ['fcPublicUrl', 'fcPort', DEFAULT_FC_PORT],
    ['fcpPublicUrl', 'fcpPort', DEFAULT_FCP_PORT],
  ] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!URL.canParse(value) || new URL(value).pathname !== '/' || new URL(value).search !== '') {
      problems.push(`${labels[key]} must be an origin such as https://fc.example.test (no path: ${ISSUER_PATH} is added), got ${value}.`);
      continue;
    }
    // The emulator's own setup, no FranceConnect rule (the platforms are https only, behind their own
    // hosts): the emulator speaks only http, so an https origin naming its own port would give an issuer
    // that every client fails to reach with a TLS error, far from the cause.
    const url = new URL(value);
    const port = options[portKey] ?? defaultPort;
    const ownHost = url.hostname === host || LOOPBACK_NAMES.has(url.hostname);
    if (url.protocol === 'https:' && ownHost && port !== 0 && Number(url.port || 443) === port) {
      problems.push(
        `${labels[key]} is ${value}, but the emulator serves plain http on that port: drop ${labels[key]} to use ` +
          `http://${host}:${port}${ISSUER_PATH} (with allowInsecureHttp: true in the module options, development only), ` +
          'or put a TLS proxy in front of the emulator on another port and give its origin.',
      );
    }
  }
  // Two servers cannot share a port (FranceConnect and FranceConnect+ are two providers on two hosts,
  // docker/compose/fcp-high/.env/core.env and fcp-low/.env/core-fcp-low.env `FQDN`): the emulator's own check.
  const fcPort = options.fcPort ?? DEFAULT_FC_PORT;
  if (fcPort !== 0 && fcPort === (options.fcpPort ?? DEFAULT_FCP_PORT)) {
    problems.push(`${labels.fcPort} and ${labels.fcpPort} must differ: FranceConnect and FranceConnect+ are separate providers.`);
  }
  return problems;
}
