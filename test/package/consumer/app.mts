/**
 * A service written against the published package only: `nest-franceconnect`, `nest-franceconnect/keys`,
 * `nest-franceconnect/typeorm` and `nest-franceconnect/testing`, never a path inside them. pack.e2e.ts copies this file into a temporary
 * application where the package is installed from the packed tarball, compiles it with strict settings and
 * decorator metadata, then runs it: the emulator shipped in the package, the module, the guards and the
 * session middleware sign a person in over real HTTP. (It is `.mts` so that the workspace's own type-check,
 * where the package name does not resolve, leaves it out.)
 *
 * Prints one JSON line with what it saw, for the test to check.
 */
import 'reflect-metadata';
import { createServer } from 'node:net';
import { Controller, Get, Header, Injectable, Module, Post, Req, UseGuards, type DynamicModule } from '@nestjs/common';
import type { Request } from 'express';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  AuthenticatedGuard,
  EidasLevelTooLowError,
  FRANCECONNECT_PLUS_ISSUERS,
  FcGuard,
  FcPlusGuard,
  FcUser,
  FranceConnectConfigurationError,
  FranceConnectError,
  FranceConnectPlusModule,
  KeyService,
  LogoutGuard,
  MemoryTransactionStore,
  RedisTransactionStore,
  RequireEidas,
  franceConnectSession,
  ERROR_ANSWERS,
  type FcIdentity,
  type FranceConnectModuleOptions,
  type RedisTransactionClient,
  type TransactionStore,
} from 'nest-franceconnect';
import { generateEncryptionKey } from 'nest-franceconnect/keys';
import { IDENTITY_ENTITIES } from 'nest-franceconnect/typeorm';
import {
  TEST_IDENTITIES,
  signInThroughApp,
  startFcEmulator,
  type EmulatorClientConfig,
  type RunningFcEmulator,
} from 'nest-franceconnect/testing';

@Controller('auth')
class AuthController {
  @Get('fcp/login') @UseGuards(FcPlusGuard) fcpLogin(): void {}
  @Get('fcp/callback') @UseGuards(FcPlusGuard) fcpCallback(): void {}
  @Get('fc/login') @UseGuards(FcGuard) fcLogin(): void {}
  @Get('fc/callback') @UseGuards(FcGuard) fcCallback(): void {}
  @Post('logout') @UseGuards(LogoutGuard) logout(): void {}
  @Get('logout/callback') @UseGuards(LogoutGuard) logoutCallback(): void {}
  // The session state is typed for an application that only imports the package.
  @Get('current') current(@Req() req: Request): string | null {
    return req.session.franceconnect?.current ?? null;
  }
}

/** Injects a library provider by its class: fails at start-up if the package's metadata were lost. */
@Injectable()
class JwksReport {
  constructor(private readonly keys: KeyService) {}

  kids(): string[] {
    return this.keys.publicJwks().keys.map((key) => String(key.kid));
  }
}

@Controller()
class AccountController {
  constructor(private readonly report: JwksReport) {}

  @Get('me')
  @UseGuards(AuthenticatedGuard)
  me(@FcUser() user: FcIdentity): Record<string, unknown> {
    return { platform: user.platform, acr: user.acr, familyName: user.claims['family_name'], kids: this.report.kids() };
  }

  @Get('tax-return')
  @RequireEidas('eidas3')
  @Header('Cache-Control', 'no-store')
  taxReturn(@FcUser() user: FcIdentity): Record<string, unknown> {
    return { acr: user.acr };
  }
}

@Module({})
class AppModule {
  /** The README's `forRoot`, as the application runs it here. */
  static withOptions(options: FranceConnectModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [FranceConnectPlusModule.forRoot(options)],
      controllers: [AuthController, AccountController],
      providers: [JwksReport],
    };
  }

  /** The README's `forRootAsync`, compiled only: a factory that injects the application's own providers. */
  static withFactory(store: TransactionStore): DynamicModule {
    return {
      module: AppModule,
      imports: [
        FranceConnectPlusModule.forRootAsync({
          useFactory: (): FranceConnectModuleOptions => ({
            franceConnectPlus: {
              issuer: FRANCECONNECT_PLUS_ISSUERS.integration,
              clientId: 'client-id',
              clientSecret: 'client-secret-of-at-least-32-characters',
              redirectUri: 'https://service.example.fr/auth/fcp/callback',
              encryptionAlg: 'RSA-OAEP-256',
            },
            keys: { env: 'SP_PRIVATE_JWKS' },
            transactionStore: store,
          }),
        }),
      ],
    };
  }
}

/** What a `redis` v4+ client offers, enough for `RedisTransactionStore` to compile against. */
const redisLike: RedisTransactionClient = {
  eval: async () => null,
};
const stores: TransactionStore[] = [new RedisTransactionStore(redisLike, { prefix: 'app:tx:', maxPending: 1000 }), new MemoryTransactionStore({ maxPerBrowser: 5 })];
void AppModule.withFactory(stores[0]!);
void IDENTITY_ENTITIES;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  const client: EmulatorClientConfig = {
    platform: 'fcp',
    client_id: 'packaged-service',
    client_secret: 'packaged-service-secret-of-at-least-32-characters',
    redirect_uris: [`${appUrl}/auth/fcp/callback`],
    post_logout_redirect_uris: [`${appUrl}/auth/logout/callback`],
    jwks_uri: `${appUrl}/.well-known/jwks.json`,
    id_token_encrypted_response_alg: 'RSA-OAEP-256',
    userinfo_encrypted_response_alg: 'RSA-OAEP-256',
  };
  let emulator: RunningFcEmulator | undefined;
  let app: NestExpressApplication | undefined;
  try {
    emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, clients: [client], log: false });
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.withOptions({
        franceConnectPlus: {
          issuer: emulator.fcp.issuer,
          clientId: client.client_id,
          clientSecret: client.client_secret,
          redirectUri: `${appUrl}/auth/fcp/callback`,
          postLogoutRedirectUri: `${appUrl}/auth/logout/callback`,
          encryptionAlg: 'RSA-OAEP-256',
        },
        keys: { jwks: { keys: [await generateEncryptionKey('RSA-OAEP-256')] } },
        allowInsecureHttp: true,
        production: false,
      }),
      { logger: false },
    );
    app.use(franceConnectSession({ secrets: ['a-session-secret-of-at-least-32-characters'] }));
    await app.listen(port);

    const person = TEST_IDENTITIES.find((identity) => identity.id === 'angela-dubois')!;
    const signIn = await signInThroughApp(emulator, 'fcp', { identity: person.id, acr: 'eidas2' }, {
      appUrl,
      loginPath: '/auth/fcp/login',
    });
    const json = { headers: { accept: 'application/json' } };
    const me = await signIn.agent.request(`${appUrl}/me`, json);
    const taxReturn = await signIn.agent.request(`${appUrl}/tax-return`, json);
    const anonymous = await fetch(`${appUrl}/me`, json);
    console.log(
      JSON.stringify({
        signIn: signIn.response.status,
        person: { id: person.id, familyName: person.family_name },
        me: { status: me.status, body: JSON.parse(me.body) },
        taxReturn: { status: taxReturn.status, body: JSON.parse(taxReturn.body) },
        anonymous: { status: anonymous.status, body: await anonymous.json() },
        errors: {
          levelTooLow: new EidasLevelTooLowError('too low').code,
          configuration: new FranceConnectConfigurationError(['x']) instanceof FranceConnectError,
          answered: ERROR_ANSWERS[new EidasLevelTooLowError('too low').code].status,
        },
      }),
    );
  } finally {
    await app?.close();
    await emulator?.stop();
  }
}

await main();
