import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformAnswerTooLargeError } from '../errors/franceconnect.errors.js';
import { limitAnswerSize } from './answer-size-limit.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const size = Number(new URL(req.url!, 'http://x').searchParams.get('size'));
    const body = 'x'.repeat(size);
    if (req.url!.startsWith('/declared')) res.writeHead(200, { 'content-length': String(size) }).end(body);
    else {
      // Chunked, without a length: the limit must count what arrives.
      res.writeHead(200);
      for (let sent = 0; sent < size; sent += 1000) res.write(body.slice(sent, sent + 1000));
      res.end();
    }
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const limited = limitAnswerSize((url, options) => fetch(url, options as RequestInit), 10_000, 'fcp');

describe('limitAnswerSize', () => {
  it('passes an answer up to the limit, whole', async () => {
    for (const path of ['/declared', '/streamed']) {
      expect(await (await limited(`${base}${path}?size=10000`, {} as never)).text()).toHaveLength(10_000);
    }
  });

  it('refuses an answer that declares more, before reading it', async () => {
    await expect(limited(`${base}/declared?size=10001`, {} as never)).rejects.toBeInstanceOf(PlatformAnswerTooLargeError);
  });

  it('cuts an answer that sends more without declaring it', async () => {
    const response = await limited(`${base}/streamed?size=5000000`, {} as never);
    const error = await response.text().then(() => undefined, (failure: unknown) => failure);
    expect(error).toBeInstanceOf(PlatformAnswerTooLargeError);
    expect((error as PlatformAnswerTooLargeError).platform).toBe('fcp');
  });
});
