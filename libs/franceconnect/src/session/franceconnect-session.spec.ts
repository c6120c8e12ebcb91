import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import { afterEach, describe, expect, it } from 'vitest';
import { franceConnectSession, type FranceConnectSessionOptions } from './franceconnect-session.js';
import { storeSignedIn, type FcIdentity } from './session-state.js';

const OLD = 'old-secret-0123456789abcdef0123456789';
const NEW = 'new-secret-0123456789abcdef0123456789';

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

/** A tiny app: `/in` signs in (writes the session), `/who` reads it. */
async function app(options: FranceConnectSessionOptions): Promise<string> {
  const server = express()
    // Behind a TLS-terminating proxy, as in production: express-session sets a Secure cookie only on https.
    .set('trust proxy', 1)
    .use(franceConnectSession(options))
    .get('/in', (req, res) => {
      req.session.franceconnect = { current: 'fcp' };
      res.send('ok');
    })
    .get('/who', (req, res) => {
      res.json({ current: req.session.franceconnect?.current ?? null });
    })
    .listen(0);
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('franceConnectSession', () => {
  it('sets an HttpOnly, SameSite=Lax, Secure, __Host- cookie over https', async () => {
    const url = await app({ secrets: NEW, store: new session.MemoryStore() });
    const cookie = (await fetch(`${url}/in`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-fc\.sid=/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Domain=/);
  });

  it('left unset, follows each request: plain on http://localhost, Secure and __Host- over https', async () => {
    const url = await app({ secrets: NEW, store: new session.MemoryStore() });
    const overHttp = (await fetch(`${url}/in`)).headers.get('set-cookie')!;
    expect(overHttp).toMatch(/^fc\.sid=/);
    expect(overHttp).not.toMatch(/Secure/);
    const overHttps = (await fetch(`${url}/in`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('set-cookie')!;
    expect(overHttps).toMatch(/^__Host-fc\.sid=.*; Secure/);
    // Each reads its own: the http session is not the https one.
    const answer = await fetch(`${url}/who`, { headers: { cookie: overHttp.split(';')[0]! } });
    expect(await answer.json()).toEqual({ current: 'fcp' });
  });

  it('is always Secure in production, where an http request gets no cookie', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const url = await app({ secrets: NEW, store: new session.MemoryStore() });
      expect((await fetch(`${url}/in`)).headers.get('set-cookie')).toBeNull();
      expect((await fetch(`${url}/in`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('set-cookie')).toMatch(/^__Host-fc\.sid=.*; Secure/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('drops Secure and the __Host- prefix for http development only when asked', async () => {
    const url = await app({ secrets: NEW, secure: false });
    const cookie = (await fetch(`${url}/in`)).headers.get('set-cookie')!;
    expect(cookie).toMatch(/^fc\.sid=/);
    expect(cookie).not.toMatch(/Secure/);
  });

  it('accepts cookies signed with an older secret listed second, and signs with the first', async () => {
    const store = new session.MemoryStore();
    const before = await app({ secrets: OLD, secure: false, store });
    const cookie = (await fetch(`${before}/in`)).headers.get('set-cookie')!.split(';')[0];
    const rotated = await app({ secrets: [NEW, OLD], secure: false, store });
    const answer = await fetch(`${rotated}/who`, { headers: { cookie } });
    expect(await answer.json()).toEqual({ current: 'fcp' });
    const resigned = answer.headers.get('set-cookie')!.split(';')[0];
    expect(resigned).not.toBe(cookie);
    const withoutOld = await app({ secrets: [NEW], secure: false, store });
    expect(await (await fetch(`${withoutOld}/who`, { headers: { cookie: resigned } })).json()).toEqual({ current: 'fcp' });
    expect(await (await fetch(`${withoutOld}/who`, { headers: { cookie } })).json()).toEqual({ current: null });
  });

  it('ends a session past its absolute lifetime, whatever the activity', async () => {
    const url = await app({ secrets: NEW, secure: false, absoluteTimeoutSeconds: 1 });
    const cookie = (await fetch(`${url}/in`)).headers.get('set-cookie')!.split(';')[0];
    expect(await (await fetch(`${url}/who`, { headers: { cookie } })).json()).toEqual({ current: 'fcp' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await (await fetch(`${url}/who`, { headers: { cookie } })).json()).toEqual({ current: null });
  });

  it('answers 503 without a stack trace when the store fails, and reads nothing elsewhere', async () => {
    const store = new session.MemoryStore();
    const url = await app({ secrets: NEW, secure: false, store });
    const cookie = (await fetch(`${url}/in`)).headers.get('set-cookie')!.split(';')[0];
    store.get = (_sid, callback) => callback(new Error('connection refused'));
    const answer = await fetch(`${url}/who`, { headers: { cookie, accept: 'application/json' } });
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({ code: 'FC_SESSION_STORE_UNAVAILABLE', error: 'temporarily_unavailable' });
  });

  describe('a sign-in stored in the session', () => {
    const identity: FcIdentity = {
      platform: 'fcp',
      sub: 'sub-1',
      acr: 'eidas2',
      amr: [],
      claims: {},
      idToken: 'header.payload.signature',
      signedInAt: 0,
    };

    /** A memory store that counts the sessions destroyed in it. */
    class CountingStore extends session.MemoryStore {
      destroyed = 0;
      override destroy(sid: string, callback?: (error?: unknown) => void): void {
        this.destroyed++;
        super.destroy(sid, callback);
      }
    }

    /** `/visit` writes the session (an application's own page), `/sign-in` stores a sign-in. */
    async function signInApp(middleware: express.RequestHandler): Promise<string> {
      const server = express()
        .use(middleware)
        .get('/visit', (req, res) => {
          (req.session as unknown as Record<string, unknown>)['visited'] = true;
          res.send('ok');
        })
        .get('/sign-in', (req, res, next) => {
          const before = req.sessionID;
          storeSignedIn(req, identity, { token: 'access-token', expiresAt: Date.now() + 60_000 }, undefined, true).then(() => res.json({ before, after: req.sessionID }), next);
        })
        .listen(0);
      servers.push(server);
      await new Promise((resolve) => server.once('listening', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    const sid = (answer: Response): string => decodeURIComponent(answer.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!);
    const stored = (store: CountingStore): string[] => Object.keys((store as unknown as { sessions: object }).sessions);

    /** A sign-in on `url`, with the session cookie `cookie` when given: the session ids before and after it. */
    async function signIn(url: string, cookie?: string): Promise<{ answer: Response; before: string; after: string }> {
      const answer = await fetch(`${url}/sign-in`, cookie ? { headers: { cookie } } : {});
      return { answer, ...((await answer.json()) as { before: string; after: string }) };
    }

    /** A store, an app on franceConnectSession() and, after a visit that wrote the session, its cookie. */
    async function visited(): Promise<{ store: CountingStore; url: string; visit: Response; cookie: string }> {
      const store = new CountingStore();
      const url = await signInApp(franceConnectSession({ secrets: NEW, secure: false, store }));
      const visit = await fetch(`${url}/visit`);
      return { store, url, visit, cookie: visit.headers.get('set-cookie')!.split(';')[0]! };
    }

    it('keeps the id drawn for this very request, and destroys nothing', async () => {
      const store = new CountingStore();
      const { answer, before, after } = await signIn(await signInApp(franceConnectSession({ secrets: NEW, secure: false, store })));
      expect(after).toBe(before);
      expect(after).toMatch(/^[\w-]{32}$/);
      expect(sid(answer)).toMatch(new RegExp(`^s:${after}\\.`));
      expect(store.destroyed).toBe(0);
      expect(stored(store)).toEqual([after]);
    });

    it('gives a session the store already held a new id, and destroys the old one', async () => {
      const { store, url, visit, cookie } = await visited();
      const { before, after } = await signIn(url, cookie);
      expect(sid(visit)).toMatch(new RegExp(`^s:${before}\\.`));
      expect(after).not.toBe(before);
      expect(store.destroyed).toBe(1);
      expect(stored(store)).toEqual([after]);
    });

    it('gives a new id to a session id the store does not know (a cookie made up or expired)', async () => {
      const { store, url, visit, cookie } = await visited();
      store.clear();
      const { before, after } = await signIn(url, cookie);
      expect(sid(visit)).not.toMatch(new RegExp(`^s:${after}\\.`));
      expect(after).toBe(before);
    });

    it('regenerates every session under express-session used directly', async () => {
      const store = new CountingStore();
      const { before, after } = await signIn(await signInApp(session({ secret: NEW, store, resave: false, saveUninitialized: false })));
      expect(after).not.toBe(before);
      expect(store.destroyed).toBe(1);
    });
  });

  it('refuses short secrets at start-up', () => {
    expect(() => franceConnectSession({ secrets: 'short' })).toThrow(/at least 32 characters/);
  });
});
