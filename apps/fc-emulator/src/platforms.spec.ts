import { describe, expect, it } from 'vitest';

import { eidasLevel, FC, FCP, resolveRequestedAcr } from './platforms.js';
import { subjectFor } from './subjects.js';

describe('eIDAS levels', () => {
  it('compares levels as numbers and knows no other value', () => {
    expect(['eidas1', 'eidas2', 'eidas3', 'eidas0', 'EIDAS3', undefined].map(eidasLevel)).toEqual([1, 2, 3, undefined, undefined, undefined]);
  });

  it('keeps the lowest level the platform knows', () => {
    expect(resolveRequestedAcr(FCP, 'eidas3 eidas2')).toBe('eidas2');
    expect(resolveRequestedAcr(FCP, 'eidas1 eidas3')).toBe('eidas3');
    expect(resolveRequestedAcr(FCP, 'eidas1')).toBeUndefined();
    expect(resolveRequestedAcr(FC, 'eidas2 eidas1')).toBe('eidas1');
    expect(resolveRequestedAcr(FC, 'eidas3')).toBeUndefined();
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
