import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wantsHtml } from './content-negotiation.js';

let server: Server;
let url: string;
beforeAll(async () => {
  // Express's own request object: the negotiation is the one `req.accepts()` does.
  server = express()
    .get('/', (req, res) => {
      res.json({ html: wantsHtml(req) });
    })
    .listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

async function negotiated(accept: string | undefined): Promise<boolean> {
  // fetch sends `*/*` when no Accept is given: an empty one stands for a client that sends none.
  const answer = await fetch(url, { headers: { accept: accept ?? '' } });
  return ((await answer.json()) as { html: boolean }).html;
}

describe('wantsHtml', () => {
  it.each([
    ['a browser navigating', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['a browser that lists HTML only by family', 'text/*', true],
    ['an HTML-only client', 'text/html', true],
    ['a client preferring HTML over JSON', 'application/json;q=0.5, text/html', true],
    ['an API client', 'application/json', false],
    ['a client preferring JSON over HTML', 'text/html;q=0.5, application/json', false],
    ['a client listing JSON first at the same weight', 'application/json, text/html', false],
    ['a client accepting anything', '*/*', false],
    ['a client sending no Accept', undefined, false],
    ['a client accepting neither', 'application/xml', false],
  ])('%s (%s): %s', async (_client, accept, html) => {
    expect(await negotiated(accept)).toBe(html);
  });
});
