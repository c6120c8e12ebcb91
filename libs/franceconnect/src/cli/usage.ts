/** Usage texts of the `franceconnect` command line. */

export const KEYS_USAGE = `Usage: franceconnect keys <command> [options]

Manage the service's private key set (a private JWKS file). Each key has a state, kept in the file as
"fc:state": "current" keys are published first (FranceConnect+ encrypts to the current key of the
registered algorithm), "next" keys are published after them, "retired" keys are not published and still
decrypt for a grace period after "fc:retiredAt".

Commands:
  generate --alg <alg> [--use enc|sig] [--kid <kid>]
                      add a new key: current if it is the first published key of its algorithm,
                      next otherwise. Creates the file (mode 0600) if it does not exist.
                      enc algs: RSA-OAEP-256, RSA-OAEP, ECDH-ES; sig algs: ES256, RS256.
  rotate [--alg <alg>] [--use enc|sig]
                      promote the next key to current and retire the current one, for every
                      algorithm that has a next key (or only --alg).
  retire --kid <kid> [--force]
                      retire one key. Refused for the last published key of an algorithm, and for a
                      current key with a next key waiting (use rotate), unless --force.
  prune [--grace <duration>]
                      remove retired keys whose grace period has ended.
  list [--grace <duration>]
                      show every key with its state (no key material).
  public              print the public JWKS to publish and register (public members only).

Options:
  --file <path>       the private JWKS file. Default: $SP_KEYS_FILE, else ./sp-keys.json.
  --grace <duration>  grace period of retired keys: 3600, 90s, 15m, 24h, 2d. Default: 24h.
  -h, --help          show this help.

After changing the file, make every instance of the application load it again (a reload or a restart; see
docs/keys.md for the rotation step by step).
`;

export const DOCTOR_USAGE = `Usage: franceconnect doctor [--config <file>] [--dev] [--json] [--timeout <duration>]

Checks your FranceConnect / FranceConnect+ module options against the platforms' rules before
qualification: the options as the module validates them at start-up, then for each platform its
discovery, algorithms, client id and secret (a token request with a made-up code), redirect URIs, clock
and the authorization request the module sends; then the service's keys and the JWKS it publishes.
Prints one line per check (ok, warn or FAIL) and exits with 1 if a check fails.

The configuration file gives the options your application passes to the module:
  - an ES module (.js, .mjs; .ts where Node strips types) whose default export is the options object
    given to FranceConnectPlusModule.forRoot(), or a function, possibly async, returning it (the
    factory given to forRootAsync, called without arguments);
  - or a .json file holding the options.
Without --config, doctor reads franceconnect.config.js, franceconnect.config.mjs or
franceconnect.config.json in the current directory. For example, franceconnect.config.mjs:

  import { FRANCECONNECT_PLUS_ISSUERS } from 'nest-franceconnect';

  export default () => ({
    franceConnectPlus: {
      issuer: FRANCECONNECT_PLUS_ISSUERS.integration,
      clientId: process.env.FCP_CLIENT_ID,
      clientSecret: process.env.FCP_CLIENT_SECRET,
      redirectUri: 'https://service.example.fr/auth/fcp/callback',
      postLogoutRedirectUri: 'https://service.example.fr/auth/logout/callback',
    },
    keys: { file: '/run/secrets/sp-keys.json' },
  });

Running the file runs its code, as your application does. Relative paths (keys.file) start from the
current directory. The published JWKS is fetched where FranceConnect+ fetches it: the origin of
franceConnectPlus.redirectUri followed by jwksPath (default /.well-known/jwks.json).

Options:
  --config <file>       the configuration file. Default: the first of the three files above.
  --dev                 allow http://localhost URLs and the emulator's demo clients.
  --json                print the checks as JSON.
  --timeout <duration>  timeout of each HTTP request: 3600, 90s, 15m, 24h, 2d. Default: 5s.
  -h, --help            show this help.
`;

export const MAIN_USAGE = `Usage: franceconnect <command> [options]

Commands:
  keys <command>   manage the service's private key set: generate, rotate, retire, prune, list, public
  doctor           check your module options against FranceConnect's rules before qualification
  help             show this help

Run "franceconnect keys --help" or "franceconnect doctor --help" for the options of each command.
`;
