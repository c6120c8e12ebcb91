/**
 * The clients registered when no other list is given: the sample app on `http://localhost:3000`.
 * `libs/fc-emulator/clients.json` holds the same list as a file to copy and edit (a spec keeps both equal);
 * it lives in TypeScript too so that the compiled emulator needs no asset next to it.
 */
import type { EmulatorClientConfig } from './clients.js';

/** Client id and secret of the sample app on FranceConnect (not a secret: the emulator is public). */
export const DEMO_FC_CLIENT = Object.freeze({
  client_id: 'demo-fc',
  client_secret: 'demo-fc-client-secret-not-for-production',
});

/** Client id and secret of the sample app on FranceConnect+. */
export const DEMO_FCP_CLIENT = Object.freeze({
  client_id: 'demo-fcp',
  client_secret: 'demo-fcp-client-secret-not-for-production',
});

/** The default clients: one per platform, both for the sample app. */
export const DEFAULT_CLIENTS: readonly EmulatorClientConfig[] = Object.freeze([
  {
    platform: 'fc',
    ...DEMO_FC_CLIENT,
    redirect_uris: ['http://localhost:3000/auth/fc/callback'],
    post_logout_redirect_uris: ['http://localhost:3000/auth/logout/callback'],
    id_token_signed_response_alg: 'ES256',
    userinfo_signed_response_alg: 'ES256',
    // The sample app may ask for amr (REQUEST_AMR); the module does not by default.
    claims: ['amr'],
  },
  {
    platform: 'fcp',
    ...DEMO_FCP_CLIENT,
    redirect_uris: ['http://localhost:3000/auth/fcp/callback'],
    post_logout_redirect_uris: ['http://localhost:3000/auth/logout/callback'],
    jwks_uri: 'http://localhost:3000/.well-known/jwks.json',
    id_token_signed_response_alg: 'ES256',
    userinfo_signed_response_alg: 'ES256',
    id_token_encrypted_response_alg: 'RSA-OAEP-256',
    userinfo_encrypted_response_alg: 'RSA-OAEP-256',
    claims: ['amr'],
  },
]);
