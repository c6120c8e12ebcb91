export {
  ENCRYPTION_ALGS,
  SIGNING_ALGS,
  isEncryptionAlg,
  isSigningAlg,
} from './keys.constants.js';
export type { EncryptionAlg, SigningAlg } from './keys.constants.js';
export { KeyConfigurationError, KeyRotationError } from './keys.errors.js';
export {
  DEFAULT_RETIRED_KEY_GRACE_SECONDS,
  KEY_RETIRED_AT_MEMBER,
  KEY_STATES,
  KEY_STATE_MEMBER,
  isKeyState,
} from './key-states.js';
export type { KeyState } from './key-states.js';
export { addKey, orderKeysByState, pruneRetiredKeys, retireKey, rotateKeys } from './key-rotation.js';
export type {
  KeySetChange,
  KeyStateChange,
  PrivateJwksDocument,
  PruneRetiredKeysOptions,
  RetireKeyOptions,
  RotateKeysOptions,
} from './key-rotation.js';
export { generateEncryptionKey, generateSigningKey } from './key-generation.js';
export type { GenerateKeyOptions } from './key-generation.js';
export { KeySet } from './key-set.js';
export type {
  JweDecryptionKey,
  KeyDescription,
  KeySetOptions,
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
