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
import { HomeController } from './home.controller.js';
import { ProtectedController } from './protected.controller.js';

/** The library's options, as a service would write them, from the sample app's configuration. */
export function franceConnectOptions(
  config: DemoConfig,
  infrastructure: DemoInfrastructure,
  dataSource: DataSource,
): FranceConnectModuleOptions {
  return {
    franceConnectPlus: {
      issuer: config.fcp.issuer,
      clientId: config.fcp.clientId,
      clientSecret: config.fcp.clientSecret,
      redirectUri: `${config.appUrl}/auth/fcp/callback`,
      postLogoutRedirectUri: `${config.appUrl}/auth/logout/callback`,
      encryptionAlg: config.fcp.encryptionAlg,
      acrValues: config.fcp.acrValues,
    },
    franceConnect: {
      issuer: config.fc.issuer,
      clientId: config.fc.clientId,
      clientSecret: config.fc.clientSecret,
      redirectUri: `${config.appUrl}/auth/fc/callback`,
      postLogoutRedirectUri: `${config.appUrl}/auth/logout/callback`,
      signingAlg: config.fc.signingAlg,
    },
    // Without SP_KEYS_FILE, a development key set is generated once into .data/ (refused in production).
    keys: config.keysFile ? { file: config.keysFile } : undefined,
    allowInsecureHttp: config.allowInsecureHttp,
    production: config.production,
    // On Redis when REDIS_URL is set, so a sign-in started on one instance can finish on another.
    transactionStore: infrastructure.transactionStore,
    // One account per person across the two platforms, on the application's database.
    identityLinking: {
      dataSource,
      pivotHashSecret: config.identityHashSecret,
      commonIdentifier: config.commonIdentifier,
      matchOnPivotIdentity: config.matchOnPivotIdentity,
    },
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
