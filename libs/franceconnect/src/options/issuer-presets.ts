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
  /**
   * FranceConnect integration platform: the sandbox where services registered on the partners' portal
   * since May 2025 sign in.
   */
  integration: 'https://fcp-low.sbx.dev-franceconnect.fr/api/v2',
  /** The same sandbox, by its own name. */
  sandbox: 'https://fcp-low.sbx.dev-franceconnect.fr/api/v2',
  /** The former integration platform, for services registered there before May 2025. */
  legacyIntegration: 'https://fcp-low.integ01.dev-franceconnect.fr/api/v2',
  /** FranceConnect production platform. */
  production: 'https://oidc.franceconnect.gouv.fr/api/v2',
  /** The local emulator shipped with this project (`npm run emulator`). */
  emulator: 'http://localhost:4001/api/v2',
});
