import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMicros, requestCpuHandler, type RequestCpu } from '../../bench/processes/ipc.js';

/** Keeps this thread busy for `ms` milliseconds of CPU time. */
function burn(ms: number): void {
  const until = cpuMicros() + ms * 1000;
  while (cpuMicros() < until) {
    // busy
  }
}

describe("the benchmarks' split of a process's CPU between its requests", () => {
  let server: Server;
  let base: string;
  let requestCpu: () => RequestCpu;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/busy')) burn(40);
      res.writeHead(303, { location: '/' }).end();
    });
    requestCpu = requestCpuHandler(server) as () => RequestCpu;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`, { redirect: 'manual' });
    await response.arrayBuffer();
  };

  it('counts a request by its path (without the query), the rest between requests, and adds up to the total', async () => {
    const first = requestCpu();
    expect(first).toEqual({ byPath: {}, between: 0 });
    const before = cpuMicros();

    await get('/busy?round=1');
    burn(40);
    await get('/quick?round=1');
    await get('/busy?round=2');

    const split = requestCpu();
    const total = cpuMicros() - before;
    expect(Object.keys(split.byPath).sort()).toEqual(['/busy', '/quick']);
    // Two busy requests of 40 ms each; the client's own work while they were in flight counts too.
    expect(split.byPath['/busy']).toBeGreaterThanOrEqual(75_000);
    expect(split.byPath['/quick']).toBeLessThan(20_000);
    // The 40 ms burnt between two requests count there, not with the request before.
    expect(split.between).toBeGreaterThanOrEqual(38_000);
    const counted = split.byPath['/busy']! + split.byPath['/quick']! + split.between;
    expect(Math.abs(counted - total)).toBeLessThan(2_000);
  });
});
