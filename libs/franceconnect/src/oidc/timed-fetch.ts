import type * as client from 'openid-client';

/** Statuses whose response has no body: a `Response` built with one would throw. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` for openid-client with a deadline that covers the whole exchange with the platform, headers
 * and body, and ends with it.
 *
 * openid-client's own timeout is an `AbortSignal.timeout()` per request, a timer that outlives the
 * request: each call to a platform (token, userinfo, JWKS, revocation) left one that fired
 * `httpTimeoutMs` later and raised a `TimeoutError` nobody waited for any more (in the sign-in benchmark,
 * the most expensive thing the library did after a sign-in had ended). Here the timer is cleared as soon
 * as the body has been read, and a `TimeoutError` is only made when the deadline passes; it reaches
 * openid-client as its own timeout would, so a platform that does not answer in time is "unavailable".
 *
 * The body is read under the deadline and handed on in a new `Response` with the same status and headers.
 */
export function timedFetch(timeoutMs: number): client.CustomFetch {
  return async (url, options) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException('The platform did not answer in time', 'TimeoutError')), timeoutMs);
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
      // openid-client's bodies (strings, URLSearchParams, bytes) are all fetch bodies; only the typings differ.
      const response = await fetch(url, { ...options, signal } as RequestInit);
      const body = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } finally {
      clearTimeout(timer);
    }
  };
}
