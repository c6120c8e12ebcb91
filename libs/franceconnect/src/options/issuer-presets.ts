/**
 * Known issuers of the two platforms (discovery = issuer + `/.well-known/openid-configuration`).
 * FranceConnect moves hosts from time to time: these are presets, and any issuer URL can be given instead.
 */
export const FRANCECONNECT_PLUS_ISSUERS = Object.freeze({
  /** FranceConnect+ integration (sandbox) platform. */
  integration: 'https://auth.integ01.dev-franceconnect.fr/api/v2',
  /** FranceConnect+ production platform. */
  production: 'https://auth.franceconnect.gouv.fr/api/v2',
  /** The local emulator shipped with this project (`npm run emulator`). */
  emulator: 'http://localhost:4002/api/v2',
});

/** Known issuers of FranceConnect (v2, eIDAS low). */
export const FRANCECONNECT_ISSUERS = Object.freeze({
  /** FranceConnect integration platform. */
  integration: 'https://fcp-low.integ01.dev-franceconnect.fr/api/v2',
  /** FranceConnect sandbox platform (newer integration host). */
  sandbox: 'https://fcp-low.sbx.dev-franceconnect.fr/api/v2',
  /** FranceConnect production platform. */
  production: 'https://oidc.franceconnect.gouv.fr/api/v2',
  /** The local emulator shipped with this project (`npm run emulator`). */
  emulator: 'http://localhost:4001/api/v2',
});
