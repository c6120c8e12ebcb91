import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserBinding, browserKeyForSignIn, readBrowserKey } from './browser-binding.js';

describe('browser binding', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.get('/start', (req, res) => {
      const secure = req.query.secure === '1';
      const key = browserKeyForSignIn(req, { secure, maxAgeSeconds: 660 });
      res.json({ key, read: readBrowserKey(req, secure) ?? null });
    });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const start = async (query: string, cookie?: string) => {
    const response = await fetch(`${base}/start${query}`, { headers: cookie ? { cookie } : {} });
    return { body: (await response.json()) as { key: string; read: string | null }, setCookie: response.headers.getSetCookie() };
  };

  it('gives a new browser a random key in an HttpOnly, SameSite=Lax cookie that lasts as long as a transaction', async () => {
    const first = await start('');
    const second = await start('');
    expect(first.body.key).toMatch(/^[\w-]{43}$/);
    expect(second.body.key).not.toBe(first.body.key);
    expect(first.setCookie).toEqual([`fc.browser=${first.body.key}; Path=/; Max-Age=660; HttpOnly; SameSite=Lax`]);
  });

  it('uses Secure and the __Host- prefix over https', async () => {
    const { body, setCookie } = await start('?secure=1');
    expect(setCookie).toEqual([`__Host-fc.browser=${body.key}; Path=/; Max-Age=660; HttpOnly; SameSite=Lax; Secure`]);
  });

  it('keeps the key a browser already has, and sets its cookie again', async () => {
    const key = 'k'.repeat(43);
    const { body, setCookie } = await start('', `other=1; fc.browser=${key}; demo.sid=s%3Aabc`);
    expect(body).toEqual({ key, read: key });
    expect(setCookie).toEqual([`fc.browser=${key}; Path=/; Max-Age=660; HttpOnly; SameSite=Lax`]);
  });

  it('ignores a malformed key, and the cookie of the other scheme', async () => {
    for (const cookie of ['fc.browser=short', `fc.browser=${'k'.repeat(42)}!`, `__Host-fc.browser=${'k'.repeat(43)}`]) {
      const { body } = await start('', cookie);
      expect(body.read).toBeNull();
      expect(body.key).not.toBe('k'.repeat(43));
    }
  });

  it('keeps only a hash of the key', () => {
    const key = 'k'.repeat(43);
    expect(browserBinding(key)).toMatch(/^[\w-]{43}$/);
    expect(browserBinding(key)).not.toContain(key);
    expect(browserBinding(key)).toBe(browserBinding(key));
    expect(browserBinding(`${'k'.repeat(42)}j`)).not.toBe(browserBinding(key));
  });

  it('reads nothing from a request without cookies', () => {
    expect(readBrowserKey({ headers: {} } as Request, false)).toBeUndefined();
  });
});
