import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSameSite } from './same-site.js';

let server: Server;
let origin: string;
beforeAll(async () => {
  // Express's own request, whose Host header is the one the browser sent.
  server = express()
    .post('/logout', (req, res) => {
      try {
        assertSameSite(req);
        res.json({ refused: null });
      } catch (error) {
        const { code, status, message } = error as { code: string; status: number; message: string };
        res.json({ refused: { code, status, message } });
      }
    })
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

/** Posts to the logout route with these headers; the refusal's code, or `null` when let through. */
async function refusal(headers: (origin: string) => Record<string, string>): Promise<string | null> {
  const answer = await fetch(`${origin}/logout`, { method: 'POST', headers: headers(origin) });
  const { refused } = (await answer.json()) as { refused: { code: string; status: number; message: string } | null };
  if (refused) {
    expect(refused.status).toBe(403);
    expect(refused.message).toBe('Logout must be requested from this site');
  }
  return refused?.code ?? null;
}

describe('assertSameSite', () => {
  it.each<[string, (origin: string) => Record<string, string>]>([
    ['a client that is no browser (neither header)', () => ({})],
    ['a form of this site (same-origin, its Origin)', (self) => ({ 'sec-fetch-site': 'same-origin', origin: self })],
    ['a navigation the person started (Sec-Fetch-Site none)', () => ({ 'sec-fetch-site': 'none' })],
    ['an older browser sending only Origin, this one', (self) => ({ origin: self })],
    ['a browser sending only Sec-Fetch-Site same-origin', () => ({ 'sec-fetch-site': 'same-origin' })],
  ])('lets through %s', async (_request, headers) => {
    expect(await refusal(headers)).toBeNull();
  });

  it.each<[string, (origin: string) => Record<string, string>]>([
    ['a page of another site', () => ({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' })],
    ['a sibling subdomain (same-site is not same-origin)', () => ({ 'sec-fetch-site': 'same-site' })],
    ['Sec-Fetch-Site cross-site alone', () => ({ 'sec-fetch-site': 'cross-site' })],
    ['an unknown Sec-Fetch-Site value', () => ({ 'sec-fetch-site': 'sideways' })],
    ['an older browser sending another Origin', () => ({ origin: 'https://evil.example' })],
    ['the same host name on another port', (self) => ({ origin: self.replace(/:\d+$/, ':1') })],
    ['an opaque origin (sandboxed frame, data: URL)', () => ({ origin: 'null' })],
    ['an Origin that is not a URL', () => ({ origin: 'not a url' })],
    ['Sec-Fetch-Site same-origin contradicted by another Origin', () => ({ 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' })],
  ])('refuses %s', async (_request, headers) => {
    expect(await refusal(headers)).toBe('FC_CROSS_SITE_REQUEST');
  });
});

describe('assertSameSite behind a proxy that rewrites Host', () => {
  let proxied: Server;
  let address: string;
  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', 'loopback');
    proxied = app
      .post('/logout', (req, res) => {
        try {
          assertSameSite(req);
          res.json({ refused: null });
        } catch (error) {
          res.json({ refused: (error as { code: string }).code });
        }
      })
      .listen(0, '127.0.0.1');
    await new Promise((resolve) => proxied.once('listening', resolve));
    address = `http://127.0.0.1:${(proxied.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => proxied.close(resolve)));

  async function post(headers: Record<string, string>): Promise<string | null> {
    const answer = await fetch(`${address}/logout`, { method: 'POST', headers });
    return ((await answer.json()) as { refused: string | null }).refused;
  }

  it("lets through this site's form, the host it was asked for in X-Forwarded-Host", async () => {
    const headers = { host: 'app:3000', 'x-forwarded-host': 'service.example.fr', 'x-forwarded-proto': 'https', 'sec-fetch-site': 'same-origin' };
    expect(await post({ ...headers, origin: 'https://service.example.fr' })).toBeNull();
  });

  it('still refuses another site there', async () => {
    const headers = { host: 'app:3000', 'x-forwarded-host': 'service.example.fr', 'x-forwarded-proto': 'https' };
    expect(await post({ ...headers, origin: 'https://evil.example' })).toBe('FC_CROSS_SITE_REQUEST');
    expect(await post({ ...headers, origin: 'https://app:3000' })).toBe('FC_CROSS_SITE_REQUEST');
  });
});
