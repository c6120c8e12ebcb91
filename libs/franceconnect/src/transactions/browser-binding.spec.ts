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

  /** A Set-Cookie header as its `name=value` pair and its attributes by lower-case name. */
  const setCookieParts = (header: string | undefined) => {
    const [pair, ...attributes] = (header ?? '').split('; ');
    return {
      pair,
      attributes: Object.fromEntries(attributes.map((attribute) => {
        const [name = '', value = ''] = attribute.split('=');
        return [name.toLowerCase(), value];
      })),
    };
  };

  /** The attributes every browser-binding cookie carries: a transaction's lifetime, HttpOnly, Lax, Path=/, no Domain. */
  const expectBindingAttributes = (attributes: Record<string, string>, secure: boolean) => {
    expect(attributes).toEqual({
      'max-age': '660',
      path: '/',
      expires: expect.any(String),
      httponly: '',
      samesite: 'Lax',
      ...(secure ? { secure: '' } : {}),
    });
    // Expires says the same as Max-Age, for the browsers that read only Expires.
    expect(Math.abs(Date.parse(attributes['expires'] ?? '') - (Date.now() + 660_000))).toBeLessThan(5_000);
  };

  it('gives a new browser a random key in an HttpOnly, SameSite=Lax cookie that lasts as long as a transaction', async () => {
    const first = await start('');
    const second = await start('');
    expect(first.body.key).toMatch(/^[\w-]{43}$/);
    expect(second.body.key).not.toBe(first.body.key);
    expect(first.setCookie).toHaveLength(1);
    const { pair, attributes } = setCookieParts(first.setCookie[0]);
    expect(pair).toBe(`fc.browser=${first.body.key}`);
    expectBindingAttributes(attributes, false);
  });

  it('uses Secure and the __Host- prefix over https', async () => {
    const { body, setCookie } = await start('?secure=1');
    expect(setCookie).toHaveLength(1);
    const { pair, attributes } = setCookieParts(setCookie[0]);
    expect(pair).toBe(`__Host-fc.browser=${body.key}`);
    expectBindingAttributes(attributes, true);
  });

  it('keeps the key a browser already has, and sets its cookie again', async () => {
    const key = 'k'.repeat(43);
    const { body, setCookie } = await start('', `other=1; fc.browser=${key}; demo.sid=s%3Aabc`);
    expect(body).toEqual({ key, read: key });
    expect(setCookie).toHaveLength(1);
    const { pair, attributes } = setCookieParts(setCookie[0]);
    expect(pair).toBe(`fc.browser=${key}`);
    expectBindingAttributes(attributes, false);
  });

  it('reads the key wherever it sits in the Cookie header, spaces or not', async () => {
    const key = 'k'.repeat(43);
    for (const cookie of [`fc.browser=${key}`, `a=1;fc.browser=${key}`, `a=1;  fc.browser=${key} ;b=2`, `xfc.browser=no; fc.browser=${key}`]) {
      const { body } = await start('', cookie);
      expect(body.read, cookie).toBe(key);
    }
  });

  it('ignores a malformed key, and the cookie of the other scheme', async () => {
    for (const cookie of [
      'fc.browser=short',
      `fc.browser=${'k'.repeat(42)}!`,
      `fc.browser=${'k'.repeat(43)}%21`,
      // The first of two cookies of the same name decides (a browser sends the one of the longer path first).
      `fc.browser=; fc.browser=${'k'.repeat(43)}`,
      `__Host-fc.browser=${'k'.repeat(43)}`,
      `fc.browser.old=${'k'.repeat(43)}`,
    ]) {
      const { body } = await start('', cookie);
      expect(body.read, cookie).toBeNull();
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
