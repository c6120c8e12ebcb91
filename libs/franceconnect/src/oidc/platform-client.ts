import type { Logger } from '@nestjs/common';
import * as client from 'openid-client';
import { InternalSignInError, ProviderUnavailableError } from '../errors/franceconnect.errors.js';
import type { KeyService } from '../keys/key.service.js';
import type { ResolvedFranceConnectOptions, ResolvedPlatform } from '../options/resolve-options.js';
import { answerTooLarge, isNetworkFailure } from './map-error.js';
import { CONTENT_ENCRYPTION } from '../platforms.js';
import { limitAnswerSize } from './answer-size-limit.js';
import { deadlineFetch } from './deadline-fetch.js';

/**
 * openid-client configuration of one platform, discovered lazily: the application starts even when the
 * platform is unreachable, and each sign-in retries discovery (at most once per `discoveryRetryMs`,
 * concurrent attempts sharing one request) until it answers. Once discovered, the configuration, and the
 * platform's JWKS cached inside it, are kept for the life of the process; it is rebuilt, from the same
 * metadata, when the service's keys it holds change.
 */
export class PlatformClient {
  private config?: client.Configuration;
  /**
   * The versions (`KeyService.decryptionKeysVersion()`, `KeyService.signingKeyVersion()`) of the keys
   * `config` was given: its decryption keys and its client authentication.
   */
  private keysVersion?: string;
  private discovering?: Promise<client.Configuration>;
  private lastFailureAt = 0;
  /**
   * Every request to the platform goes through it: its deadline is `httpTimeoutMs`, its answer is read up
   * to `maxAnswerBytes`.
   */
  private readonly fetch: client.CustomFetch;

  constructor(
    readonly platform: ResolvedPlatform,
    private readonly options: ResolvedFranceConnectOptions,
    private readonly keys: KeyService | undefined,
    private readonly logger: Logger,
  ) {
    this.fetch = limitAnswerSize(deadlineFetch(options.httpTimeoutMs), options.maxAnswerBytes, platform.id);
  }

  /**
   * The discovered configuration.
   *
   * @throws {ProviderUnavailableError} while the platform's discovery document cannot be fetched.
   * @throws {InternalSignInError} with `private_key_jwt` and no current signing key (refused at start-up
   *   and by `KeyService.reload()`).
   */
  async configuration(): Promise<client.Configuration> {
    if (this.config) {
      if (this.keysVersion === this.currentKeysVersion()) return this.config;
      // The service's keys changed (KeyService.reload(), or a retired key's grace period ended).
      // openid-client keeps the decryption keys and the client authentication (with private_key_jwt, the
      // signing key) it was given, so a new configuration is built from the metadata already discovered,
      // without asking the platform again: the next token request is signed with the new current key.
      this.config = this.configure(this.config.serverMetadata());
      this.logger.log(`${this.platform.label}: keys updated`);
      return this.config;
    }
    if (this.discovering) return this.discovering;
    if (Date.now() - this.lastFailureAt < this.options.discoveryRetryMs) {
      throw new ProviderUnavailableError(`${this.platform.label} is unreachable; retrying shortly`, { platform: this.platform.id });
    }
    this.discovering = this.discover().finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async discover(): Promise<client.Configuration> {
    const { platform, options } = this;
    let discovered: client.Configuration;
    try {
      // The configuration discovery returns is only read for its metadata: configure() builds the one
      // used, with the client authentication, so none is needed here.
      discovered = await client.discovery(new URL(platform.issuer), platform.clientId, this.clientMetadata(), client.None(), {
        execute: options.allowInsecureHttp ? [client.allowInsecureRequests] : [],
        timeout: options.httpTimeoutMs / 1000,
        [client.customFetch]: this.fetch,
      });
    } catch (error) {
      this.lastFailureAt = Date.now();
      const reason = isNetworkFailure(error) ? 'unreachable' : answerTooLarge(error) ? 'discovery document too large' : 'invalid discovery document';
      this.logger.warn(`${platform.label} discovery failed (${reason}) at ${platform.issuer}`);
      throw new ProviderUnavailableError(`${platform.label} is unavailable (${reason})`, { platform: platform.id, cause: error });
    }
    const config = this.configure(discovered.serverMetadata());
    this.config = config;
    this.logger.log(`${platform.label} discovered at ${platform.issuer}`);
    return config;
  }

  /**
   * An openid-client configuration for the discovered metadata, with the service's current decryption
   * keys and client authentication.
   */
  private configure(serverMetadata: client.ServerMetadata): client.Configuration {
    const { platform, options } = this;
    const config = new client.Configuration(serverMetadata, platform.clientId, this.clientMetadata(), this.clientAuthentication());
    if (options.allowInsecureHttp) client.allowInsecureRequests(config);
    // The deadline of each request to the platform is deadlineFetch's (one timer for all requests);
    // openid-client's own (a timer per request, which outlives it) is turned off.
    config.timeout = 0;
    config[client.customFetch] = this.fetch;
    // Keep the platform's JWKS already fetched: a change of our keys is no reason to fetch theirs again.
    const jwksCache = this.config && client.getJwksCache(this.config);
    if (jwksCache) client.setJwksCache(config, jwksCache);
    this.keysVersion = this.currentKeysVersion();
    if (platform.encryptionAlg) {
      // Only keys of the registered algorithm are given, which pins the key-management algorithm; the
      // content encryption is pinned to A256GCM, the only one FranceConnect+ uses.
      const keys = this.keys?.decryptionKeys(platform.encryptionAlg) ?? [];
      client.enableDecryptingResponses(config, [CONTENT_ENCRYPTION], ...keys);
    }
    // openid-client does not verify the signatures of the ID token and of userinfo unless asked to;
    // FranceConnect requires both.
    client.enableNonRepudiationChecks(config);
    return config;
  }

  /**
   * How the token and revocation requests authenticate the service, as registered. With
   * `private_key_jwt`, openid-client signs a client assertion (`iss` and `sub` the client id, `aud` the
   * issuer, 60 s, a fresh `jti`) for every request, with the current signing key, named by its `kid` so
   * that the platform picks it from the published JWKS.
   *
   * @throws {InternalSignInError} with `private_key_jwt` and no current signing key; start-up and
   *   `KeyService.reload()` refuse such a key set, so this is not expected to happen.
   */
  private clientAuthentication(): client.ClientAuth {
    const { platform } = this;
    const alg = platform.tokenEndpointSigningAlg;
    if (platform.tokenEndpointAuthMethod !== 'private_key_jwt' || alg === undefined) {
      return client.ClientSecretPost(platform.clientSecret ?? '');
    }
    const signingKey = this.keys?.signingKey(alg);
    if (!signingKey) {
      throw new InternalSignInError(`${platform.label}: no current ${alg} signing key for private_key_jwt`, { platform: platform.id });
    }
    return client.PrivateKeyJwt({ key: signingKey.key, kid: signingKey.kid });
  }

  /** The versions of the keys a configuration holds: decryption keys (FranceConnect+), signing key (private_key_jwt). */
  private currentKeysVersion(): string | undefined {
    const { encryptionAlg, tokenEndpointSigningAlg } = this.platform;
    if (!this.keys || (!encryptionAlg && !tokenEndpointSigningAlg)) return undefined;
    return [
      encryptionAlg ? this.keys.decryptionKeysVersion(encryptionAlg) : '',
      tokenEndpointSigningAlg ? this.keys.signingKeyVersion(tokenEndpointSigningAlg) : '',
    ].join('|');
  }

  private clientMetadata(): Partial<client.ClientMetadata> {
    const { platform, options } = this;
    const metadata: Partial<client.ClientMetadata> = {
      redirect_uris: [platform.redirectUri],
      // Pinning: a token signed with any other algorithm, `none` included, is refused.
      id_token_signed_response_alg: platform.signingAlg,
      userinfo_signed_response_alg: platform.signingAlg,
      [client.clockTolerance]: options.clockToleranceSeconds,
    };
    // With private_key_jwt there is no secret: it is never configured, so it can never be sent.
    if (platform.clientSecret !== undefined) metadata.client_secret = platform.clientSecret;
    if (platform.postLogoutRedirectUri) metadata.post_logout_redirect_uris = [platform.postLogoutRedirectUri];
    if (platform.encryptionAlg) {
      metadata.id_token_encrypted_response_alg = platform.encryptionAlg;
      metadata.id_token_encrypted_response_enc = CONTENT_ENCRYPTION;
      metadata.userinfo_encrypted_response_alg = platform.encryptionAlg;
      metadata.userinfo_encrypted_response_enc = CONTENT_ENCRYPTION;
    }
    return metadata;
  }
}
