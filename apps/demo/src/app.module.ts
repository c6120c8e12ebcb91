import { Module, type DynamicModule } from '@nestjs/common';
import { FranceConnectPlusModule, type FranceConnectModuleOptions } from '../../../libs/franceconnect/src/index.js';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseOptions } from './database.js';
import { AuthController } from './auth.controller.js';
import { HealthController } from './health.controller.js';
import { DEMO_INFRASTRUCTURE, type DemoInfrastructure } from './infrastructure.js';
import type { DemoConfig } from './demo.config.js';
import { franceConnectPlatformOptions } from './franceconnect.config.js';
import { HomeController } from './home.controller.js';
import { ProtectedController } from './protected.controller.js';
import { renderErrorPage } from './views.js';

/**
 * The library's options, as a service would write them, from the sample app's configuration: its
 * registrations and keys, with the stores, the database and the error pages of the running application.
 */
export function franceConnectOptions(
  config: DemoConfig,
  infrastructure: DemoInfrastructure,
  dataSource: DataSource,
): FranceConnectModuleOptions {
  return {
    ...franceConnectPlatformOptions(config),
    // On Redis when REDIS_URL is set, so a sign-in started on one instance can finish on another.
    transactionStore: infrastructure.transactionStore,
    // Counted on Redis too, so the limit holds across instances.
    signInRateLimit:
      config.signInRateLimit === false ? false : { ...(config.signInRateLimit && { limit: config.signInRateLimit }), storage: infrastructure.throttlerStorage },
    // One account per person across the two platforms, on the application's database.
    identityLinking: config.identityLinking
      ? {
          dataSource,
          pivotHashSecret: config.identityHashSecret,
          commonIdentifier: config.commonIdentifier,
          matchOnPivotIdentity: config.matchOnPivotIdentity,
        }
      : undefined,
    // The error pages in the site's own layout rather than the library's plain one.
    renderErrorPage,
  };
}

/** Root module of the sample app. */
@Module({})
export class AppModule {
  static forConfig(config: DemoConfig, infrastructure: DemoInfrastructure): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(databaseOptions(config)),
        FranceConnectPlusModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => franceConnectOptions(config, infrastructure, dataSource),
        }),
        TerminusModule,
      ],
      controllers: [HomeController, AuthController, ProtectedController, HealthController],
      providers: [{ provide: DEMO_INFRASTRUCTURE, useValue: infrastructure }],
    };
  }
}
