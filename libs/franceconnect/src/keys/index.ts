export {
  DEFAULT_CONTENT_ENCRYPTION_ALGS,
  ENCRYPTION_ALGS,
  SIGNING_ALGS,
  isEncryptionAlg,
  isSigningAlg,
} from './keys.constants.js';
export type { EncryptionAlg, SigningAlg } from './keys.constants.js';
export { JweDecryptionError, KeyConfigurationError } from './keys.errors.js';
export { generateEncryptionKey, generateSigningKey } from './key-generation.js';
export type { GenerateKeyOptions } from './key-generation.js';
export { KeySet } from './key-set.js';
export type {
  DecryptedJwe,
  JweDecryptOptions,
  JweDecryptionKey,
  PublicJwk,
  PublicJwks,
  SigningKey,
} from './key-set.js';
export { loadKeySet } from './key-source.js';
export type {
  DevKeyGenerationOptions,
  KeySetLogger,
  KeySetSource,
  KeySource,
  LoadKeySetOptions,
} from './key-source.js';
