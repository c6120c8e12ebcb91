// Public API of the library: every export is named here, and nothing else is public.
export { FranceConnectPlusModule } from './franceconnect.module.js';
export type { FranceConnectModuleExtras } from './franceconnect.module-definition.js';
export { FRANCECONNECT_OPTIONS, REQUIRE_EIDAS_METADATA } from './franceconnect.constants.js';
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
export { DEFAULT_SCOPES, resolveFranceConnectOptions } from './options/resolve-options.js';
export type { ResolvedFranceConnectOptions, ResolvedPlatform } from './options/resolve-options.js';

export { EIDAS_LEVELS, PLATFORM_LEVELS, assertAcrSatisfies, eidasRank, isEidasLevel, satisfiesEidas } from './acr/eidas.js';
export type { EidasLevel } from './acr/eidas.js';

export { FcPlusGuard } from './guards/fc-plus.guard.js';
export { FRANCECONNECT_STRATEGY_NAMES, type FranceConnectGuardOptions } from './passport/franceconnect-passport.strategy.js';
export { FcGuard } from './guards/fc.guard.js';
export { AuthenticatedGuard } from './guards/authenticated.guard.js';
export { EidasGuard, highestLevel } from './guards/eidas.guard.js';
export { LogoutGuard } from './guards/logout.guard.js';
export { FcUser } from './decorators/fc-user.decorator.js';
export { RequireEidas } from './decorators/require-eidas.decorator.js';
export { SignInRoute } from './decorators/sign-in-route.decorator.js';
export { LogoutService } from './oidc/logout.service.js';
export { PlatformRegistry } from './oidc/platform-registry.js';
export { SignInService } from './oidc/sign-in.service.js';
export type { SignInOutcome, StartSignInOptions } from './oidc/sign-in.service.js';
export type { FranceConnectPrompt } from './oidc/franceconnect.strategy.js';
export { FranceConnectStrategy } from './oidc/franceconnect.strategy.js';
export type { FranceConnectAuthenticateOptions } from './oidc/franceconnect.strategy.js';
export { currentIdentity, sessionIdentities } from './session/session-state.js';
export { franceConnectSession } from './session/franceconnect-session.js';
export type { FranceConnectSessionOptions } from './session/franceconnect-session.js';
export type { FcIdentity, FranceConnectRequest, FranceConnectSessionState, LogoutTransaction, SessionAccount } from './session/session-state.js';
export { FRANCECONNECT_TRANSACTION_STORE } from './transactions/transaction-store.interface.js';
export type { SignInTransaction, TransactionStore } from './transactions/transaction-store.interface.js';
export { MemoryTransactionStore } from './transactions/memory-transaction.store.js';
export { RedisTransactionStore } from './transactions/redis-transaction.store.js';
export type { RedisTransactionClient, RedisTransactionStoreOptions } from './transactions/redis-transaction.store.js';
export type { TransactionLimits } from './transactions/transaction-limits.js';
export type { SignInRateLimitOptions } from './transactions/sign-in-rate-limit.js';
export { RedisThrottlerStorage } from './transactions/redis-throttler-storage.js';
export type { RedisThrottlerClient } from './transactions/redis-throttler-storage.js';

export { KeyService } from './keys/key.service.js';
export { ENCRYPTION_ALGS, KeySet, loadKeySet, generateEncryptionKey, generateSigningKey } from './keys/index.js';
export { DEFAULT_RETIRED_KEY_GRACE_SECONDS, KEY_RETIRED_AT_MEMBER, KEY_STATE_MEMBER, KEY_STATES } from './keys/index.js';
export { addKey, pruneRetiredKeys, retireKey, rotateKeys } from './keys/index.js';
export type { EncryptionAlg, KeyDescription, KeySetOptions, KeySource, KeyState, PublicJwks, SigningKey } from './keys/index.js';
export type { KeyReloadResult } from './keys/key.service.js';

export { FranceConnectExceptionFilter } from './errors/franceconnect-exception.filter.js';
export type { ErrorPageContent, ErrorPageTemplate } from './errors/error-page.js';
export { SignInRedirect, isSignInRedirect } from './errors/sign-in-redirect.js';
export {
  AcrError,
  AcrTooLowError,
  CallbackError,
  CrossSiteRequestError,
  EidasLevelTooLowError,
  LogoutStateError,
  EncryptionRequiredError,
  FranceConnectConfigurationError,
  FranceConnectError,
  IdTokenError,
  IdentityStoreUnavailableError,
  InternalSignInError,
  IssuerMismatchError,
  NotAuthenticatedError,
  ProviderUnavailableError,
  SessionStoreUnavailableError,
  StateMismatchError,
  TokenRequestError,
  ClientAuthenticationError,
  ClientMetadataError,
  TransactionExpiredError,
  TooManySignInsError,
  SessionMissingError,
  SessionCookieNotSentError,
  PlatformAnswerTooLargeError,
  UserInfoError,
} from './errors/franceconnect.errors.js';
export type { FranceConnectErrorOptions, PlatformId } from './errors/franceconnect.errors.js';
export { KeyConfigurationError, KeyRotationError } from './keys/index.js';

// Identity linking: one account per person across FranceConnect and FranceConnect+.
export * from './identity/index.js';
