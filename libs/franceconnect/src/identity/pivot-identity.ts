import { createHmac } from 'node:crypto';
import { PIVOT_HASH_SECRET_MIN_LENGTH } from './identity.constants.js';
import { IdentityConfigurationError } from './identity.errors.js';

/** The INSEE country code of France in `birthcountry`. */
export const BIRTHCOUNTRY_FRANCE = '99100';

/**
 * Version tag placed first in every canonical pivot identity. It separates these HMAC inputs from any
 * other use of the same secret, and changing a normalisation rule must change it: hashes made under
 * different rules must never be compared as if they were comparable.
 */
export const PIVOT_IDENTITY_FORMAT = 'fc-pivot/1';

// Hyphens and dashes (U+002D, U+2010..U+2015, U+2212) and apostrophes or look-alikes (U+0027, U+2018,
// U+2019, U+02BC, U+0060, U+00B4). Identity providers and civil registries disagree on these.
const SEPARATORS = /[-\u2010-\u2015\u2212'\u2018\u2019\u02BC`\u00B4]/g;
const COMBINING_MARKS = /\p{M}/gu;
const SPACES = /\s+/gu;
const BIRTHDATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A commune code: two digits (or 2A / 2B for Corsica), then three digits.
const BIRTHPLACE = /^(?:\d{2}|2A|2B)\d{3}$/;
const BIRTHCOUNTRY = /^\d{5}$/;

/**
 * Normalises one name claim (`given_name` or `family_name`) so that spellings of the same name given
 * by different identity providers compare equal.
 *
 * Rules, in order: Unicode NFD then removal of combining marks (`é` → `e`, `ç` → `c`); lower case;
 * ligatures `œ` → `oe` and `æ` → `ae`; hyphens, dashes and apostrophes (straight, typographic,
 * modifier letter, grave, acute) → one space; any run of white space (including no-break spaces) → one
 * space; trimmed. The order of the words is kept: `Jean Pierre` and `Pierre Jean` stay different.
 *
 * @example normalisePivotName("  Éloïse-Marie  d’Œuvray ") === 'eloise marie d oeuvray'
 */
export function normalisePivotName(value: string): string {
  return value
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(SEPARATORS, ' ')
    .replace(SPACES, ' ')
    .trim();
}

/**
 * Builds the canonical form of a person's pivot identity ("identité pivot") from FranceConnect or
 * FranceConnect+ claims, or `undefined` when the claims cannot identify a person safely.
 *
 * The result is `JSON.stringify([format, given_name, family_name, birthdate, gender, birthplace,
 * birthcountry])` with {@link PIVOT_IDENTITY_FORMAT} first, so no value can spill into its neighbour.
 * - `given_name`, `family_name`: {@link normalisePivotName}; must not be empty afterwards.
 * - `birthdate`: kept as is, must be a real `YYYY-MM-DD` date (unknown parts arrive as `-01`, which is
 *   a real date and is kept).
 * - `gender`: trimmed and lower-cased; any non-empty value is kept (foreign eIDAS identities may send
 *   values other than `male` and `female`).
 * - `birthplace`: trimmed and upper-cased. An empty string is a value (born abroad) and stays `""`;
 *   a missing claim becomes `null`, so the two never compare equal. When not empty it must be a
 *   5-character commune code (`75056`, `2A004`).
 * - `birthcountry`: trimmed, must be 5 digits (`99100` is France).
 *
 * Not matchable (`undefined`): any of `given_name`, `family_name`, `birthdate`, `gender`,
 * `birthcountry` missing, not a string, empty or malformed; a malformed `birthplace`; or, for someone
 * born in France (`99100`), a missing or empty `birthplace`. `email` and `preferred_username` are
 * never read: they vary between identity providers and do not identify a person.
 *
 * The result is personal data: hash it with {@link pivotHash} before storing it anywhere.
 */
export function normalisePivotIdentity(claims: Readonly<Record<string, unknown>>): string | undefined {
  const givenName = nonEmptyName(claims['given_name']);
  const familyName = nonEmptyName(claims['family_name']);
  const birthdate = validBirthdate(claims['birthdate']);
  const gender = typeof claims['gender'] === 'string' ? claims['gender'].trim().toLowerCase() : '';
  const birthcountry = typeof claims['birthcountry'] === 'string' ? claims['birthcountry'].trim() : '';
  if (!givenName || !familyName || !birthdate || !gender || !BIRTHCOUNTRY.test(birthcountry)) return undefined;

  const rawBirthplace = claims['birthplace'];
  let birthplace: string | null;
  if (typeof rawBirthplace === 'string') {
    birthplace = rawBirthplace.trim().toUpperCase();
    if (birthplace !== '' && !BIRTHPLACE.test(birthplace)) return undefined;
  } else if (rawBirthplace === undefined || rawBirthplace === null) {
    birthplace = null;
  } else {
    return undefined;
  }
  // Born in France: the commune is what tells two namesakes born the same day apart.
  if (birthcountry === BIRTHCOUNTRY_FRANCE && !birthplace) return undefined;

  return JSON.stringify([PIVOT_IDENTITY_FORMAT, givenName, familyName, birthdate, gender, birthplace, birthcountry]);
}

/**
 * Whether a pivot identity tells its holder apart from namesakes well enough to hand an existing account
 * over on it alone: a birthplace (empty for everyone born abroad, leaving names, date and country) and a
 * birth date that is not presumed (FranceConnect writes unknown parts as `01`: `1965-01-01` is most often
 * "year only"). Identities that fail this still link through the common identifier or a session, never by
 * their pivot identity alone.
 */
export function isDiscriminatingPivotIdentity(claims: Readonly<Record<string, unknown>>): boolean {
  if (normalisePivotIdentity(claims) === undefined) return false;
  const birthplace = typeof claims['birthplace'] === 'string' ? claims['birthplace'].trim() : '';
  const birthdate = String(claims['birthdate']).trim();
  return birthplace !== '' && !birthdate.endsWith('-01-01');
}

/**
 * Keyed hash of a canonical pivot identity: HMAC-SHA256 with `secret`, as 64 lower-case hex characters.
 *
 * Keyed so that a leaked table cannot be reversed by hashing every plausible identity (names and birth
 * dates are guessable); keep the secret out of the database. Changing the secret makes every stored
 * hash unmatchable (nothing breaks, pivot matching simply starts again from new sign-ins).
 *
 * @throws {IdentityConfigurationError} when `secret` is not a string of at least 32 characters.
 */
export function pivotHash(normalised: string, secret: string): string {
  assertPivotHashSecret(secret);
  return createHmac('sha256', secret).update(normalised, 'utf8').digest('hex');
}

/**
 * Checks the pivot hash secret.
 *
 * @throws {IdentityConfigurationError} when `secret` is not a string of at least 32 characters.
 */
export function assertPivotHashSecret(secret: unknown): asserts secret is string {
  const problem = pivotHashSecretProblem(secret);
  if (problem) throw new IdentityConfigurationError([problem]);
}

/** The problem with a pivot hash secret, as a sentence that says how to fix it, or `undefined`. */
export function pivotHashSecretProblem(secret: unknown): string | undefined {
  if (typeof secret === 'string' && secret.length >= PIVOT_HASH_SECRET_MIN_LENGTH) return undefined;
  const got = typeof secret === 'string' ? `${secret.length} characters` : typeof secret;
  return (
    `pivotHashSecret must be a string of at least ${PIVOT_HASH_SECRET_MIN_LENGTH} characters (got ${got}). ` +
    `Generate one with \`openssl rand -hex 32\`, keep it outside the database, and never change it ` +
    `casually: stored pivot hashes stop matching.`
  );
}

function nonEmptyName(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const normalised = normalisePivotName(value);
  return normalised === '' ? undefined : normalised;
}

function validBirthdate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = BIRTHDATE.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // A round trip through Date.UTC rejects 2001-02-29, 2001-13-01 and 2001-00-10.
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? value : undefined;
}
