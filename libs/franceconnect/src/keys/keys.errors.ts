import { ConfigurationError, FranceConnectError } from '../errors/franceconnect.errors.js';

/**
 * The service provider's key set, or where it comes from, is unusable.
 *
 * Thrown at start-up, once, with every problem found (not only the first one) and how to fix each,
 * so a configuration can be corrected in one go. Messages name keys by position and `kid`, files by
 * path and environment variables by name; they never contain key material.
 */
export class KeyConfigurationError extends ConfigurationError {
  override readonly code = 'FC_KEYS_INVALID';

  /**
   * @param problems every problem found; the message lists them all.
   * @param options `cause`, when the problem comes from a lower-level error that carries no key material.
   */
  constructor(problems: readonly string[], options?: ErrorOptions) {
    super('FranceConnect key', problems, options);
  }
}

/**
 * A change asked of a private JWKS (adding, promoting, retiring or pruning keys) was refused because it
 * would leave the key set unusable or ambiguous: the message says why and what to do instead. Nothing is
 * written when it is thrown.
 */
export class KeyRotationError extends FranceConnectError {
  override readonly code = 'FC_KEY_ROTATION_REFUSED';
}
