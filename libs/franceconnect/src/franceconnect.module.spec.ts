import 'reflect-metadata';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { FRANCECONNECT_OPTIONS } from './franceconnect.constants.js';
import { FranceConnectPlusModule } from './franceconnect.module.js';
import { FranceConnectConfigurationError } from './errors/franceconnect.errors.js';
import { FcPlusGuard } from './guards/fc-plus.guard.js';
import { KeyService } from './keys/key.service.js';
import { generateEncryptionKey, generateSigningKey } from './keys/index.js';
import type { ResolvedFranceConnectOptions } from './options/resolve-options.js';
import { SignInService } from './oidc/sign-in.service.js';

const plus = {
  issuer: 'https://auth.integ01.dev-franceconnect.fr/api/v2',
  clientId: 'client',
  clientSecret: 'secret',
  redirectUri: 'https://service.example.fr/auth/fcp/callback',
};

async function privateJwks() {
  return { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] };
}

@Injectable()
class Settings {
  readonly clientId = 'from-config';
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

describe('FranceConnectPlusModule', () => {
  it('forRoot validates the options and provides the guards and services', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [FranceConnectPlusModule.forRoot({ franceConnectPlus: plus, keys: { jwks: await privateJwks() } })],
    }).compile();
    const options = moduleRef.get<ResolvedFranceConnectOptions>(FRANCECONNECT_OPTIONS);
    expect(options.platforms.fcp?.clientId).toBe('client');
    expect(moduleRef.get(FcPlusGuard)).toBeInstanceOf(FcPlusGuard);
    expect(moduleRef.get(SignInService).platforms).toEqual(['fcp']);
    expect(moduleRef.get(KeyService).publicJwks().keys.map((key) => key.kid)).toEqual(['enc-1']);
    await moduleRef.close();
  });

  it('forRootAsync takes its options from an injected provider', async () => {
    const jwks = await privateJwks();
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (settings: Settings) => ({ franceConnectPlus: { ...plus, clientId: settings.clientId }, keys: { jwks } }),
        }),
      ],
    }).compile();
    expect(moduleRef.get<ResolvedFranceConnectOptions>(FRANCECONNECT_OPTIONS).platforms.fcp?.clientId).toBe('from-config');
    await moduleRef.close();
  });

  it('fails at start-up with one error listing every problem', async () => {
    const compiling = Test.createTestingModule({
      imports: [FranceConnectPlusModule.forRoot({ franceConnectPlus: { ...plus, clientId: '', redirectUri: 'ftp://x' } })],
    }).compile();
    await expect(compiling).rejects.toBeInstanceOf(FranceConnectConfigurationError);
    await expect(compiling).rejects.toThrow(/clientId is missing[\s\S]*redirectUri "ftp:\/\/x" must be an https URL/);
  });

  it('fails at start-up when no key matches the registered encryption algorithm', async () => {
    const compiling = Test.createTestingModule({
      imports: [FranceConnectPlusModule.forRoot({ franceConnectPlus: { ...plus, encryptionAlg: 'ECDH-ES' }, keys: { jwks: await privateJwks() } })],
    }).compile();
    await expect(compiling).rejects.toThrow(/no encryption key for "ECDH-ES"/);
  });

  it('fails at start-up when private_key_jwt has no current signing key of its alg', async () => {
    const { clientSecret: _secret, ...withoutSecret } = plus;
    const nextOnly = { ...(await generateSigningKey('ES256', { kid: 'sig-next' })), 'fc:state': 'next' };
    const compiling = Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnectPlus: { ...withoutSecret, tokenEndpointAuthMethod: 'private_key_jwt' },
          keys: { jwks: { keys: [...(await privateJwks()).keys, nextOnly] } },
        }),
      ],
    }).compile();
    await expect(compiling).rejects.toBeInstanceOf(FranceConnectConfigurationError);
    await expect(compiling).rejects.toThrow(
      /keys: no current signing key for "ES256", which franceConnectPlus\.tokenEndpointAuthMethod "private_key_jwt" signs its client assertions with: add one \(`franceconnect keys generate --use sig --alg ES256`/,
    );
  });

  it('starts with private_key_jwt and a current signing key, which it publishes', async () => {
    const { clientSecret: _secret, ...withoutSecret } = plus;
    const jwks = { keys: [...(await privateJwks()).keys, await generateSigningKey('RS256', { kid: 'sig-1' })] };
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnectPlus: { ...withoutSecret, tokenEndpointAuthMethod: 'private_key_jwt', tokenEndpointSigningAlg: 'RS256' },
          keys: { jwks },
        }),
      ],
    }).compile();
    const keys = moduleRef.get(KeyService);
    expect(keys.signingKey('RS256')?.kid).toBe('sig-1');
    expect(keys.publicJwks().keys.map((key) => `${key.kid} ${key.use}`)).toEqual(['enc-1 enc', 'sig-1 sig']);
    await moduleRef.close();
  });

  it('generates a development key set with the signing key private_key_jwt needs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fc-module-dev-keys-'));
    try {
      const file = join(dir, 'sp-keys.json');
      const { clientSecret: _secret, ...withoutSecret } = plus;
      const moduleRef = await Test.createTestingModule({
        imports: [
          FranceConnectPlusModule.forRoot({
            franceConnectPlus: { ...withoutSecret, tokenEndpointAuthMethod: 'private_key_jwt' },
            keys: { generate: { file } },
            production: false,
          }),
        ],
      }).compile();
      const generated = JSON.parse(await readFile(file, 'utf8')) as { keys: { use: string; alg: string }[] };
      expect(generated.keys.map((key) => `${key.use} ${key.alg}`)).toEqual(['enc RSA-OAEP-256', 'enc RSA-OAEP', 'enc ECDH-ES', 'sig ES256']);
      expect(moduleRef.get(KeyService).signingKey('ES256')).toBeDefined();
      await moduleRef.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('FranceConnectPlusModule with one platform', () => {
  it('registers FranceConnect alone when FranceConnect+ is left out, with no keys needed', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnect: { ...plus, issuer: 'https://fcp-low.integ01.dev-franceconnect.fr/api/v2', redirectUri: 'https://service.example.fr/auth/fc/callback' },
        }),
      ],
    }).compile();
    expect(moduleRef.get(SignInService).platforms).toEqual(['fc']);
    expect(moduleRef.get(KeyService).publicJwks()).toEqual({ keys: [] });
    await moduleRef.close();
  });
});
