import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdentityConfigurationError } from './identity.errors.js';
import { normalisePivotIdentity, normalisePivotName, PIVOT_IDENTITY_FORMAT, pivotHash } from './pivot-identity.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** Angela Claire Louise Dubois, FranceConnect's usual test identity, born in Paris. */
const angela = {
  given_name: 'Angela Claire Louise',
  family_name: 'DUBOIS',
  birthdate: '1962-08-24',
  gender: 'female',
  birthplace: '75107',
  birthcountry: '99100',
  email: 'wossewodda-3728@yopmail.com',
};

describe('normalisePivotName', () => {
  it.each([
    ['Éloïse', 'eloise'],
    ['ÇÀÉÈÊËÎÏÔÙÛÜŸ', 'caeeeeiiouuuy'],
    ['Jean-Pierre', 'jean pierre'],
    ['Jean–Pierre', 'jean pierre'], // en dash
    ['Jean‑Pierre', 'jean pierre'], // non-breaking hyphen
    ["D'Artagnan", 'd artagnan'],
    ['D’Artagnan', 'd artagnan'], // typographic apostrophe
    ['Dʼartagnan', 'd artagnan'], // modifier letter apostrophe
    ['  Marie   Anne  ', 'marie anne'],
    ['Marie\u00A0\tAnne', 'marie anne'], // no-break space, tab
    ['Jean - Pierre', 'jean pierre'],
    ['ŒDIPE', 'oedipe'],
    ['Lætitia', 'laetitia'],
    ['LÆTITIA', 'laetitia'],
    ['Cœur', 'coeur'],
  ])('%j → %j', (input, expected) => {
    expect(normalisePivotName(input)).toBe(expected);
  });

  it('keeps the order of the first names', () => {
    expect(normalisePivotName('Pierre Jean')).not.toBe(normalisePivotName('Jean Pierre'));
  });
});

describe('normalisePivotIdentity', () => {
  it('produces a versioned JSON array of the six pivot claims', () => {
    expect(JSON.parse(normalisePivotIdentity(angela)!)).toEqual([
      PIVOT_IDENTITY_FORMAT,
      'angela claire louise',
      'dubois',
      '1962-08-24',
      'female',
      '75107',
      '99100',
    ]);
  });

  it('ignores email and every other claim', () => {
    expect(normalisePivotIdentity({ ...angela, email: 'someone-else@example.org', preferred_username: 'X' })).toBe(
      normalisePivotIdentity(angela),
    );
  });

  it('gives the same result for spellings that differ only in accents, case, hyphens, apostrophes and spaces', () => {
    const a = { ...angela, given_name: 'Anne-Élise', family_name: "D'ÉPINAY-LŒUVRE" };
    const b = { ...angela, given_name: ' anne  elise ', family_name: 'd’epinay loeuvre', gender: 'FEMALE' };
    expect(normalisePivotIdentity(a)).toBe(normalisePivotIdentity(b));
  });

  it('tells apart two people with the same names born on different days', () => {
    expect(normalisePivotIdentity({ ...angela, birthdate: '1962-08-25' })).not.toBe(normalisePivotIdentity(angela));
  });

  it('tells apart namesakes born the same day in different communes', () => {
    expect(normalisePivotIdentity({ ...angela, birthplace: '69123' })).not.toBe(normalisePivotIdentity(angela));
  });

  it('accepts unknown parts of a birth date given as -01', () => {
    expect(normalisePivotIdentity({ ...angela, birthdate: '1962-01-01' })).toContain('"1962-01-01"');
  });

  it.each(['1962-02-30', '1962-13-01', '1962-00-10', '1962-8-24', '24/08/1962', '1962-08-24T00:00:00Z', ''])(
    'refuses the birth date %j',
    (birthdate) => {
      expect(normalisePivotIdentity({ ...angela, birthdate })).toBeUndefined();
    },
  );

  it('upper-cases Corsican birthplaces (2A, 2B)', () => {
    expect(normalisePivotIdentity({ ...angela, birthplace: '2a004' })).toContain('"2A004"');
    expect(normalisePivotIdentity({ ...angela, birthplace: '2B033' })).toContain('"2B033"');
    expect(normalisePivotIdentity({ ...angela, birthplace: '2a004' })).toBe(
      normalisePivotIdentity({ ...angela, birthplace: '2A004' }),
    );
  });

  it('refuses a malformed birthplace', () => {
    expect(normalisePivotIdentity({ ...angela, birthplace: '2C004' })).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, birthplace: '7510' })).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, birthplace: 75107 })).toBeUndefined();
  });

  it('keeps the empty birthplace of someone born abroad, distinct from a missing one', () => {
    const abroad = { ...angela, birthplace: '', birthcountry: '99134' }; // Spain
    const { birthplace: _birthplace, ...withoutBirthplace } = abroad;
    expect(normalisePivotIdentity(abroad)).toContain('"",');
    expect(normalisePivotIdentity(withoutBirthplace)).toContain('null,');
    expect(normalisePivotIdentity(abroad)).not.toBe(normalisePivotIdentity(withoutBirthplace));
  });

  it('is not matchable for someone born in France without a birthplace', () => {
    const { birthplace: _birthplace, ...withoutBirthplace } = angela;
    expect(normalisePivotIdentity(withoutBirthplace)).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, birthplace: '' })).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, birthplace: '   ' })).toBeUndefined();
  });

  it.each(['given_name', 'family_name', 'birthdate', 'gender', 'birthcountry'])(
    'is not matchable when %s is missing, empty or not a string',
    (claim) => {
      const { [claim]: _removed, ...without } = angela as Record<string, unknown>;
      expect(normalisePivotIdentity(without)).toBeUndefined();
      expect(normalisePivotIdentity({ ...angela, [claim]: '' })).toBeUndefined();
      expect(normalisePivotIdentity({ ...angela, [claim]: '   ' })).toBeUndefined();
      expect(normalisePivotIdentity({ ...angela, [claim]: ['x'] })).toBeUndefined();
    },
  );

  it('is not matchable when a name is nothing but hyphens, apostrophes and spaces', () => {
    expect(normalisePivotIdentity({ ...angela, given_name: " - ' " })).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, family_name: '--' })).toBeUndefined();
  });

  it('keeps gender values other than male and female (foreign identities)', () => {
    expect(normalisePivotIdentity({ ...angela, gender: 'Unspecified' })).toContain('"unspecified"');
  });

  it('refuses a birth country that is not 5 digits', () => {
    expect(normalisePivotIdentity({ ...angela, birthcountry: '9910' })).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, birthcountry: 'FR' })).toBeUndefined();
    expect(normalisePivotIdentity({ ...angela, birthcountry: ' 99100 ' })).toBe(normalisePivotIdentity(angela));
  });

  it('cannot be confused by a separator inside a value', () => {
    const a = { ...angela, given_name: 'Anne", "Marie' };
    const b = { ...angela, given_name: 'Anne', family_name: 'Marie", "dubois' };
    expect(normalisePivotIdentity(a)).not.toBe(normalisePivotIdentity(b));
  });
});

describe('pivotHash', () => {
  it('is HMAC-SHA256 in hex, keyed with the secret', () => {
    const normalised = normalisePivotIdentity(angela)!;
    const expected = createHmac('sha256', SECRET).update(normalised).digest('hex');
    expect(pivotHash(normalised, SECRET)).toBe(expected);
    expect(pivotHash(normalised, SECRET)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('depends on the secret, so a leaked table cannot be matched without it', () => {
    const normalised = normalisePivotIdentity(angela)!;
    expect(pivotHash(normalised, SECRET)).not.toBe(pivotHash(normalised, `${SECRET}!`));
  });

  it('refuses a secret shorter than 32 characters, saying how to make one', () => {
    expect(() => pivotHash('x', 'short')).toThrow(IdentityConfigurationError);
    expect(() => pivotHash('x', 'x'.repeat(31))).toThrow(/at least 32 characters \(got 31 characters\).*openssl rand/s);
    expect(() => pivotHash('x', undefined as unknown as string)).toThrow(/got undefined/);
    expect(pivotHash('x', 'x'.repeat(32))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never puts the secret in the error', () => {
    let error: unknown;
    try {
      pivotHash('x', 'my-secret-value');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(IdentityConfigurationError);
    expect((error as IdentityConfigurationError).code).toBe('FC_IDENTITY_CONFIGURATION_INVALID');
    expect((error as Error).message).not.toContain('my-secret-value');
  });
});
