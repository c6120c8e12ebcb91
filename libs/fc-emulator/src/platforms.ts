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
  /**
   * Levels this platform accepts in `acr_values` and returns in `acr`, lowest first: `acrValues` in
   * `back/instances/core-fcp-{high,low}/src/config/oidc-provider.ts`.
   */
  readonly acrValues: readonly EidasLevel[];
  /** Level used when `acr_values` names no known level: `defaultAcrValue` in `config/oidc-acr.ts`. */
  readonly defaultAcr: EidasLevel;
  /** Signing algorithms a client may register; the first one is the default. */
  readonly signingAlgs: readonly SigningAlg[];
  /**
   * Algorithms a `private_key_jwt` client assertion may be signed with: `clientAuthSigningAlgValues` in
   * `back/instances/core-fcp-{high,low}/src/config/oidc-provider.ts`.
   */
  readonly clientAuthSigningAlgs: readonly SigningAlg[];
  /** Whether ID tokens and userinfo are also encrypted to the client's key (FC+ only). */
  readonly encrypts: boolean;
  /** Session lifetime in seconds: FC+ 10 min, FC 30 min (docs/franceconnect-contract.md §8). */
  readonly sessionTtl: number;
  /**
   * Levels at which a person already signed in is not asked to sign in again (single sign-on), and which
   * such a sign-in returns: `allowedSsoAcrs` in `back/instances/core-fcp-{high,low}/src/config/oidc-acr.ts`.
   */
  readonly ssoAcrValues: readonly EidasLevel[];

  /** Prefix of this platform's cookie names (see `cookies.names` in the provider configuration). */
  readonly cookiePrefix: string;
}

/** FranceConnect v2: eIDAS low, signed (not encrypted) ID tokens and userinfo. */
export const FC: PlatformDefinition = Object.freeze<PlatformDefinition>({
  id: 'fc',
  displayName: 'FranceConnect',
  acrValues: ['eidas1'],
  defaultAcr: 'eidas1',
  signingAlgs: ['ES256', 'RS256'],
  clientAuthSigningAlgs: ['ES256', 'RS256'],
  encrypts: false,
  sessionTtl: 30 * 60,
  ssoAcrValues: ['eidas1'],
  cookiePrefix: 'fc',
});

/** FranceConnect+: eIDAS substantial and high, ID tokens and userinfo signed ES256 then encrypted. */
export const FCP: PlatformDefinition = Object.freeze<PlatformDefinition>({
  id: 'fcp',
  displayName: 'FranceConnect+',
  acrValues: ['eidas2', 'eidas3'],
  defaultAcr: 'eidas3',
  signingAlgs: ['ES256'],
  clientAuthSigningAlgs: ['ES256'],
  encrypts: true,
  sessionTtl: 10 * 60,
  ssoAcrValues: ['eidas2'],
  cookiePrefix: 'fcp',
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

/** Every level FranceConnect's core knows, weakest first: `knownAcrValues` in `config/oidc-acr.ts`. */
const KNOWN_ACR_VALUES: readonly EidasLevel[] = ['eidas1', 'eidas2', 'eidas3'];

/**
 * The level FranceConnect's core keeps from an `acr_values` parameter before anything else
 * (`overrideAuthorizeAcrValues` in `back/libs/core/src/services/core-oidc-provider-middleware.service.ts`,
 * with `pickAcr` in `back/libs/core/src/transforms/acr.transform.ts`): the weakest level it knows among
 * the values, whatever the platform, or the platform's default when none is known. A level the platform
 * does not serve (`eidas1` on FC+) is refused later with `invalid_acr` ({@link isPlatformAcr}).
 */
export function pickAcr(platform: PlatformDefinition, acrValues: string): EidasLevel {
  const values = acrValues.split(/[ ]+/);
  return KNOWN_ACR_VALUES.find((level) => values.includes(level)) ?? platform.defaultAcr;
}
