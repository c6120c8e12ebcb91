/**
 * `nest-franceconnect`: what an application imports to sign people in with FranceConnect and
 * FranceConnect+. The rest has entries of its own: `nest-franceconnect/keys` (key sets and rotation),
 * `nest-franceconnect/identity` (custom identity stores, pivot identity), `nest-franceconnect/typeorm`
 * (the identity tables on TypeORM), `nest-franceconnect/testing` (a service's own tests) and
 * `nest-franceconnect/emulator` (the emulator of both platforms). A test in `test/package` imports each.
 */

// The module and its options.
export { FranceConnectPlusModule } from './franceconnect.module.js';
export type { FranceConnectModuleExtras } from './franceconnect.module-definition.js';
export type {
  FranceConnectModuleOptions,
  IdentityLinkingOptions,
  KeysOptions,
  PlatformOptions,
  PlusPlatformOptions,
  SigningAlg,
  TokenEndpointAuthMethod,
} from './options/franceconnect-options.interface.js';
export { FRANCECONNECT_ISSUERS, FRANCECONNECT_PLUS_ISSUERS } from './options/issuer-presets.js';
export { EIDAS_LEVELS, PLATFORM_IDS, PLATFORM_LABELS, type EidasLevel, type EncryptionAlg, type PlatformId } from './platforms.js';
export { satisfiesEidas } from './acr/eidas.js';

// Routes: guards and decorators.
export { FcPlusGuard } from './guards/fc-plus.guard.js';
export { FcGuard } from './guards/fc.guard.js';
export type { FranceConnectGuardOptions } from './passport/franceconnect-passport.strategy.js';
export { AuthenticatedGuard } from './guards/authenticated.guard.js';
export { EidasGuard, highestLevel } from './guards/eidas.guard.js';
export { LogoutGuard } from './guards/logout.guard.js';
export { FcUser } from './decorators/fc-user.decorator.js';
export { RequireEidas } from './decorators/require-eidas.decorator.js';
export { SignInRoute } from './decorators/sign-in-route.decorator.js';

// The session: who is signed in.
export { franceConnectSession } from './session/franceconnect-session.js';
export type { FranceConnectSessionOptions } from './session/franceconnect-session.js';
export { currentIdentity, sessionIdentities } from './session/session-state.js';
export type { FcIdentity, FranceConnectRequest, FranceConnectSessionState, SessionAccount } from './session/session-state.js';

// Services an application calls.
export { KeyService } from './keys/key.service.js';
export type { KeyReloadResult } from './keys/key.service.js';
export type { KeyDescription, PublicJwks } from './keys/key-set.js';
export { PlatformHealth } from './oidc/platform-health.js';
export { IdentityLinkService } from './identity/identity-link.service.js';
export type { LinkResult, SessionIdentity, UnlinkResult } from './identity/identity-link.types.js';
export type { IdentityLinkRecord } from './identity/identity-store.interface.js';

// Several instances: sign-in transactions and the sign-in rate limit on Redis, or a store of one's own.
export { MemoryTransactionStore } from './transactions/memory-transaction.store.js';
export { RedisTransactionStore } from './transactions/redis-transaction.store.js';
export type { RedisTransactionClient, RedisTransactionStoreOptions } from './transactions/redis-transaction.store.js';
export type { SignInTransaction, TransactionStore } from './transactions/transaction-store.interface.js';
export type { TransactionLimits } from './transactions/transaction-limits.js';
export { RedisThrottlerStorage } from './transactions/redis-throttler-storage.js';
export type { RedisThrottlerClient } from './transactions/redis-throttler-storage.js';
export type { SignInRateLimitOptions } from './transactions/sign-in-rate-limit.js';

// Errors: one root, a stable code per class, and how each is answered.
export {
  AcrError,
  AcrTooLowError,
  CallbackError,
  ClientAuthenticationError,
  ClientMetadataError,
  ConfigurationError,
  CrossSiteRequestError,
  EidasLevelTooLowError,
  EncryptionRequiredError,
  ERROR_ANSWERS,
  FranceConnectConfigurationError,
  FranceConnectError,
  IdentityStoreUnavailableError,
  IdTokenError,
  InternalSignInError,
  IssuerMismatchError,
  LogoutStateError,
  NotAuthenticatedError,
  PlatformAnswerTooLargeError,
  ProviderUnavailableError,
  SessionCookieNotSentError,
  SessionMissingError,
  SessionStoreUnavailableError,
  StateMismatchError,
  TokenRequestError,
  TooManySignInsError,
  TransactionExpiredError,
  UserInfoError,
} from './errors/franceconnect.errors.js';
export type { ErrorAnswer, FranceConnectErrorCode, FranceConnectErrorOptions } from './errors/franceconnect.errors.js';
export { FranceConnectExceptionFilter } from './errors/franceconnect-exception.filter.js';
export type { ErrorPageContent, ErrorPageTemplate } from './errors/error-page.js';
