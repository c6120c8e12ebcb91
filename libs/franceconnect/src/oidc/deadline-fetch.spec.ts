import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineFetch } from './deadline-fetch.js';

const GET = { method: 'GET', headers: {}, redirect: 'manual', body: undefined } as const;

describe('deadlineFetch', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-method': req.method ?? '' }).end('{"ok":true}');
      } else if (req.url === '/stalled-headers') {
        // Never answers.
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

  it('hands on the answer as it came: status, headers and body', async () => {
    const fetchWithDeadline = deadlineFetch(5000);
    const response = await fetchWithDeadline(`${base}/json`, { ...GET, method: 'POST', body: 'a=b' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-method')).toBe('POST');
    expect(await response.json()).toEqual({ ok: true });
    const notFound = await fetchWithDeadline(`${base}/missing`, GET);
    expect([notFound.status, await notFound.text()]).toEqual([404, 'not found']);
  });

  it('fails with a TimeoutError when the headers do not come within the deadline', async () => {
    const started = Date.now();
    await expect(deadlineFetch(150)(`${base}/stalled-headers`, GET)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('fails with a TimeoutError when the body does not come within the deadline', async () => {
    const response = await deadlineFetch(150)(`${base}/stalled-body`, GET);
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('aborts an answer still unread at its deadline, as the timeout of openid-client did', async () => {
    const response = await deadlineFetch(100)(`${base}/json`, GET);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(response.text()).rejects.toMatchObject({ name: expect.stringMatching(/^(AbortError|TimeoutError)$/) });
  });

  it('gives each request its own deadline, from when it started', async () => {
    const fetchWithDeadline = deadlineFetch(300);
    const failure = (answer: Promise<Response>) =>
      answer.then(
        () => ({ error: new Error('answered'), at: Date.now() }),
        (error: Error) => ({ error, at: Date.now() }),
      );
    const first = failure(fetchWithDeadline(`${base}/stalled-headers`, GET));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = failure(fetchWithDeadline(`${base}/stalled-headers`, GET));
    const answered = await fetchWithDeadline(`${base}/json`, GET);
    expect(await answered.json()).toEqual({ ok: true });
    const [a, b] = await Promise.all([first, second]);
    expect([a.error.name, b.error.name]).toEqual(['TimeoutError', 'TimeoutError']);
    // The second request was not cut short by the first one's deadline.
    expect(b.at - a.at).toBeGreaterThanOrEqual(150);
  });

  it('keeps one timer for any number of requests, and none once every deadline has passed', async () => {
    // The deadlines of the tests above have passed.
    await new Promise((resolve) => setTimeout(resolve, 350));
    const before = timers();
    const fetchWithDeadline = deadlineFetch(100);
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetchWithDeadline(`${base}/json`, GET)));
    await Promise.all(answers.map((answer) => answer.json()));
    expect(timers()).toBeLessThanOrEqual(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(timers()).toBe(before);
  });

  it("still honours the caller's own signal", async () => {
    const controller = new AbortController();
    controller.abort(new DOMException('stopped', 'AbortError'));
    await expect(deadlineFetch(5000)(`${base}/json`, { ...GET, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
