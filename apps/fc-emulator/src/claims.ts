/**
 * Scopes and the claims they release (docs/franceconnect-contract.md §4–§5), in the shape of oidc-provider's `claims`
 * configuration: a key with an array is a scope releasing those claims, a key with `null` is a claim
 * that can only be asked for with the `claims` request parameter.
 */
import type { PlatformDefinition } from './platforms.js';

const PIVOT = ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry'];

/** Scopes both platforms accept, by name. */
const COMMON_SCOPES: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  given_name: ['given_name'],
  family_name: ['family_name'],
  birthdate: ['birthdate'],
  gender: ['gender'],
  birthplace: ['birthplace'],
  birthcountry: ['birthcountry'],
  email: ['email'],
  preferred_username: ['preferred_username'],
  // FranceConnect's aliases.
  profile: ['given_name', 'family_name', 'birthdate', 'gender', 'preferred_username'],
  birth: ['birthplace', 'birthcountry'],
  identite_pivot: PIVOT,
};

/** The `claims` configuration for one platform. */
export function claimsConfiguration(platform: PlatformDefinition): Record<string, string[] | null> {
  const configuration: Record<string, string[] | null> = {
    // Claims outside any scope. `amr` is released only when the client asks for it with
    // `claims={"id_token":{"amr":{"essential":true}}}`, as FranceConnect does; `acr` is always in the ID
    // token because `acr_values` is mandatory here.
    acr: null,
    amr: null,
    auth_time: null,
    iss: null,
    sid: null,
  };
  for (const [scope, claims] of Object.entries(COMMON_SCOPES)) {
    configuration[scope] = [...claims];
  }
  for (const scope of platform.extraScopes) {
    configuration[scope] = [scope];
  }
  return configuration;
}
