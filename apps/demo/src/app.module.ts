import { Module, type DynamicModule } from '@nestjs/common';
import { FranceConnectPlusModule, type FranceConnectModuleOptions, type PlatformOptions } from '../../../libs/franceconnect/src/index.js';
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
import { renderErrorPage } from './views.js';

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
      ...clientAuthentication(config.fcp),
      redirectUri: `${config.appUrl}/auth/fcp/callback`,
      postLogoutRedirectUri: `${config.appUrl}/auth/logout/callback`,
      encryptionAlg: config.fcp.encryptionAlg,
      acrValues: config.fcp.acrValues,
      requestAmr: config.requestAmr,
      pkce: config.pkce,
    },
    franceConnect: {
      issuer: config.fc.issuer,
      clientId: config.fc.clientId,
      ...clientAuthentication(config.fc),
      redirectUri: `${config.appUrl}/auth/fc/callback`,
      postLogoutRedirectUri: `${config.appUrl}/auth/logout/callback`,
      signingAlg: config.fc.signingAlg,
      requestAmr: config.requestAmr,
      pkce: config.pkce,
    },
    // Without SP_KEYS_FILE, a development key set is generated once into .data/ (refused in production).
    keys: config.keysFile ? { file: config.keysFile } : undefined,
    allowInsecureHttp: config.allowInsecureHttp,
    production: config.production,
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

/**
 * The token endpoint authentication as registered: the client secret, or (`private_key_jwt`) client
 * assertions signed with the key file's current ES256 signing key, and then no secret at all.
 */
function clientAuthentication(platform: DemoConfig['fc'] | DemoConfig['fcp']): Pick<PlatformOptions, 'clientSecret' | 'tokenEndpointAuthMethod'> {
  return platform.tokenEndpointAuthMethod === 'private_key_jwt'
    ? { tokenEndpointAuthMethod: 'private_key_jwt' }
    : { clientSecret: platform.clientSecret };
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
