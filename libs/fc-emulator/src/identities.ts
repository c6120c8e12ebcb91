/**
 * Test identities offered on the emulator's login page. They follow FranceConnect's public test data
 * (`france-connect/identity-provider-example`, `data/`) and cover the cases a service provider must
 * handle: accents-free upper-case birth names, several first names, a usage name, a person born abroad
 * (empty `birthplace`), a Corsican commune code, a foreign eIDAS identity, and two namesakes.
 */

/** One test person, with the identité pivot (docs/franceconnect-contract.md §5) and what the identity provider reports. */
export interface TestIdentity {
  /** Stable identifier: the value of the login form's `identity` field, and the input of `sub`. */
  readonly id: string;
  /** Short French description shown on the login page. */
  readonly description: string;
  /** First names, space separated. */
  readonly given_name: string;
  /** Birth name. */
  readonly family_name: string;
  /** `YYYY-MM-DD`, unknown parts as `01`. */
  readonly birthdate: string;
  /** `male` or `female` (foreign eIDAS identities may carry other values). */
  readonly gender: string;
  /** INSEE commune code, empty when born abroad. */
  readonly birthplace: string;
  /** INSEE country code, `99100` for France. */
  readonly birthcountry: string;
  /** E-mail address verified by the identity provider. */
  readonly email: string;
  /** Usage name, often empty. */
  readonly preferred_username: string;
  /** Authentication methods the identity provider reports (`amr`); `eidas` for another member state. */
  readonly amr: readonly string[];
  /** Whether the French civil registry (RNIPP) knows this person: FC+ returns `rnipp_*` claims only then. */
  readonly rnipp: boolean;
}

function identity(value: TestIdentity): TestIdentity {
  return Object.freeze({ ...value, amr: Object.freeze([...value.amr]) });
}

/** The emulator's test identities, in the order of the login page. */
export const TEST_IDENTITIES: readonly TestIdentity[] = Object.freeze([
  identity({
    id: 'angela-dubois',
    description: 'Née à Paris 7e, plusieurs prénoms',
    given_name: 'Angela Claire Louise',
    family_name: 'DUBOIS',
    birthdate: '1962-08-24',
    gender: 'female',
    birthplace: '75107',
    birthcountry: '99100',
    email: 'wossewodda-3728@yopmail.com',
    preferred_username: '',
    amr: ['pwd'],
    rnipp: true,
  }),
  identity({
    id: 'eric-mercier',
    description: "Né à Marseille, nom d'usage renseigné",
    given_name: 'Eric Julien',
    family_name: 'MERCIER',
    birthdate: '1969-03-17',
    gender: 'male',
    birthplace: '13055',
    birthcountry: '99100',
    email: 'mercier_eric@mail.com',
    preferred_username: 'MERCIER-ROBERT',
    amr: ['pwd', 'mail'],
    rnipp: true,
  }),
  identity({
    id: 'melaine-trois',
    description: 'Née à Ajaccio (code commune 2A004)',
    given_name: 'Melaine Evelyne',
    family_name: 'TROIS',
    birthdate: '1981-07-27',
    gender: 'female',
    birthplace: '2A004',
    birthcountry: '99100',
    email: 'trois_melaine@mail.com',
    preferred_username: '',
    amr: ['pop', 'pin', 'mfa'],
    rnipp: true,
  }),
  identity({
    id: 'david-vingttrois',
    description: "Né à l'étranger (Maroc) : lieu de naissance vide",
    given_name: 'David Clement',
    family_name: 'VINGTTROIS',
    birthdate: '1976-09-12',
    gender: 'male',
    birthplace: '',
    birthcountry: '99350',
    email: 'vingttrois_david@gmail.com',
    preferred_username: '',
    amr: ['pwd'],
    rnipp: true,
  }),
  identity({
    id: 'javier-garcia',
    description: "Identité européenne (Espagne) venue par le nœud eIDAS",
    given_name: 'Javier',
    family_name: 'GARCIA',
    birthdate: '1965-01-01',
    gender: 'male',
    birthplace: '',
    birthcountry: '99134',
    email: 'javier.garcia@example.es',
    preferred_username: '',
    amr: ['eidas'],
    rnipp: false,
  }),
  identity({
    id: 'jean-martin-1980',
    description: 'Homonyme : Jean Pierre MARTIN né en 1980 à Lyon',
    given_name: 'Jean Pierre',
    family_name: 'MARTIN',
    birthdate: '1980-05-12',
    gender: 'male',
    birthplace: '69123',
    birthcountry: '99100',
    email: 'jean.martin.1980@yopmail.com',
    preferred_username: '',
    amr: ['pwd'],
    rnipp: true,
  }),
  identity({
    id: 'jean-martin-1975',
    description: 'Homonyme : Jean Pierre MARTIN né en 1975 à Bordeaux',
    given_name: 'Jean Pierre',
    family_name: 'MARTIN',
    birthdate: '1975-02-03',
    gender: 'male',
    birthplace: '33063',
    birthcountry: '99100',
    email: 'jean.martin.1975@yopmail.com',
    preferred_username: '',
    amr: ['pwd'],
    rnipp: true,
  }),
  identity({
    id: 'hugo-vingtsix',
    description: "Né à l'étranger, jour et mois de naissance inconnus (1954-01-01)",
    given_name: 'Hugo',
    family_name: 'VINGTSIX',
    birthdate: '1954-01-01',
    gender: 'male',
    birthplace: '',
    birthcountry: '99350',
    email: 'vingtsix_hugo@mail.com',
    preferred_username: '',
    amr: ['pwd'],
    rnipp: true,
  }),
]);

/** The identity with this `id`, or `undefined`. */
export function findIdentity(id: string): TestIdentity | undefined {
  return TEST_IDENTITIES.find((candidate) => candidate.id === id);
}

/** The identité pivot plus `email` and `preferred_username`: what every platform can release. */
const COMMON_CLAIMS = [
  'given_name',
  'family_name',
  'birthdate',
  'gender',
  'birthplace',
  'birthcountry',
  'email',
  'preferred_username',
] as const;

/** The person's identité pivot plus `email` and `preferred_username`, as both platforms release them. */
export function commonClaims(person: TestIdentity): Record<string, string> {
  return Object.fromEntries(COMMON_CLAIMS.map((name) => [name, person[name]]));
}

/** `idp_id` of the emulator's one identity provider, which the test identities stand for. */
export const EMULATED_IDP_ID = 'fc-emulator-idp';

/**
 * Every claim value the platform can release for this person; oidc-provider then keeps only what the
 * granted scopes and the `claims` parameter allow. `sub` is added by the caller.
 */
export function identityClaims(person: TestIdentity, platform: 'fc' | 'fcp'): Record<string, unknown> {
  const claims: Record<string, unknown> = commonClaims(person);
  if (platform === 'fc') {
    // FC v2 extras (`fcp-low.claims.ts`): the birth date as the identity provider gave it, the first names
    // as an array, and the identity provider's identifier.
    claims.idp_birthdate = person.birthdate;
    claims.given_name_array = person.given_name.split(' ').filter(Boolean);
    claims.idp_id = EMULATED_IDP_ID;
  } else if (person.rnipp) {
    // FC+ `rnipp_*` claims (`fcp-high.claims.ts`): the civil registry's version of the pivot identity.
    for (const name of ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry'] as const) {
      claims[`rnipp_${name}`] = person[name];
    }
    claims.rnipp_given_name_array = person.given_name.split(' ').filter(Boolean);
  }
  return claims;
}
