import { randomBytes } from 'node:crypto';

/** A pivot hash secret for tests (never use a constant secret in an application). */
export const TEST_PIVOT_SECRET = 'test-pivot-hash-secret-0123456789abcdef';

/** A FranceConnect-like pairwise `sub`: 64 hex characters and `v1`. */
export function newSub(): string {
  return `${randomBytes(32).toString('hex')}v1`;
}

/** Angela Claire Louise Dubois, born in Paris, as FranceConnect sends her. */
export const ANGELA = Object.freeze({
  given_name: 'Angela Claire Louise',
  family_name: 'DUBOIS',
  birthdate: '1962-08-24',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
  email: 'angela.dubois@example.org',
  preferred_username: '',
});

/** The same person as FranceConnect+ spells her: other case, accents, hyphens, other e-mail. */
export const ANGELA_FCP = Object.freeze({
  ...ANGELA,
  given_name: 'ANGELA  CLAIRE-LOUISE',
  family_name: 'Dubois',
  email: 'a.dubois@other-provider.example',
});

/** A namesake of Angela: same names and birthplace, born the next day. */
export const ANGELA_NAMESAKE = Object.freeze({ ...ANGELA, birthdate: '1962-08-25' });

/** Someone else entirely, who happens to share Angela's e-mail address. */
export const PIERRE_SAME_EMAIL = Object.freeze({
  given_name: 'Pierre',
  family_name: 'Mercier',
  birthdate: '1990-01-01',
  gender: 'male',
  birthplace: '',
  birthcountry: '99134',
  email: ANGELA.email,
});

/** Claims without a pivot identity (only `email` requested). */
export const EMAIL_ONLY = Object.freeze({ email: ANGELA.email });
