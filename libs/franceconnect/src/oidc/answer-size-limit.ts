import type * as client from 'openid-client';
import { PlatformAnswerTooLargeError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';

/**
 * `fetch` for openid-client that reads at most `maxBytes` of each answer of a platform (discovery, JWKS,
 * token, userinfo). An answer that declares a larger `Content-Length` is refused before its body is
 * read; one that sends more than it declared (or declares nothing) is cut at the limit: its stream
 * fails with {@link PlatformAnswerTooLargeError} and the connection's body is cancelled. Without it, a
 * platform (or anything on the way) answering gigabytes would hold them in the service's memory until
 * the deadline.
 */
export function limitAnswerSize(fetch: client.CustomFetch, maxBytes: number, platform: PlatformId): client.CustomFetch {
  const tooLarge = () => new PlatformAnswerTooLargeError(`The platform's answer is larger than maxAnswerBytes (${maxBytes} bytes): it was not read`, { platform });
  return async (url, options) => {
    const response = await fetch(url, options);
    if (Number(response.headers.get('content-length')) > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (response.body === null) return response;
    let read = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          read += chunk.byteLength;
          if (read > maxBytes) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
