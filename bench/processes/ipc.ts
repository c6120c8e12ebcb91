/**
 * The child side of a benchmark process: answers the parent's requests over the IPC channel of
 * `child_process.fork()`. Every process answers `cpu` (its own `process.cpuUsage()`), `memory` (after a
 * full garbage collection when started with `--expose-gc`), `gcPause` (milliseconds spent in garbage
 * collection pauses so far, young-generation collections apart), `heapSnapshot` and `stop`; each adds its
 * own commands. An HTTP party also answers `requestCpu` (see {@link requestCpuHandler}).
 *
 * The parent reads the CPU time of a process through these requests, so the figures count the work of
 * that process only: not the driver, not the other processes of the benchmark.
 */
import type { Server } from 'node:http';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

/** A command handler: receives the request's argument, returns what is sent back. */
export type Handler = (argument: unknown) => unknown;

/** A request from the parent. */
interface Request {
  readonly id: number;
  readonly command: string;
  readonly argument?: unknown;
}

/** CPU time of this process so far, in microseconds (user + system). */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Memory of this process, after a full collection when `global.gc` is available. */
export function memory(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage();
}

/** Milliseconds the main thread spent in garbage collection pauses so far. */
export interface GcPauses {
  /** Young-generation collections (scavenges). */
  readonly young: number;
  /** Every other kind: major (mark-compact), incremental marking steps, weak callbacks. */
  readonly other: number;
}

/** CPU time of this process so far (microseconds), split by what it was doing: see {@link requestCpuHandler}. */
export interface RequestCpu {
  /** While a request to this path was in flight, by path (without the query). */
  readonly byPath: Readonly<Record<string, number>>;
  /** While no request was in flight. */
  readonly between: number;
}

/**
 * Splits the CPU time of an HTTP server's process between its requests (by path) and the time between
 * them, and returns the `requestCpu` command that reports the running totals. The split starts at the
 * first `requestCpu`, so that the benchmarks that do not ask for it pay nothing for it. A request counts
 * from its `request` event until the turn of the event loop after its response finished, so that what
 * the response's completion schedules is counted with it. `process.cpuUsage()` counts every thread of the
 * process: the work of helper threads (WebCrypto jobs, parallel garbage collection) counts where it
 * happens. Meant for requests made one at a time, as the benchmarks make them; overlapping requests are
 * counted with the path of the first.
 */
export function requestCpuHandler(server: Server): Handler {
  const byPath: Record<string, number> = {};
  let between = 0;
  let current: string | undefined;
  let inFlight = 0;
  let mark: number | undefined;
  const account = (): void => {
    const now = cpuMicros();
    if (current === undefined) between += now - mark!;
    else byPath[current] = (byPath[current] ?? 0) + now - mark!;
    mark = now;
  };
  const start = (): void => {
    mark = cpuMicros();
    server.prependListener('request', (req, res) => {
      account();
      inFlight++;
      current ??= (req.url ?? '/').split('?')[0]!;
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        setImmediate(() => {
          account();
          if (--inFlight === 0) current = undefined;
        });
      };
      res.on('finish', end);
      res.on('close', end);
    });
  };
  return () => {
    if (mark === undefined) start();
    else account();
    return { byPath: { ...byPath }, between } satisfies RequestCpu;
  };
}

/** The configuration the parent gave this process (JSON in `BENCH_CHILD_CONFIG`). */
export function childConfig<T>(): T {
  const raw = process.env['BENCH_CHILD_CONFIG'];
  if (!raw) throw new Error('BENCH_CHILD_CONFIG is not set: this file is started by a benchmark under bench/');
  return JSON.parse(raw) as T;
}

/**
 * Answers the parent's requests with `handlers` (plus `cpu`, `memory` and `stop`), then tells the
 * parent this process is ready, with `ready` as the payload. `heapSnapshot` writes a V8 heap snapshot
 * (after a full collection) to the file it is given, to look for memory that sign-ins leave behind.
 */
export function serve(handlers: Record<string, Handler>, ready: unknown, stop: () => Promise<void> = async () => undefined): void {
  // Time the main thread spent in garbage collection pauses, reported by `gcPause`.
  const gcPauseMs = { young: 0, other: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcPauseMs.young += entry.duration;
      else gcPauseMs.other += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const all: Record<string, Handler> = {
    cpu: () => cpuMicros(),
    memory: () => memory(),
    gcPause: (): GcPauses => ({ ...gcPauseMs }),
    heapSnapshot: (file) => {
      memory();
      return writeHeapSnapshot(String(file));
    },
    ...handlers,
    stop: async () => {
      await stop();
      setImmediate(() => process.exit(0));
      return true;
    },
  };
  process.on('message', (message: Request) => {
    const handler = all[message.command];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.command}`);
        return handler(message.argument);
      })
      .then(
        (result) => process.send?.({ id: message.id, result }),
        (error: unknown) => process.send?.({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
  process.send?.({ ready });
}

/** Reports a start-up failure to the parent, then exits. */
export function failStart(error: unknown): void {
  const failed = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (!process.send) {
    console.error(failed);
    process.exit(1);
  }
  process.send({ failed }, () => process.exit(1));
}
