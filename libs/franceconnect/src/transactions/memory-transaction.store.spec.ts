import { describe, expect, it } from 'vitest';
import { MemoryTransactionStore } from './memory-transaction.store.js';
import type { SignInTransaction } from './transaction-store.interface.js';

const transaction: SignInTransaction = {
  platform: 'fcp',
  state: 's'.repeat(43),
  nonce: 'n'.repeat(43),
  codeVerifier: 'v'.repeat(43),
  acr: 'eidas2',
  returnTo: '/',
  binding: 'b',
  createdAt: 0,
};

describe('MemoryTransactionStore', () => {
  it('gives a transaction to one taker only, even when two take at once', async () => {
    const store = new MemoryTransactionStore();
    await store.put('fcp:s', transaction, 60);
    const [first, second] = await Promise.all([store.take('fcp:s'), store.take('fcp:s')]);
    expect([first, second].filter(Boolean)).toEqual([transaction]);
    expect(await store.take('fcp:s')).toBeUndefined();
  });

  it('forgets a transaction past its lifetime and sweeps old entries', async () => {
    let now = 1_000_000;
    const store = new MemoryTransactionStore(() => now);
    await store.put('a', transaction, 10);
    now += 11_000;
    expect(await store.take('a')).toBeUndefined();
    await store.put('b', transaction, 10);
    now += 61_000;
    await store.put('c', transaction, 10);
    expect(store.size).toBe(1);
  });
});
