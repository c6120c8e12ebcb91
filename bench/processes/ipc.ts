/**
 * The child side of a benchmark process: answers the parent's requests over the IPC channel of
 * `child_process.fork()`. Every process answers `cpu` (its own `process.cpuUsage()`), `memory` (after a
 * full garbage collection when started with `--expose-gc`), `gcPause` (milliseconds spent in garbage
 * collection pauses so far), `heapSnapshot` and `stop`; each adds its own commands.
 *
 * The parent reads the CPU time of a process through these requests, so the figures count the work of
 * that process only: not the driver, not the other processes of the benchmark.
 */
import { PerformanceObserver } from 'node:perf_hooks';
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
  let gcPauseMs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauseMs += entry.duration;
  }).observe({ entryTypes: ['gc'] });
  const all: Record<string, Handler> = {
    cpu: () => cpuMicros(),
    memory: () => memory(),
    gcPause: () => gcPauseMs,
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
