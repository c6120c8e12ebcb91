import { Inject, Logger, Module, RequestMethod, type MiddlewareConsumer, type NestModule, type Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { FRANCECONNECT_OPTIONS } from './franceconnect.constants.js';
import { FranceConnectConfigurableModule, FRANCECONNECT_RAW_OPTIONS } from './franceconnect.module-definition.js';
import { FranceConnectExceptionFilter } from './errors/franceconnect-exception.filter.js';
import { FranceConnectConfigurationError } from './errors/franceconnect.errors.js';
import { AuthenticatedGuard } from './guards/authenticated.guard.js';
import { FcGuard } from './guards/fc.guard.js';
import { FcPlusGuard } from './guards/fc-plus.guard.js';
import { JwksMiddleware } from './keys/jwks.middleware.js';
import { KeyService } from './keys/key.service.js';
import { KeyConfigurationError } from './keys/keys.errors.js';
import type { FranceConnectModuleOptions } from './options/franceconnect-options.interface.js';
import { resolveFranceConnectOptions, serviceKeyNeeds, type ResolvedFranceConnectOptions } from './options/resolve-options.js';
import { SignInService } from './oidc/sign-in.service.js';
import { IdentityLinkService } from './identity/identity-link.service.js';
import { MemoryTransactionStore } from './transactions/memory-transaction.store.js';
import { FRANCECONNECT_TRANSACTION_STORE, type TransactionStore } from './transactions/transaction-store.interface.js';
import { LogoutService } from './oidc/logout.service.js';
import { PlatformRegistry } from './oidc/platform-registry.js';
import { PlatformHealth } from './oidc/platform-health.js';
import { EidasGuard } from './guards/eidas.guard.js';
import { registerFranceConnectStrategies } from './passport/franceconnect-passport.strategy.js';
import { FranceConnectRequestMiddleware } from './passport/franceconnect-request.middleware.js';
import { LogoutGuard } from './guards/logout.guard.js';
import { FranceConnectStartupChecks } from './startup-checks.js';

const optionsProvider: Provider = {
  provide: FRANCECONNECT_OPTIONS,
  inject: [FRANCECONNECT_RAW_OPTIONS],
  useFactory: (raw: FranceConnectModuleOptions) => resolveFranceConnectOptions(raw),
};

const transactionStoreProvider: Provider = {
  provide: FRANCECONNECT_TRANSACTION_STORE,
  inject: [FRANCECONNECT_OPTIONS],
  useFactory: (options: ResolvedFranceConnectOptions): TransactionStore => options.transactionStore ?? new MemoryTransactionStore(),
};

const identityLinkProvider: Provider = {
  provide: IdentityLinkService,
  inject: [FRANCECONNECT_OPTIONS],
  useFactory: async (options: ResolvedFranceConnectOptions): Promise<IdentityLinkService | null> => {
    const linking = options.identityLinking;
    if (!linking) return null;
    // typeorm is loaded only by the applications that keep their accounts with it.
    const store = 'store' in linking ? linking.store : new (await import('./identity/typeorm-identity.store.js')).TypeOrmIdentityStore(linking.dataSource);
    const logger = new Logger('FranceConnect');
    // Every decision is logged without personal data: no sub, no claim, no account id.
    return new IdentityLinkService(store, linking, (event) =>
      logger.log(`identity link ${event.type} platform=${event.platform ?? '-'}${event.reason ? ` reason=${event.reason}` : ''}`),
    );
  },
};

const keyServiceProvider: Provider = {
  provide: KeyService,
  inject: [FRANCECONNECT_OPTIONS],
  useFactory: async (options: ResolvedFranceConnectOptions): Promise<KeyService> => {
    try {
      return await KeyService.load(serviceKeyNeeds(options));
    } catch (error) {
      // At start-up a key problem is one more configuration problem, reported like the others.
      if (error instanceof KeyConfigurationError) {
        // The cause is kept: a custom key source's own failure is in it.
        throw new FranceConnectConfigurationError(error.problems.map((problem) => `keys: ${problem}`), { cause: error });
      }
      throw error;
    }
  },
};

/**
 * FranceConnect and FranceConnect+ sign-in for a NestJS application: validates the options once, loads
 * the service's keys, publishes the public JWKS, and provides the guards (`FcPlusGuard`, `FcGuard`,
 * `AuthenticatedGuard`) and the exception filter that turns every failure into a clear page or JSON body.
 * Requires express-session (or a compatible session middleware) in the application.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     FranceConnectPlusModule.forRoot({
 *       franceConnectPlus: {
 *         issuer: FRANCECONNECT_PLUS_ISSUERS.integration,
 *         clientId: process.env.FCP_CLIENT_ID!,
 *         clientSecret: process.env.FCP_CLIENT_SECRET!,
 *         redirectUri: 'https://service.example.fr/auth/fcp/callback',
 *       },
 *       keys: { file: '/run/secrets/sp-keys.json' },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({
  providers: [
    optionsProvider,
    transactionStoreProvider,
    identityLinkProvider,
    keyServiceProvider,
    PlatformRegistry,
    PlatformHealth,
    SignInService,
    LogoutService,
    FcPlusGuard,
    FcGuard,
    AuthenticatedGuard,
    EidasGuard,
    LogoutGuard,
    JwksMiddleware,
    FranceConnectRequestMiddleware,
    FranceConnectStartupChecks,
    { provide: APP_FILTER, useClass: FranceConnectExceptionFilter },
  ],
  exports: [FRANCECONNECT_OPTIONS, FRANCECONNECT_TRANSACTION_STORE, IdentityLinkService, KeyService, PlatformRegistry, PlatformHealth, SignInService, LogoutService, FcPlusGuard, FcGuard, AuthenticatedGuard, EidasGuard, LogoutGuard],
})
export class FranceConnectPlusModule extends FranceConnectConfigurableModule implements NestModule {
  constructor(@Inject(FRANCECONNECT_OPTIONS) private readonly options: ResolvedFranceConnectOptions) {
    super();
  }

  configure(consumer: MiddlewareConsumer): void {
    registerFranceConnectStrategies();
    consumer.apply(FranceConnectRequestMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
    consumer.apply(JwksMiddleware).forRoutes({ path: this.options.jwksPath, method: RequestMethod.GET });
  }
}
