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

const inBrowser = (binding: string): SignInTransaction => ({ ...transaction, binding });

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
    const store = new MemoryTransactionStore({}, () => now);
    await store.put('a', transaction, 10);
    now += 11_000;
    expect(await store.take('a')).toBeUndefined();
    await store.put('b', transaction, 10);
    now += 61_000;
    await store.put('c', transaction, 10);
    expect(store.size).toBe(1);
  });

  it("keeps a browser's newest sign-ins only, dropping its oldest first, and leaves other browsers' alone", async () => {
    const store = new MemoryTransactionStore({ maxPerBrowser: 3 });
    await store.put('other', inBrowser('other'), 60);
    const dropped: (number | void)[] = [];
    for (let i = 0; i < 5; i++) dropped.push(await store.put(`k${i}`, inBrowser('flooding'), 60));
    expect(dropped).toEqual([0, 0, 0, 1, 1]);
    expect(store.size).toBe(4);
    expect(await store.take('k0')).toBeUndefined();
    expect(await store.take('k1')).toBeUndefined();
    for (const key of ['k2', 'k3', 'k4']) expect(await store.take(key)).toEqual(inBrowser('flooding'));
    expect(await store.take('other')).toEqual(inBrowser('other'));
  });

  it('holds no more than maxPending in all, the oldest dropped first, whatever the browsers', async () => {
    const store = new MemoryTransactionStore({ maxPending: 100 });
    for (let i = 0; i < 1000; i++) await store.put(`k${i}`, inBrowser(`browser${i}`), 60);
    expect(store.size).toBe(100);
    expect(await store.take('k899')).toBeUndefined();
    expect(await store.take('k900')).toEqual(inBrowser('browser900'));
    // A browser's list follows what was dropped: it can start sign-ins up to its limit again.
    await store.put('again', inBrowser('browser0'), 60);
    expect(await store.take('again')).toEqual(inBrowser('browser0'));
  });

  it('stores a key given twice once', async () => {
    const store = new MemoryTransactionStore({ maxPerBrowser: 2 });
    await store.put('same', transaction, 60);
    expect(await store.put('same', transaction, 60)).toBe(0);
    await store.put('next', transaction, 60);
    expect(store.size).toBe(2);
  });

  it('refuses limits that bound nothing', () => {
    expect(() => new MemoryTransactionStore({ maxPending: 0 })).toThrow('maxPending must be a whole number of at least 1, got 0');
    expect(() => new MemoryTransactionStore({ maxPerBrowser: Number.POSITIVE_INFINITY })).toThrow('maxPerBrowser');
  });
});
