import { isReadable } from 'node:stream';
import type * as client from 'openid-client';

/** At most how late a deadline ends, in milliseconds (also at most a tenth of the timeout). */
const MAX_BATCH_MS = 250;

/** The reason of every deadline abort: made once, so that a deadline costs no error object of its own. */
const DEADLINE_PASSED = new DOMException('The platform did not answer in time', 'TimeoutError');

/**
 * `fetch` for openid-client, with a deadline over each whole exchange with a platform (headers and body):
 * `timeoutMs` after a request starts, its signal is aborted with a `TimeoutError`, as openid-client's own
 * timeout would, so a platform that does not answer in time is "unavailable".
 *
 * openid-client's own timeout is an `AbortSignal.timeout()` per request: a timer each, and undici keeps
 * the signal alive until the request's objects are garbage-collected, so most of these timers fire
 * `timeoutMs` later, long after their request ended, each building a `DOMException` with its stack and
 * dispatching an abort event. Here the deadlines of all requests share one timer: they are kept in the
 * order they end (one `timeoutMs` for all), and the timer, set a little after the earliest (a tenth of
 * `timeoutMs`, at most 250 ms), ends every deadline that has passed: a request still waiting for its
 * answer, or whose body is still coming, is aborted with one shared reason; an answer already read to
 * its end is left alone. Then the timer is set for the next. The response is undici's own, untouched.
 *
 * @param timeoutMs how long a request to the platform may take, headers and body, in milliseconds.
 */
export function deadlineFetch(timeoutMs: number): client.CustomFetch {
  /** Requests in the order their deadlines pass (one timeout for all), with their answer once it came. */
  const pending: { readonly controller: AbortController; readonly deadline: number; response?: Response }[] = [];
  let timer: NodeJS.Timeout | undefined;
  // The timer fires this long after the earliest deadline, so that one firing ends every deadline that
  // passed meanwhile rather than one request's each.
  const batchMs = Math.min(MAX_BATCH_MS, timeoutMs / 10);

  const schedule = (delayMs: number): void => {
    // Never holds the process open: a deadline only matters to a request that something awaits.
    timer = setTimeout(expire, Math.max(1, Math.ceil(delayMs))).unref();
  };
  const expire = (): void => {
    timer = undefined;
    const now = performance.now();
    let passed = 0;
    while (passed < pending.length && pending[passed]!.deadline <= now) passed++;
    for (const { controller, response } of pending.splice(0, passed)) {
      // An answer read to its end needs no abort: it would only wake undici's listeners for nothing.
      if (response && (response.body === null || !isReadable(response.body as unknown as NodeJS.ReadableStream))) continue;
      controller.abort(DEADLINE_PASSED);
    }
    if (pending.length > 0) schedule(pending[0]!.deadline - now + batchMs);
  };

  return (url, options) => {
    const controller = new AbortController();
    const entry: (typeof pending)[number] = { controller, deadline: performance.now() + timeoutMs };
    pending.push(entry);
    if (timer === undefined) schedule(timeoutMs + batchMs);
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    return fetch(url, { ...(options as RequestInit), signal }).then((response) => {
      entry.response = response;
      return response;
    });
  };
}
