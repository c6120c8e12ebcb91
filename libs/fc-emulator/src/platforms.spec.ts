import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { findIdentity } from './identities.js';
import { eidasLevel, FC, FCP, isPlatformAcr, pickAcr } from './platforms.js';
import { entityIdOf, identityHash, subjectFor } from './subjects.js';

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
  const angela = findIdentity('angela-dubois')!;

  it('gives 64 hex characters and v1, per platform unless shared, per entity id', () => {
    expect(subjectFor(angela, 'service.example.fr', 'fc', false)).toMatch(/^[0-9a-f]{64}v1$/);
    expect(subjectFor(angela, 'service.example.fr', 'fc', false)).not.toBe(subjectFor(angela, 'service.example.fr', 'fcp', false));
    expect(subjectFor(angela, 'service.example.fr', 'fc', true)).toBe(subjectFor(angela, 'service.example.fr', 'fcp', true));
    expect(subjectFor(angela, 'service.example.fr', 'fc', false)).not.toBe(subjectFor(angela, 'other.example.fr', 'fc', false));
    expect(subjectFor(angela, 'service.example.fr', 'fc', false)).toBe(subjectFor({ ...angela }, 'service.example.fr', 'fc', false));
  });

  // computeIdentityHash (back/libs/cryptography-fcp/src/cryptography-fcp.service.ts): the fields end to end,
  // the birthplace only for a person born in France.
  it('depends on the pivot identity, and not on the birthplace of a person born abroad', () => {
    expect(identityHash(angela)).toBe(createHash('sha256').update('Angela Claire LouiseDUBOIS1962-08-24female7510799100', 'latin1').digest('base64'));
    const abroad = { ...angela, birthcountry: '99350', birthplace: '' };
    expect(identityHash({ ...abroad, birthplace: '12345' })).toBe(identityHash(abroad));
    expect(subjectFor({ ...angela, birthdate: '1962-08-25' }, 'e', 'fc', false)).not.toBe(subjectFor(angela, 'e', 'fc', false));
  });

  it('takes the entity id of a registration, else the host of its first redirect URI', () => {
    expect(entityIdOf({ redirect_uris: ['https://service.example.fr/callback'] })).toBe('service.example.fr');
    expect(entityIdOf({ entity_id: 'a0cd64', redirect_uris: ['https://service.example.fr/callback'] })).toBe('a0cd64');
  });
});
