import { Injectable, Logger } from '@nestjs/common';
import type {
  JweDecryptionKey,
  KeyDescription,
  KeySet,
  PublicJwks,
  SigningKey,
} from './key-set.js';
import { loadKeySet } from './key-source.js';
import type { KeySetSource } from './key-source.js';
import type { EncryptionAlg, SigningAlg } from './keys.constants.js';
import { ENCRYPTION_ALGS } from './keys.constants.js';
import { KeyConfigurationError } from './keys.errors.js';
import { missingServiceKeys, type ServiceKeyNeeds } from './key-set-requirements.js';

export type { ServiceKeyNeeds };

const EMPTY_JWKS: PublicJwks = Object.freeze({ keys: Object.freeze([]) });

/** Result of {@link KeyService.reload}. */
export interface KeyReloadResult {
  /** Whether the reloaded key set differs from the one in use (published keys, states, grace periods). */
  readonly changed: boolean;
  /** The keys now in use, without key material. */
  readonly keys: readonly KeyDescription[];
}

/**
 * Owns the service provider's keys: publishes the public JWKS FranceConnect+ encrypts to, provides the
 * private keys, selected by `kid`, that decrypt its answers, and the current signing key that signs the
 * `private_key_jwt` client assertions. The keys are loaded and imported once, at
 * start-up, and again only when {@link KeyService.reload} is called; nothing here touches the disk or
 * imports a key on a request.
 */
@Injectable()
export class KeyService {
  private readonly logger = new Logger('FranceConnect');
  private keySet?: KeySet;
  /** Bumped by every reload that changed the keys. */
  private generation = 0;
  private reloading?: Promise<KeyReloadResult>;

  /**
   * A service without keys (no FranceConnect+, no `private_key_jwt`) publishes an empty JWKS. The module
   * builds its instance with {@link KeyService.load}; `needs` is what the configured platforms need.
   */
  constructor(private readonly needs?: ServiceKeyNeeds, keySet?: KeySet) {
    this.keySet = keySet;
  }

  /**
   * Loads the key set from `needs.source` and checks that it holds what the platforms need: an encryption
   * key of the algorithm registered with FranceConnect+, and a current signing key for each platform
   * registered with `private_key_jwt`. In development (`generate`), a missing file is created with one key
   * per algorithm, the registered one first, and the signing keys `private_key_jwt` needs.
   *
   * @throws {KeyConfigurationError} listing every problem with the keys and how to fix it.
   */
  static async load(needs: ServiceKeyNeeds | undefined): Promise<KeyService> {
    if (!needs) return new KeyService();
    return new KeyService(needs, await loadServiceKeySet(needs, { generate: true }));
  }

  /** The public JWKS to publish (public members only; empty when FranceConnect+ is not configured). */
  publicJwks(): PublicJwks {
    return this.keySet?.publicJwks() ?? EMPTY_JWKS;
  }

  /**
   * The private keys of one key-management algorithm that decrypt now, with their `kid`, for
   * openid-client: current and next keys, and retired keys within their grace period.
   */
  decryptionKeys(alg: EncryptionAlg): JweDecryptionKey[] {
    return this.keySet?.decryptionKeys(alg) ?? [];
  }

  /**
   * Identifies the list {@link KeyService.decryptionKeys} returns for `alg`: it changes when a reload
   * changes the keys and when a retired key's grace period ends. A holder of decryption keys (an
   * openid-client configuration) compares it with the value it was built with to know it is stale.
   */
  decryptionKeysVersion(alg: EncryptionAlg): string {
    const kids = this.decryptionKeys(alg).map((key) => key.kid);
    return `${this.generation}:${kids.join(',')}`;
  }

  /**
   * The current signing key of `alg` (`use: "sig"`, state `current`), as a non-extractable `CryptoKey`
   * with its `kid`, for openid-client's `PrivateKeyJwt`; `undefined` when there is none. `next` keys are
   * published but never sign, `retired` keys neither sign nor are published.
   */
  signingKey(alg: SigningAlg): SigningKey | undefined {
    return this.keySet?.currentSigningKey(alg);
  }

  /**
   * Identifies the key {@link KeyService.signingKey} returns for `alg`: it changes when a reload changes
   * the keys. A holder of the signing key (an openid-client configuration) compares it with the value it
   * was built with to know it is stale.
   */
  signingKeyVersion(alg: SigningAlg): string {
    return `${this.generation}:${this.signingKey(alg)?.kid ?? ''}`;
  }

  /** Every key in use with its state, without key material (empty when no key set is configured). */
  describeKeys(): KeyDescription[] {
    return this.keySet?.describeKeys() ?? [];
  }

  /**
   * Loads the key set again from the configured source (the key file, the environment variable, the
   * custom source) and, if it is valid, uses it from now on: the public JWKS, `decryptionKeys()` and
   * `signingKey()` all switch at once. This is how a rotation reaches a running application: change the
   * key file (the `franceconnect keys` commands), then call this method, for example on `SIGHUP`:
   *
   * ```ts
   * process.on('SIGHUP', () => void app.get(KeyService).reload().catch((error) => logger.error(error)));
   * ```
   *
   * A key set that does not load, has no published key for the algorithm registered with
   * FranceConnect+, or has no current signing key for a platform registered with `private_key_jwt`, is
   * refused and the keys in use stay in use. A development source (`generate`) is
   * read again but never regenerated. Concurrent calls share one reload.
   *
   * @throws {KeyConfigurationError} when the module has no key source, or the new key set is refused.
   */
  reload(): Promise<KeyReloadResult> {
    this.reloading ??= this.loadAgain().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async loadAgain(): Promise<KeyReloadResult> {
    if (!this.needs) {
      throw new KeyConfigurationError(['no key source is configured: there is nothing to reload (set the module option keys).']);
    }
    // On a reload the development key file must already exist: generating a new key set under a
    // running application would silently replace the keys FranceConnect+ encrypts to.
    const next = await loadServiceKeySet(this.needs, {
      generate: false,
      gracePeriodSeconds: this.keySet?.gracePeriodSeconds,
      phrase: (problem) => `${problem}: the keys in use are kept.`,
    });
    const changed = !this.keySet || fingerprint(this.keySet) !== fingerprint(next);
    if (changed) {
      this.keySet = next;
      this.generation += 1;
      this.logger.log(`Keys reloaded: ${summarize(next.describeKeys())}`);
    }
    return { changed, keys: (this.keySet ?? next).describeKeys() };
  }
}

/** Options of {@link loadServiceKeySet}. */
export interface ServiceKeySetLoading {
  /**
   * Whether a development source (`generate`) may create its file, with one key per algorithm, the
   * registered one first, and the signing keys `private_key_jwt` needs (at start-up); otherwise the file
   * is only read (a reload). An existing file is checked the same way either way.
   */
  readonly generate: boolean;
  /** How long a retired key still decrypts. Default: the needs'. */
  readonly gracePeriodSeconds?: number;
  /** The environment an `env` source reads, and the clock; default the process's. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
  /** How each missing key is said. Default: as is, with a full stop. */
  readonly phrase?: (problem: string) => string;
}

/**
 * Loads the service's key set from `needs.source` and checks that it holds what the platforms need: an
 * encryption key of the algorithm registered with FranceConnect+, and a current signing key for each
 * platform registered with `private_key_jwt`. What `KeyService` does at start-up and on reload, and what
 * `franceconnect doctor` checks: one rule for all three.
 *
 * @throws {KeyConfigurationError} listing every problem with the keys and how to fix it.
 */
export async function loadServiceKeySet(needs: ServiceKeyNeeds, loading: ServiceKeySetLoading): Promise<KeySet> {
  const given = needs.source;
  let source: KeySetSource = given;
  if ('generate' in given) {
    const { encryptionAlg } = needs;
    source = loading.generate
      ? {
          generate: {
            file: given.generate.file,
            algs: encryptionAlg ? [encryptionAlg, ...ENCRYPTION_ALGS.filter((alg) => alg !== encryptionAlg)] : [...ENCRYPTION_ALGS],
            signingAlgs: [...new Set(needs.signers.map((signer) => signer.alg))],
          },
        }
      : { file: given.generate.file };
  }
  const gracePeriodSeconds = loading.gracePeriodSeconds ?? needs.gracePeriodSeconds;
  const keySet = await loadKeySet(source, {
    production: needs.production,
    logger: new Logger('FranceConnect'),
    ...(gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds }),
    ...(loading.env ? { env: loading.env } : {}),
    ...(loading.now ? { now: loading.now } : {}),
  });
  const missing = missingServiceKeys(keySet, needs);
  if (missing.length > 0) throw new KeyConfigurationError(missing.map(loading.phrase ?? ((problem) => `${problem}.`)));
  return keySet;
}

/** What a key set publishes and holds, to tell whether a reload changed anything. */
function fingerprint(keySet: KeySet): string {
  return JSON.stringify([keySet.publicJwks(), keySet.describeKeys(), keySet.gracePeriodSeconds]);
}

/** One line about the keys for the log: kid, alg and state, never key material. */
function summarize(keys: readonly KeyDescription[]): string {
  return keys.map((key) => `${key.kid} (${key.use} ${key.alg}, ${key.state}${key.decrypts || key.use === 'sig' ? '' : ', expired'})`).join(', ');
}
