import { describe, expect, it } from 'vitest';

import { eidasLevel, FC, FCP, isPlatformAcr, pickAcr } from './platforms.js';
import { subjectFor } from './subjects.js';

describe('eIDAS levels', () => {
  it('compares levels as numbers and knows no other value', () => {
    expect(['eidas1', 'eidas2', 'eidas3', 'eidas0', 'EIDAS3', undefined].map(eidasLevel)).toEqual([1, 2, 3, undefined, undefined, undefined]);
  });

  // The outcomes of quality/fcp/cypress/integration/usager/connexion-acr-fcp-{high,low}.feature.
  it.each([
    [FCP, 'eidas2', 'eidas2', true],
    [FCP, 'eidas2 niveau_inconnu', 'eidas2', true],
    [FCP, 'eidas3 eidas2', 'eidas2', true],
    [FCP, 'eidas3', 'eidas3', true],
    [FCP, 'niveau_inconnu', 'eidas3', true],
    [FCP, '', 'eidas3', true],
    [FCP, 'eidas1', 'eidas1', false],
    [FCP, 'inconnu eidas1', 'eidas1', false],
    [FCP, 'eidas1 eidas2 eidas3', 'eidas1', false],
    [FC, 'eidas1', 'eidas1', true],
    [FC, 'niveau_inconnu', 'eidas1', true],
    [FC, 'eidas1 eidas2 eidas3', 'eidas1', true],
    [FC, 'eidas2', 'eidas2', false],
    [FC, 'eidas2 eidas3', 'eidas2', false],
    [FC, 'inconnu eidas3', 'eidas3', false],
  ] as const)('%s keeps the weakest known level of "%s": %s, served: %s', (platform, acrValues, kept, served) => {
    expect(pickAcr(platform, acrValues)).toBe(kept);
    expect(isPlatformAcr(platform, kept)).toBe(served);
  });
});

describe('subjectFor', () => {
  it('gives 64 hex characters and v1, per platform unless shared', () => {
    const person = { id: 'angela-dubois' };
    expect(subjectFor(person, 'fc', false)).toMatch(/^[0-9a-f]{64}v1$/);
    expect(subjectFor(person, 'fc', false)).not.toBe(subjectFor(person, 'fcp', false));
    expect(subjectFor(person, 'fc', true)).toBe(subjectFor(person, 'fcp', true));
    expect(subjectFor(person, 'fc', false)).toBe(subjectFor({ id: 'angela-dubois' }, 'fc', false));
  });
});
