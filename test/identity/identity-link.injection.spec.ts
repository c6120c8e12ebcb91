import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { IDENTITY_LINK_EVENTS, IDENTITY_LINK_OPTIONS, IDENTITY_STORE, type IdentityLinkEvent } from '../../libs/franceconnect/src/identity/index.js';
import { IdentityLinkService } from '../../libs/franceconnect/src/index.js';
import { newSub, TEST_PIVOT_SECRET } from './identity.fixtures.js';
import { InMemoryIdentityStore } from './in-memory-identity.store.js';

describe('IdentityLinkService in a Nest module', () => {
  it('is injected with the store, the options and, when provided, the event listener', async () => {
    const events: IdentityLinkEvent[] = [];
    const moduleRef = await Test.createTestingModule({
      providers: [
        { provide: IDENTITY_STORE, useClass: InMemoryIdentityStore },
        { provide: IDENTITY_LINK_OPTIONS, useValue: { pivotHashSecret: TEST_PIVOT_SECRET } },
        { provide: IDENTITY_LINK_EVENTS, useValue: (event: IdentityLinkEvent) => events.push(event) },
        IdentityLinkService,
      ],
    }).compile();
    const linker = moduleRef.get(IdentityLinkService);
    expect(await linker.resolve({ platform: 'fc', sub: newSub(), acr: 'eidas1', claims: {} })).toMatchObject({
      status: 'created',
    });
    expect(events).toEqual([{ type: 'created', platform: 'fc', accountId: expect.any(String) }]);
    await moduleRef.close();
  });

  it('works without an event listener', async () => {
    const moduleRef = await Test.createTestingModule({
      providers: [
        { provide: IDENTITY_STORE, useClass: InMemoryIdentityStore },
        { provide: IDENTITY_LINK_OPTIONS, useValue: { pivotHashSecret: TEST_PIVOT_SECRET } },
        IdentityLinkService,
      ],
    }).compile();
    expect(moduleRef.get(IdentityLinkService)).toBeInstanceOf(IdentityLinkService);
    await moduleRef.close();
  });

  it('fails at start-up, saying what to fix, when the options are invalid', async () => {
    const compile = Test.createTestingModule({
      providers: [
        { provide: IDENTITY_STORE, useClass: InMemoryIdentityStore },
        { provide: IDENTITY_LINK_OPTIONS, useValue: { pivotHashSecret: 'short' } },
        IdentityLinkService,
      ],
    }).compile();
    await expect(compile).rejects.toThrow(/pivotHashSecret must be a string of at least 32 characters/);
  });
});
