import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedFetch } from './timed-fetch.js';

const OPTIONS = { method: 'GET', headers: {}, redirect: 'manual', body: undefined } as const;

describe('timedFetch', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-method': req.method ?? '' }).end('{"ok":true}');
      } else if (req.url === '/empty') {
        res.writeHead(204).end();
      } else if (req.url === '/stalled-body') {
        // Headers at once, then a body that never ends: the deadline covers the body too.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const timers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

  it('hands on the status, headers and body, and leaves no timer behind', async () => {
    const before = timers();
    const response = await timedFetch(5000)(`${base}/json`, { ...OPTIONS, method: 'POST', body: 'a=b' });
    expect(timers()).toBe(before);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-request-method')).toBe('POST');
    expect(await response.json()).toEqual({ ok: true });
  });

  it('hands on error statuses and bodiless answers as they are', async () => {
    const notFound = await timedFetch(5000)(`${base}/missing`, OPTIONS);
    expect([notFound.status, await notFound.text()]).toEqual([404, 'not found']);
    const empty = await timedFetch(5000)(`${base}/empty`, OPTIONS);
    expect([empty.status, empty.body]).toEqual([204, null]);
  });

  it('fails with a TimeoutError when the body does not come within the deadline', async () => {
    const started = Date.now();
    await expect(timedFetch(150)(`${base}/stalled-body`, OPTIONS)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("still honours the caller's own signal", async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('stopped', 'AbortError'));
    await expect(timedFetch(5000)(`${base}/json`, { ...OPTIONS, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
