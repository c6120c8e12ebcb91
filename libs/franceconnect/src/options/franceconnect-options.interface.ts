import type { EidasLevel } from '../acr/eidas.js';
import type { ErrorPageTemplate } from '../errors/error-page.js';
import type { KeySource } from '../keys/key-source.js';
import type { EncryptionAlg, SigningAlg } from '../platforms.js';
import type { DataSource } from 'typeorm';
import type { IdentityLinkOptions } from '../identity/identity-link.options.js';
import type { IdentityStore } from '../identity/identity-store.interface.js';
import type { SignInRateLimitOptions } from '../transactions/sign-in-rate-limit.js';
import type { TransactionStore } from '../transactions/transaction-store.interface.js';

/** Signature algorithms a platform may be registered with (FranceConnect+ signs with ES256 only). */
export type { SigningAlg };

/**
 * How the service authenticates at the platform's token and revocation endpoints, as registered:
 * `client_secret_post` sends the client secret in the request body; `private_key_jwt` sends a client
 * assertion (a JWT valid 60 s, used once) signed with the service's current signing key, which the
 * platform verifies against the service's published JWKS.
 */
export type TokenEndpointAuthMethod = 'client_secret_post' | 'private_key_jwt';

/** Registration of the service with one platform. */
export interface PlatformOptions {
  /** Issuer URL, including `/api/v2` (see `FRANCECONNECT_PLUS_ISSUERS` / `FRANCECONNECT_ISSUERS`). */
  issuer: string;
  /** Client id given by FranceConnect at registration. */
  clientId: string;
  /**
   * Client secret given by FranceConnect at registration, sent with `client_secret_post`. Required with
   * `client_secret_post`; not used with `private_key_jwt` (never sent).
   */
  clientSecret?: string;
  /**
   * Token endpoint authentication registered with the platform. Default `client_secret_post`. With
   * `private_key_jwt`, the key set (`keys`) must hold a current signing key (`use: "sig"`) of
   * `tokenEndpointSigningAlg`, published at the JWKS URL registered with the platform.
   */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** Algorithm of the client assertions, with `private_key_jwt` only. Default `ES256`. */
  tokenEndpointSigningAlg?: SigningAlg;
  /** Absolute callback URL registered with the platform, e.g. `https://service.fr/auth/fcp/callback`. */
  redirectUri: string;
  /** Absolute URL registered for the return from logout. Optional until logout is used. */
  postLogoutRedirectUri?: string;
  /**
   * Scopes to ask for. Default: `openid` and the pivot identity (`given_name family_name birthdate gender
   * birthplace birthcountry`) plus `email` and `preferred_username`.
   */
  scopes?: readonly string[];
  /** Level asked for when a route does not ask for more. Default: `eidas1` on FranceConnect, `eidas2` on FranceConnect+. */
  acrValues?: EidasLevel;
  /** Algorithm the ID token and userinfo are signed with, as registered. Default `ES256`. */
  signingAlg?: SigningAlg;
  /**
   * Ask for the `amr` claim (how the person authenticated) in the ID token. Default `false`: FranceConnect
   * refuses the sign-in (error page Y100009) unless the service's registration lists the `amr` claim, so
   * turn it on only once the registration does.
   */
  requestAmr?: boolean;
  /**
   * Send PKCE (S256) with every sign-in. Default `false`: FranceConnect's core refuses `code_challenge`
   * (error page Y030007). For another platform that accepts it only; the sign-in is bound to the
   * browser by `state`, `nonce` and the browser cookie either way.
   */
  pkce?: boolean;
}

/** Registration with FranceConnect+, which also encrypts its answers to the service's public key. */
export interface PlusPlatformOptions extends PlatformOptions {
  /** Key-management algorithm registered for the encryption of the ID token and userinfo. Default `RSA-OAEP-256`. */
  encryptionAlg?: EncryptionAlg;
}

/** Where the service provider's private keys come from. */
export type KeysOptions =
  | { /** A private JWKS object or its JSON text. */ jwks: object | string }
  | { /** Path of a private JWKS JSON file. */ file: string }
  | { /** Name of an environment variable holding the private JWKS JSON. */ env: string }
  | { /** A pluggable source (vault, HSM gateway…). */ source: KeySource }
  | {
      /**
       * Development only: load the file, or generate a key set into it when missing. Refused in
       * production.
       */
      generate: { file: string };
    };

/**
 * Identity linking: one account per person across FranceConnect and FranceConnect+ (see the README's
 * "Identity linking"). Give the application's TypeORM `dataSource` (with `IDENTITY_ENTITIES` and
 * `IDENTITY_MIGRATIONS` added to it), or a `store` of your own.
 */
export type IdentityLinkingOptions = IdentityLinkOptions & ({ readonly dataSource: DataSource } | { readonly store: IdentityStore });

/** Options of {@link FranceConnectPlusModule}. */
export interface FranceConnectModuleOptions {
  /** FranceConnect+ registration. Leave out to offer FranceConnect only. */
  franceConnectPlus?: PlusPlatformOptions;
  /** FranceConnect registration. Leave out to offer FranceConnect+ only. */
  franceConnect?: PlatformOptions;
  /**
   * The service provider's private keys, needed for FranceConnect+ (decryption) and for `private_key_jwt`
   * (signing). Default: in development, `{ generate: { file: '.data/sp-keys.json' } }`; in production there
   * is no default and start-up fails without keys.
   */
  keys?: KeysOptions;
  /**
   * How long a retired key still decrypts after its rotation, in seconds, so answers encrypted to it just
   * before the platform saw the new key are not lost. Default `86400` (24 h).
   */
  retiredKeyGraceSeconds?: number;
  /** Route that publishes the public JWKS FranceConnect+ encrypts to. Default `/.well-known/jwks.json`. */
  jwksPath?: string;
  /** Allow `http://` issuers and callbacks, for the local emulator and tests only. Default `false`. */
  allowInsecureHttp?: boolean;
  /** Whether this is a production deployment. Default: `process.env.NODE_ENV === 'production'`. */
  production?: boolean;
  /** Timeout of each call to a platform, in milliseconds. Default `5000`. */
  httpTimeoutMs?: number;
  /** Clock tolerance when checking token times, in seconds. Default `5` (tokens live 60 s). */
  clockToleranceSeconds?: number;
  /** How long a started sign-in may take before its callback is refused, in seconds. Default `600`. */
  transactionTtlSeconds?: number;
  /** Where the browser goes after a sign-in that did not ask for a page. Default `/`. */
  defaultReturnTo?: string;
  /**
   * Require the platform to send back the logout `state`. Default `true`. Some deployments have been seen
   * to drop it: turn this off only for those, the local session is closed either way.
   */
  logoutStateRequired?: boolean;
  /** Where the browser lands after logout. Default `/`. */
  afterLogoutPath?: string;
  /** Identity linking; leave out to keep identities in the session only. */
  identityLinking?: IdentityLinkingOptions;
  /**
   * Where sign-in transactions are kept between the redirect and the callback. Default: in process memory
   * (one instance only), at most 10 per browser and 50,000 in all, the oldest dropped first. Behind a load
   * balancer, use `new RedisTransactionStore(redisClient)`; either store takes other limits
   * (`new MemoryTransactionStore({ maxPending: 100_000 })`).
   */
  transactionStore?: TransactionStore;
  /**
   * How many sign-ins one client (IP address, IPv6 /64) may start: a sliding window on `@nestjs/throttler`'s
   * storage. Default `{ limit: 60, ttlSeconds: 60 }` in process memory; past it the client gets 429
   * `FC_TOO_MANY_SIGN_INS`. Behind a proxy, set Express's `trust proxy` so the limit counts browsers, not
   * the proxy. `false` turns it off (only behind a gateway that limits it already).
   */
  signInRateLimit?: SignInRateLimitOptions | false;
  /**
   * Largest answer read from a platform (discovery, JWKS, token, userinfo), in bytes. Default `262144`
   * (256 KiB; the platforms' answers take a few kB). A larger one is not read: `FC_PLATFORM_ANSWER_TOO_LARGE`.
   */
  maxAnswerBytes?: number;
  /** Minimum delay between two discovery attempts while a platform is unreachable, in milliseconds. Default `1000`. */
  discoveryRetryMs?: number;
  /**
   * The application's own template for the error pages a browser gets (failed sign-in, level too low,
   * platform down…), to show them in the site's layout. It receives the status, the code and the
   * library's French title and text, already HTML-escaped, and returns the whole HTML document. When it
   * throws, the library's own page is sent and one line is logged. API clients still get JSON. Default:
   * the library's own self-contained page. The session middleware's 503 page has the same option in
   * `franceConnectSession()`.
   *
   * @example
   * ```ts
   * renderErrorPage: ({ title, text, code }) =>
   *   layout(title, `<h1>${title}</h1><p>${text}</p><p>Code : <code>${code}</code></p>`),
   * ```
   */
  renderErrorPage?: ErrorPageTemplate;
}
