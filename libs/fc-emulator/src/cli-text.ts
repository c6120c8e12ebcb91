/**
 * What the `franceconnect-emulator` command prints besides the emulator's own log: its usage, and once
 * started, where the issuers go in the module options.
 */
import { EMULATOR_ENV_VARS } from './env.js';
import { DEFAULT_FC_PORT, DEFAULT_FCP_PORT, DEFAULT_HOST } from './start-options.js';

/** The FC_EMULATOR_* variables, three to a line. */
function environmentLines(): string {
  const names = Object.values(EMULATOR_ENV_VARS);
  const lines: string[] = [];
  for (let index = 0; index < names.length; index += 3) lines.push(`  ${names.slice(index, index + 3).join(', ')}`);
  return lines.join('\n');
}

/** `franceconnect-emulator --help`. Every flag of cli-arguments.ts appears here (a spec checks it). */
// What the usage says of the platforms, from france-connect/sources:
// - a client secret of at least 32 characters: back/libs/service-provider-adapter-mongo/src/dto/service-provider-adapter-mongo.dto.ts
//   (`@MinLength(32) readonly client_secret`), sent with client_secret_post: back/instances/core-fcp-high/src/config/oidc-provider.ts
//   (`token_endpoint_auth_method: 'client_secret_post'`);
// - PKCE refused: back/apps/core-fcp/src/dto/authorize-params.dto.ts has no code_challenge, and
//   back/apps/core-fcp/src/controllers/oidc-provider.controller.ts validates with `forbidNonWhitelisted: true`;
// - redirect URIs compared exactly and the client's JWKS kept between requests: oidc-provider's own
//   behaviour (lib/models/client.js, `redirectUriAllowed`, `freshUntil`), which FranceConnect uses unchanged
//   (back/package.json pins oidc-provider; `application_type: 'web'` in core-fcp-high's oidc-provider.ts);
// - the same sub on both platforms ("identifiant commun"): back/libs/cryptography-fcp/src/cryptography-fcp.service.ts
//   (`[providerRef, identityHash, subSecretKey]`, one secret per platform instance).
export const EMULATOR_USAGE = `Usage: franceconnect-emulator [options] [--client-id <id> <client flags>]...

Starts a local emulator of FranceConnect and FranceConnect+ on plain http, for development and tests
only: fictitious test identities, keys in memory, new keys at every start. Ctrl+C stops it.

Options:
  --fc-port <port>           FranceConnect's port (default ${DEFAULT_FC_PORT}; 0 picks a free port)
  --fcp-port <port>          FranceConnect+'s port (default ${DEFAULT_FCP_PORT}; 0 picks a free port)
  --host <name>              address to listen on, and host of the issuers (default ${DEFAULT_HOST})
  --fc-public-url <origin>   origin browsers reach FranceConnect at, behind a reverse proxy
  --fcp-public-url <origin>  the same for FranceConnect+
  --clients <file.json>      register the clients of a JSON file (repeatable); its fields are in the
                             emulator's README (libs/fc-emulator/README.md in the package)
  --same-subject             the same sub on FranceConnect and FranceConnect+ ("identifiant commun")
  --cache-client-jwks        keep your app's JWKS between requests, as FranceConnect+ does
  --accept-pkce              let PKCE through /authorize (FranceConnect refuses it)
  -h, --help                 print this help

Register your application (each client starts with --client-id; start another one the same way):
  --client-id <id>
  --platform fc|fcp                 fc: FranceConnect; fcp: FranceConnect+ (the default)
  --client-secret <secret>          at least 32 characters, as the module's clientSecret
  --redirect-uri <url>              your callback, compared exactly (repeatable)
  --post-logout-redirect-uri <url>  where logout may return (repeatable)
  --jwks-uri <url>                  your app's public JWKS; required on FranceConnect+, which encrypts to it
Other registration fields (private_key_jwt, algorithms, claims, scopes, entity_id): use --clients.
With neither --client-id nor --clients, the sample app's clients demo-fc and demo-fcp are registered.

Each option also reads an environment variable; the flag wins when both are given:
${environmentLines()}

Examples:
  franceconnect-emulator --client-id my-app --client-secret "$FCP_CLIENT_SECRET" \\
    --redirect-uri http://localhost:3000/auth/fcp/callback \\
    --post-logout-redirect-uri http://localhost:3000/auth/logout/callback \\
    --jwks-uri http://localhost:3000/.well-known/jwks.json
  franceconnect-emulator --client-id my-app-fcp ... --client-id my-app-fc --platform fc ...
  franceconnect-emulator --clients ./fc-clients.json --fcp-port 5002
`;

/** Where the running emulator goes in `FranceConnectPlusModule.forRoot()`: lines printed after the start. */
export function moduleOptionsHint(fcIssuer: string, fcpIssuer: string): string[] {
  const lines = [
    'in your module options (FranceConnectPlusModule.forRoot):',
    `  franceConnect:     { issuer: '${fcIssuer}', ... },`,
    `  franceConnectPlus: { issuer: '${fcpIssuer}', ... },`,
  ];
  if ([fcIssuer, fcpIssuer].some((issuer) => issuer.startsWith('http:'))) {
    // The module refuses http issuers and callbacks unless told otherwise, and refuses that in production.
    lines.push('  allowInsecureHttp: true, // development only: these issuers are http');
  }
  lines.push('Ctrl+C stops the emulator.');
  return lines;
}
