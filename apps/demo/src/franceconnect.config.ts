import type { FranceConnectModuleOptions, PlatformOptions } from '../../../libs/franceconnect/src/index.js';
import { demoConfigFromEnv, type DemoConfig } from './demo.config.js';

/**
 * The sample app's registrations with both platforms and its keys, as module options: what
 * `franceconnect doctor` checks (`npm run doctor`), and what `AppModule` completes with its stores, its
 * database and its error pages.
 */
export function franceConnectPlatformOptions(config: DemoConfig): FranceConnectModuleOptions {
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

/**
 * The configuration `franceconnect doctor --config` loads: the sample app's module options, built from
 * the same environment variables as at start-up.
 */
export default function franceConnectConfig(): FranceConnectModuleOptions {
  return franceConnectPlatformOptions(demoConfigFromEnv());
}
