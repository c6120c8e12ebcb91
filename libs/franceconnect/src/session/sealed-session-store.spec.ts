import session, { type SessionData } from 'express-session';
import { describe, expect, it } from 'vitest';
import { SealedSessionStore } from './sealed-session-store.js';
import { endSessionsOfAccount, registerSessionStore } from './session-ending.js';

const SECRET = 'a-session-encryption-secret-of-32-chars-or-more';
const NEXT_SECRET = 'the-next-session-encryption-secret-32-chars-or-more';

const signedIn = (accountId: string): SessionData =>
  ({
    cookie: { originalMaxAge: 60_000 },
    visits: 3,
    franceconnect: { current: 'fc', account: { status: 'linked', accountId }, identities: { fc: { sub: 'sub-1', idToken: 'eyJ.a.b' } } },
  }) as unknown as SessionData;

const call = <T>(run: (callback: (error: unknown, value?: T | null) => void) => void): Promise<T | null | undefined> =>
  new Promise((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))));

describe('SealedSessionStore', () => {
  it("stores the library's data sealed and the rest as it was, and opens it again", async () => {
    const inner = new session.MemoryStore();
    const store = new SealedSessionStore(inner, [SECRET]);
    await call((done) => store.set('sid-1', signedIn('account-1'), done));
    const raw = await call<SessionData>((done) => inner.get('sid-1', done));
    expect(raw).not.toHaveProperty('franceconnect');
    expect(JSON.stringify(raw)).not.toMatch(/account-1|sub-1|eyJ/);
    expect(raw).toMatchObject({ visits: 3, franceconnectSealed: expect.stringMatching(/^v1\.[\w-]{8}\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/) });
    expect(await call<SessionData>((done) => store.get('sid-1', done))).toEqual(signedIn('account-1'));
  });

  it('opens with every secret and seals with the first, so a secret can be rotated', async () => {
    const inner = new session.MemoryStore();
    await call((done) => new SealedSessionStore(inner, [SECRET]).set('sid-1', signedIn('account-1'), done));
    const rotated = new SealedSessionStore(inner, [NEXT_SECRET, SECRET]);
    expect(await call<SessionData>((done) => rotated.get('sid-1', done))).toEqual(signedIn('account-1'));
    // Without the old secret the data does not open: the session is kept, signed out.
    const opened = await call<SessionData>((done) => new SealedSessionStore(inner, [NEXT_SECRET]).get('sid-1', done));
    expect(opened).toEqual({ cookie: { originalMaxAge: 60_000 }, visits: 3 });
  });

  it('drops a value no secret opens from the store, once', async () => {
    const inner = new session.MemoryStore();
    await call((done) => new SealedSessionStore(inner, [SECRET]).set('sid-1', signedIn('account-1'), done));
    await call((done) => new SealedSessionStore(inner, [NEXT_SECRET]).get('sid-1', done));
    expect(await call<SessionData>((done) => inner.get('sid-1', done))).toEqual({ cookie: { originalMaxAge: 60_000 }, visits: 3 });
  });

  it('renews an unchanged session without sealing it again, and does not touch through a store that cannot', async () => {
    const inner = new session.MemoryStore();
    const store = new SealedSessionStore(inner, [SECRET]);
    await call((done) => store.set('sid-1', signedIn('account-1'), done));
    const sealed = ((await call<SessionData>((done) => inner.get('sid-1', done))) as { franceconnectSealed?: string }).franceconnectSealed;
    const renewed = { ...signedIn('account-1'), cookie: { originalMaxAge: 120_000 } } as unknown as SessionData;
    await new Promise<void>((resolve) => store.touch('sid-1', renewed, resolve));
    const raw = await call<SessionData>((done) => inner.get('sid-1', done));
    // The expiry is renewed; the sealed value is the one stored at the last change, not a new sealing.
    expect(raw).toMatchObject({ cookie: { originalMaxAge: 120_000 }, franceconnectSealed: sealed });

    // express-session touches only stores with touch(): sealing must not add one (it would write every request).
    const withoutTouch = Object.assign(new session.MemoryStore(), { touch: undefined });
    expect(typeof new SealedSessionStore(withoutTouch, [SECRET]).touch).toBe('undefined');
  });

  it('reads a session stored in clear before sealing was turned on', async () => {
    const inner = new session.MemoryStore();
    await call((done) => inner.set('sid-1', signedIn('account-1'), done));
    expect(await call<SessionData>((done) => new SealedSessionStore(inner, [SECRET]).get('sid-1', done))).toEqual(signedIn('account-1'));
  });
});

describe('endSessionsOfAccount', () => {
  it("destroys the account's sessions in every registered store, sealed or not, and no one else's", async () => {
    const plain = new session.MemoryStore();
    const sealed = new SealedSessionStore(new session.MemoryStore(), [SECRET]);
    registerSessionStore(plain);
    registerSessionStore(sealed);
    await call((done) => plain.set('a1', signedIn('erased'), done));
    await call((done) => plain.set('b1', signedIn('kept'), done));
    await call((done) => sealed.set('a2', signedIn('erased'), done));
    await call((done) => sealed.set('b2', signedIn('kept'), done));
    expect(await endSessionsOfAccount('erased')).toBe(2);
    expect(await call((done) => plain.get('a1', done))).toBeFalsy();
    expect(await call((done) => sealed.get('a2', done))).toBeFalsy();
    expect(await call((done) => plain.get('b1', done))).toBeTruthy();
    expect(await call((done) => sealed.get('b2', done))).toBeTruthy();
  });
});
