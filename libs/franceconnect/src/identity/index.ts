/**
 * `nest-franceconnect/identity`: what a custom identity store and identity-linking code need (the store
 * interface, the records, events and options, the pivot-identity normalisation). `IdentityLinkService`
 * itself is in the root entry; the TypeORM tables are in `nest-franceconnect/typeorm`.
 */
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
