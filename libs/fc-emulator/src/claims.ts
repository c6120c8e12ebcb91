/**
 * Scopes and the claims they release, as FranceConnect defines them for service providers
 * (`back/libs/scopes/src/data/fcp-high/fcp-high.scopes.ts` for FranceConnect+,
 * `back/libs/scopes/src/data/fcp-low/fcp-low.scopes.ts` for FranceConnect), in the shape of oidc-provider's
 * `claims` configuration: a key with an array is a scope releasing those claims, a key with `null` is a
 * claim that can only be asked for with the `claims` request parameter. The data providers' scopes
 * (`dgfip_*`, `cnam_*`, …) are not emulated.
 */
import type { PlatformDefinition, PlatformId } from './platforms.js';

const PIVOT = ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry'];

/** `fcp-high.scopes.ts`: the identity, and each pivot claim beside its civil registry (`rnipp_*`) twin. */
const FCP_SCOPES: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  profile: ['given_name', 'family_name', 'birthdate', 'gender', 'preferred_username'],
  birth: ['birthplace', 'birthcountry'],
  identite_pivot: PIVOT,
  gender: ['gender'],
  birthdate: ['birthdate'],
  birthcountry: ['birthcountry'],
  birthplace: ['birthplace'],
  given_name: ['given_name'],
  family_name: ['family_name'],
  email: ['email'],
  preferred_username: ['preferred_username'],
  rnipp_identite_pivot: [
    'gender',
    'rnipp_gender',
    'family_name',
    'rnipp_family_name',
    'given_name',
    'rnipp_given_name',
    'rnipp_given_name_array',
    'birthdate',
    'rnipp_birthdate',
    'birthplace',
    'rnipp_birthplace',
    'birthcountry',
    'rnipp_birthcountry',
  ],
  rnipp_gender: ['gender', 'rnipp_gender'],
  rnipp_family_name: ['family_name', 'rnipp_family_name'],
  rnipp_given_name: ['given_name', 'rnipp_given_name', 'rnipp_given_name_array'],
  rnipp_birthdate: ['birthdate', 'rnipp_birthdate'],
  rnipp_birthplace: ['birthplace', 'rnipp_birthplace'],
  rnipp_birthcountry: ['birthcountry', 'rnipp_birthcountry'],
  rnipp_profile: [
    'given_name',
    'rnipp_given_name',
    'rnipp_given_name_array',
    'family_name',
    'rnipp_family_name',
    'birthdate',
    'rnipp_birthdate',
    'gender',
    'rnipp_gender',
    'preferred_username',
  ],
  rnipp_birth: ['birthplace', 'rnipp_birthplace', 'birthcountry', 'rnipp_birthcountry'],
  amr: ['amr'],
};

/**
 * `fcp-low.scopes.ts`: the identity, the first names also as an array wherever `given_name` is released,
 * the identity provider's own birth date (`idp_birthdate`) and identifier (`idp_id`).
 */
const FC_SCOPES: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  profile: ['given_name', 'given_name_array', 'family_name', 'birthdate', 'gender', 'preferred_username'],
  birth: ['birthplace', 'birthcountry'],
  identite_pivot: ['given_name', 'given_name_array', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry'],
  gender: ['gender'],
  birthdate: ['birthdate'],
  birthcountry: ['birthcountry'],
  birthplace: ['birthplace'],
  given_name: ['given_name', 'given_name_array'],
  family_name: ['family_name'],
  email: ['email'],
  preferred_username: ['preferred_username'],
  idp_birthdate: ['idp_birthdate'],
  amr: ['amr'],
  idp_id: ['idp_id'],
};

const SCOPES: Readonly<Record<PlatformId, Readonly<Record<string, readonly string[]>>>> = { fc: FC_SCOPES, fcp: FCP_SCOPES };

/** Every scope a platform knows; a registration without `scopes` is allowed all of them. */
export function platformScopes(platform: PlatformDefinition): string[] {
  return Object.keys(SCOPES[platform.id]);
}

/** The `claims` configuration for one platform. */
export function claimsConfiguration(platform: PlatformDefinition): Record<string, string[] | null> {
  const configuration: Record<string, string[] | null> = {
    // Claims outside any scope. `amr` is released only when the client asks for it with
    // `claims={"id_token":{"amr":{"essential":true}}}` (its registration must allow it, see
    // core-checks.ts); `acr` is always in the ID token because `acr_values` is always set.
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
  };
  for (const [scope, claims] of Object.entries(SCOPES[platform.id])) {
    configuration[scope] = [...claims];
  }
  return configuration;
}
