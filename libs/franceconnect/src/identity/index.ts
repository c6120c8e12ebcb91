export {
  IDENTITY_LINK_EVENTS,
  IDENTITY_LINK_OPTIONS,
  IDENTITY_PLATFORMS,
  IDENTITY_STORE,
  type IdentityPlatform,
  PIVOT_HASH_SECRET_MIN_LENGTH,
} from './identity.constants.js';
export { IdentityConfigurationError, IdentityError, InvalidSignInError } from './identity.errors.js';
export {
  type IdentityLinkOptions,
  IdentityLinkOptionDefaults,
  type ResolvedIdentityLinkOptions,
  resolveIdentityLinkOptions,
} from './identity-link.options.js';
export type {
  AmbiguousReason,
  AmbiguousSignIn,
  IdentityLinkEvent,
  IdentityLinkEventReason,
  IdentitySignIn,
  IdentitySignInContext,
  LinkReason,
  LinkResult,
  SessionIdentity,
  UnlinkResult,
} from './identity-link.types.js';
export { IdentityLinkService } from './identity-link.service.js';
export type {
  AccountCreationOptions,
  AccountInsertOutcome,
  IdentityLinkRecord,
  IdentityLinkTouch,
  IdentityStore,
  LinkInsertOutcome,
  NewIdentityLink,
} from './identity-store.interface.js';
export {
  BIRTHCOUNTRY_FRANCE,
  normalisePivotIdentity,
  normalisePivotName,
  PIVOT_IDENTITY_FORMAT,
  pivotHash,
} from './pivot-identity.js';
export { IdentityAccount } from './identity-account.entity.js';
export { IdentityLink } from './identity-link.entity.js';
export { IDENTITY_DATABASE_TYPES, type IdentityDatabaseType } from './identity-columns.js';
export { CreateIdentityTables1795564800000 } from './migrations/1795564800000-CreateIdentityTables.js';
export { AddAccountCommonSub1796169600000 } from './migrations/1796169600000-AddAccountCommonSub.js';
export { IDENTITY_ENTITIES, IDENTITY_MIGRATIONS } from './identity.schema.js';
export { isUniqueViolation, TypeOrmIdentityStore } from './typeorm-identity.store.js';
