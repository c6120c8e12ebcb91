/**
 * The two platforms the emulator stands in for, and what differs between them (docs/franceconnect-contract.md §1–§3, §8).
 */

/** Platform identifier, as used in the clients file: `fc` = FranceConnect v2, `fcp` = FranceConnect+. */
export type PlatformId = 'fc' | 'fcp';

/** An eIDAS level of assurance as FranceConnect spells it in `acr_values` and the `acr` claim. */
export type EidasLevel = 'eidas1' | 'eidas2' | 'eidas3';

/** JWS algorithms an emulated platform can sign ID tokens and userinfo responses with. */
export type SigningAlg = 'ES256' | 'RS256';

/** JWE key management algorithms FranceConnect+ accepts at registration. */
export type EncryptionAlg = 'RSA-OAEP' | 'RSA-OAEP-256' | 'ECDH-ES';

/** The only JWE content encryption FranceConnect+ uses. */
export const CONTENT_ENCRYPTION = 'A256GCM';

/** Everything that differs between the emulated FranceConnect and FranceConnect+. */
export interface PlatformDefinition {
  readonly id: PlatformId;
  /** Name shown on the emulator's pages and in its logs. */
  readonly displayName: string;
  /** Levels this platform accepts in `acr_values` and returns in `acr`, lowest first. */
  readonly acrValues: readonly EidasLevel[];
  /** Signing algorithms a client may register; the first one is the default. */
  readonly signingAlgs: readonly SigningAlg[];
  /** Whether ID tokens and userinfo are also encrypted to the client's key (FC+ only). */
  readonly encrypts: boolean;
  /** Session lifetime in seconds: FC+ 10 min, FC 30 min (docs/franceconnect-contract.md §8). */
  readonly sessionTtl: number;
  /**
   * Whether a session may answer a new request without showing the login page again, at the given
   * requested level. FC+ has single sign-on for `eidas2` requests only (docs/franceconnect-contract.md §3).
   */
  readonly ssoAllowed: (requested: EidasLevel) => boolean;
  /** Prefix of this platform's cookie names (see `cookies.names` in the provider configuration). */
  readonly cookiePrefix: string;
  /** Scopes that only this platform knows, each giving the claim of the same name (docs/franceconnect-contract.md §4). */
  readonly extraScopes: readonly string[];
}

/** FranceConnect v2: eIDAS low, signed (not encrypted) ID tokens and userinfo. */
export const FC: PlatformDefinition = Object.freeze<PlatformDefinition>({
  id: 'fc',
  displayName: 'FranceConnect',
  acrValues: ['eidas1'],
  signingAlgs: ['ES256', 'RS256'],
  encrypts: false,
  sessionTtl: 30 * 60,
  ssoAllowed: () => true,
  cookiePrefix: 'fc',
  extraScopes: ['idp_birthdate', 'given_name_array'],
});

/** FranceConnect+: eIDAS substantial and high, ID tokens and userinfo signed ES256 then encrypted. */
export const FCP: PlatformDefinition = Object.freeze<PlatformDefinition>({
  id: 'fcp',
  displayName: 'FranceConnect+',
  acrValues: ['eidas2', 'eidas3'],
  signingAlgs: ['ES256'],
  encrypts: true,
  sessionTtl: 10 * 60,
  ssoAllowed: (requested: EidasLevel) => requested === 'eidas2',
  cookiePrefix: 'fcp',
  extraScopes: [
    'rnipp_given_name',
    'rnipp_family_name',
    'rnipp_birthdate',
    'rnipp_gender',
    'rnipp_birthplace',
    'rnipp_birthcountry',
  ],
});

/** Both platforms by identifier. */
export const PLATFORMS: Readonly<Record<PlatformId, PlatformDefinition>> = Object.freeze({ fc: FC, fcp: FCP });

/**
 * Numeric value of an eIDAS level, or `undefined` for anything else. Levels are compared as ordered
 * numbers, never as strings, so that an unknown value can never pass for a high one.
 */
export function eidasLevel(value: unknown): number | undefined {
  switch (value) {
    case 'eidas1':
      return 1;
    case 'eidas2':
      return 2;
    case 'eidas3':
      return 3;
    default:
      return undefined;
  }
}

/** Whether `value` is one of the levels the platform accepts. */
export function isPlatformAcr(platform: PlatformDefinition, value: unknown): value is EidasLevel {
  return typeof value === 'string' && (platform.acrValues as readonly string[]).includes(value);
}

/**
 * Resolves an `acr_values` request parameter the way FranceConnect's core does: keep the values this
 * platform knows and answer with the lowest of them. Returns `undefined` when none is known, which the
 * caller turns into `error=invalid_acr`.
 */
export function resolveRequestedAcr(platform: PlatformDefinition, acrValues: string): EidasLevel | undefined {
  const known = acrValues
    .split(' ')
    .filter((value): value is EidasLevel => isPlatformAcr(platform, value))
    .toSorted((a, b) => (eidasLevel(a) ?? 0) - (eidasLevel(b) ?? 0));
  return known[0];
}
