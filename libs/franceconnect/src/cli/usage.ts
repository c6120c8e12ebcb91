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
  --help              show this help.

After changing the file, make every instance of the application load it again (a reload or a restart; see
docs/keys.md for the rotation step by step).
`;

export const DOCTOR_USAGE = `Usage: franceconnect doctor [--config <file.json>] [--dev] [--json] [--timeout <duration>]

Checks a FranceConnect / FranceConnect+ configuration against the platforms' rules before
qualification: discovery and algorithms, the service's published JWKS, redirect URIs, secrets, state and
nonce lengths, clock skew. Prints one line per check (ok, warn or FAIL) and exits with 1 if a check fails.

The configuration comes from the environment, as the sample app reads it:
  FCP_ISSUER, FCP_CLIENT_ID, FCP_CLIENT_SECRET, FCP_ENCRYPTION_ALG (default RSA-OAEP-256),
  FCP_REDIRECT_URI (default $APP_URL/auth/fcp/callback)
  FC_ISSUER, FC_CLIENT_ID, FC_CLIENT_SECRET, FC_SIGNING_ALG (default ES256),
  FC_REDIRECT_URI (default $APP_URL/auth/fc/callback)
  POST_LOGOUT_REDIRECT_URI (default $APP_URL/auth/logout/callback)
  APP_URL, SP_JWKS_URL (default $APP_URL/.well-known/jwks.json), SP_KEYS_FILE, SESSION_SECRET
A platform is checked when any of its variables is set.

Options:
  --config <file>       read the configuration from a JSON file instead:
                        { "appUrl", "jwksUrl", "keysFile",
                          "franceConnectPlus": { "issuer", "clientId", "clientSecret", "encryptionAlg",
                                                 "redirectUri", "postLogoutRedirectUri" },
                          "franceConnect": { "issuer", "clientId", "clientSecret", "signingAlg",
                                             "redirectUri", "postLogoutRedirectUri" } }
  --dev                 allow http://localhost URLs and the emulator's demo clients.
  --json                print the checks as JSON.
  --timeout <duration>  timeout of each HTTP request. Default: 5s.
  --help                show this help.
`;

export const MAIN_USAGE = `Usage: franceconnect <command> [options]

Commands:
  keys <command>   manage the service's private key set: generate, rotate, retire, prune, list, public
  doctor           check a configuration against FranceConnect's rules before qualification
  help             show this help

Run "franceconnect keys --help" or "franceconnect doctor --help" for the options of each command.
`;
