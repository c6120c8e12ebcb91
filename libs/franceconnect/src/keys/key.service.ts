import { Inject, Injectable, Optional } from '@nestjs/common';
import { FRANCECONNECT_KEY_SET } from '../franceconnect.constants.js';
import type { KeySet, PublicJwks, JweDecryptionKey, DecryptedJwe, JweDecryptOptions } from './key-set.js';
import type { EncryptionAlg } from './keys.constants.js';

const EMPTY_JWKS: PublicJwks = Object.freeze({ keys: Object.freeze([]) });

/**
 * Owns the service provider's keys: publishes the public JWKS FranceConnect+ encrypts to, and provides
 * the private keys, selected by `kid`, that decrypt its answers. The keys are loaded and imported once, at
 * start-up; nothing here touches the disk or imports a key on a request.
 */
@Injectable()
export class KeyService {
  constructor(@Optional() @Inject(FRANCECONNECT_KEY_SET) private readonly keySet?: KeySet) {}

  /** The public JWKS to publish (public members only; empty when FranceConnect+ is not configured). */
  publicJwks(): PublicJwks {
    return this.keySet?.publicJwks() ?? EMPTY_JWKS;
  }

  /** The private keys of one key-management algorithm, with their `kid`, for openid-client. */
  decryptionKeys(alg: EncryptionAlg): JweDecryptionKey[] {
    return (this.keySet?.decryptionKeys() ?? []).filter((key) => key.alg === alg);
  }

  /**
   * Decrypts a compact JWE with the key its header names.
   *
   * @throws {JweDecryptionError} for an unknown `kid`, an algorithm not allowed, or a damaged JWE.
   */
  async decrypt(jwe: string, options: JweDecryptOptions): Promise<DecryptedJwe> {
    if (!this.keySet) throw new Error('No key set is configured');
    return this.keySet.decrypt(jwe, options);
  }
}
