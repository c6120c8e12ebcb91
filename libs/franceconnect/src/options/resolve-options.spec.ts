import { describe, expect, it } from 'vitest';
import { FranceConnectConfigurationError } from '../errors/franceconnect.errors.js';
import type { FranceConnectModuleOptions } from './franceconnect-options.interface.js';
import { FRANCECONNECT_PLUS_ISSUERS } from './issuer-presets.js';
import { isSameOriginPath } from '../return-path.js';
import { resolveFranceConnectOptions } from './resolve-options.js';

const plus = {
  issuer: FRANCECONNECT_PLUS_ISSUERS.integration,
  clientId: 'client',
  clientSecret: 'secret',
  redirectUri: 'https://service.example.fr/auth/fcp/callback',
};

function problemsOf(options: FranceConnectModuleOptions, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    resolveFranceConnectOptions(options, env);
  } catch (error) {
    expect(error).toBeInstanceOf(FranceConnectConfigurationError);
    return (error as FranceConnectConfigurationError).problems;
  }
  throw new Error('expected a configuration error');
}

describe('resolveFranceConnectOptions', () => {
  it('completes a minimal FranceConnect+ registration with safe defaults and freezes it', () => {
    const resolved = resolveFranceConnectOptions({ franceConnectPlus: plus }, {});
    const fcp = resolved.platforms.fcp!;
    expect(fcp.acrValues).toBe('eidas2');
    expect(fcp.signingAlg).toBe('ES256');
    expect(fcp.encryptionAlg).toBe('RSA-OAEP-256');
    expect(fcp.scope.split(' ')).toContain('openid');
    expect(fcp.strategyName).toBe('franceconnect-plus');
    expect(resolved.allowInsecureHttp).toBe(false);
    expect(resolved.jwksPath).toBe('/.well-known/jwks.json');
    expect(resolved.keys).toEqual({ generate: { file: '.data/sp-keys.json' } });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(fcp)).toBe(true);
  });

  it('lists every problem at once, each saying what to do', () => {
    const problems = problemsOf({
      franceConnectPlus: { issuer: 'not a url', clientId: '', clientSecret: '', redirectUri: 'http://x/cb', acrValues: 'eidas1' },
      httpTimeoutMs: -1,
    });
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/issuer "not a url" is not an absolute URL/);
    expect(problems.join('\n')).toMatch(/clientId is missing/);
    expect(problems.join('\n')).toMatch(/clientSecret is missing/);
    expect(problems.join('\n')).toMatch(/redirectUri "http:\/\/x\/cb" uses http/);
    expect(problems.join('\n')).toMatch(/acrValues "eidas1" is not accepted by FranceConnect\+: use "eidas2" or "eidas3"/);
    expect(problems.join('\n')).toMatch(/httpTimeoutMs must be a positive number/);
  });

  it('refuses http issuers unless allowInsecureHttp is set, and allowInsecureHttp in production', () => {
    const local = { ...plus, issuer: 'http://localhost:4002/api/v2', redirectUri: 'http://localhost:3000/auth/fcp/callback' };
    expect(problemsOf({ franceConnectPlus: local })).toHaveLength(2);
    expect(resolveFranceConnectOptions({ franceConnectPlus: local, allowInsecureHttp: true }, {}).allowInsecureHttp).toBe(true);
    expect(problemsOf({ franceConnectPlus: local, allowInsecureHttp: true }, { NODE_ENV: 'production' }).join('\n')).toMatch(
      /allowInsecureHttp is set in production/,
    );
  });

  it('requires keys in production and refuses generated keys there', () => {
    expect(problemsOf({ franceConnectPlus: plus }, { NODE_ENV: 'production' }).join('\n')).toMatch(/keys is required in production/);
    expect(problemsOf({ franceConnectPlus: plus, keys: { generate: { file: 'k.json' } } }, { NODE_ENV: 'production' }).join('\n')).toMatch(
      /development only/,
    );
    expect(resolveFranceConnectOptions({ franceConnectPlus: plus, keys: { file: '/run/keys.json' } }, { NODE_ENV: 'production' }).production).toBe(true);
  });

  it('requires at least one platform, and distinct callbacks and issuers for the two', () => {
    expect(problemsOf({}).join('\n')).toMatch(/No platform configured/);
    const problems = problemsOf({ franceConnectPlus: plus, franceConnect: { ...plus, acrValues: 'eidas1' } });
    expect(problems.join('\n')).toMatch(/same URL: give each platform its own callback/);
    expect(problems.join('\n')).toMatch(/issuer are the same/);
  });

  it('pins FranceConnect+ to ES256 and its three encryption algorithms', () => {
    expect(problemsOf({ franceConnectPlus: { ...plus, signingAlg: 'RS256' } }).join('\n')).toMatch(/signingAlg "RS256" is not used by FranceConnect\+/);
    expect(problemsOf({ franceConnectPlus: { ...plus, encryptionAlg: 'A128KW' as never } }).join('\n')).toMatch(/encryptionAlg "A128KW"/);
  });

  it('authenticates with client_secret_post by default, the secret required', () => {
    const fcp = resolveFranceConnectOptions({ franceConnectPlus: plus }, {}).platforms.fcp!;
    expect(fcp).toMatchObject({ tokenEndpointAuthMethod: 'client_secret_post', clientSecret: 'secret' });
    expect(fcp.tokenEndpointSigningAlg).toBeUndefined();
    expect(problemsOf({ franceConnectPlus: { ...plus, clientSecret: undefined } }).join('\n')).toMatch(/clientSecret is missing/);
    expect(problemsOf({ franceConnectPlus: { ...plus, tokenEndpointSigningAlg: 'ES256' } }).join('\n')).toMatch(
      /tokenEndpointSigningAlg is set but nothing is signed with client_secret_post/,
    );
  });

  it('takes private_key_jwt without a secret, signing with ES256 by default, and never keeps a secret given anyway', () => {
    const { clientSecret: _secret, ...withoutSecret } = plus;
    const signed = resolveFranceConnectOptions({ franceConnectPlus: { ...withoutSecret, tokenEndpointAuthMethod: 'private_key_jwt' } }, {});
    expect(signed.platforms.fcp).toMatchObject({ tokenEndpointAuthMethod: 'private_key_jwt', tokenEndpointSigningAlg: 'ES256' });
    expect(signed.platforms.fcp?.clientSecret).toBeUndefined();

    const fc = {
      ...withoutSecret,
      issuer: 'https://fcp-low.integ01.dev-franceconnect.fr/api/v2',
      redirectUri: 'https://service.example.fr/auth/fc/callback',
      clientSecret: 'not sent',
      tokenEndpointAuthMethod: 'private_key_jwt' as const,
      tokenEndpointSigningAlg: 'RS256' as const,
    };
    const rs256 = resolveFranceConnectOptions({ franceConnect: fc }, {});
    expect(rs256.platforms.fc).toMatchObject({ tokenEndpointAuthMethod: 'private_key_jwt', tokenEndpointSigningAlg: 'RS256' });
    expect(rs256.platforms.fc?.clientSecret).toBeUndefined();
    // FranceConnect alone needs no keys, unless it signs client assertions.
    expect(rs256.keys).toEqual({ generate: { file: '.data/sp-keys.json' } });
    expect(problemsOf({ franceConnect: fc }, { NODE_ENV: 'production' }).join('\n')).toMatch(/keys is required in production for FranceConnect\+ and for private_key_jwt/);
  });

  it('refuses an unknown token endpoint authentication or assertion algorithm', () => {
    const problems = problemsOf({
      franceConnectPlus: { ...plus, tokenEndpointAuthMethod: 'client_secret_basic' as never },
      franceConnect: {
        ...plus,
        issuer: 'https://fcp-low.integ01.dev-franceconnect.fr/api/v2',
        redirectUri: 'https://service.example.fr/auth/fc/callback',
        tokenEndpointAuthMethod: 'private_key_jwt',
        tokenEndpointSigningAlg: 'HS256' as never,
      },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^franceConnect\.tokenEndpointSigningAlg "HS256" cannot sign a client assertion: use "ES256" or "RS256"/),
      expect.stringMatching(/^franceConnectPlus\.tokenEndpointAuthMethod "client_secret_basic" is not accepted by FranceConnect\+: use "client_secret_post" or "private_key_jwt"/),
    ]);
  });

  it('accepts only same-site paths as return paths', () => {
    for (const good of ['/', '/protected/eidas2?x=1', '/a/b#c']) expect(isSameOriginPath(good)).toBe(true);
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '', '/a\nb', undefined]) {
      expect(isSameOriginPath(bad)).toBe(false);
    }
  });
});
