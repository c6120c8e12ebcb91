/**
 * The cookie jar of the testing kit's `HttpAgent`: `tough-cookie`'s RFC 6265 jar, with the settings of a
 * browser, behind the small synchronous interface the tests use.
 */
import { Cookie, CookieJar as RfcCookieJar } from 'tough-cookie';

/** One stored cookie. */
export interface StoredCookie {
  name: string;
  value: string;
  /** Host name the cookie belongs to (a `Domain` attribute widens it to subdomains). */
  domain: string;
  /** Whether only `domain` itself matches (no `Domain` attribute was given). */
  hostOnly: boolean;
  path: string;
  /** Epoch milliseconds, or `undefined` for a session cookie. */
  expiresAt?: number;
}

/**
 * Cookie storage that decides like a browser: cookies belong to a host name, not a port; `Domain`,
 * `Path`, `Max-Age` and `Expires` are honoured; `Secure` cookies are stored and sent only over https or
 * to a loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`, `::1`), which browsers treat as secure
 * too, so a service tested on `http://localhost` behind a stand-in for a TLS proxy keeps its `Secure`
 * cookies; `__Host-` and `__Secure-` cookies that break their prefix's rules, and cookies for a domain
 * the response's host is not in, are dropped without an error, as a browser drops them. `SameSite` is not
 * enforced: the agent does not know which site a request comes from.
 */
export class CookieJar {
  // tough-cookie's defaults, spelled out: they are the browser behaviour described above.
  readonly #jar = new RfcCookieJar(undefined, {
    // A `Domain` that is a public suffix (`com`, `gouv.fr`) would share the cookie with every site under it.
    rejectPublicSuffixes: true,
    prefixSecurity: 'silent',
    allowSecureOnLocal: true,
    enforceSecureOriginOnStorage: true,
  });

  /** Stores the `Set-Cookie` header values of a response to `url`; those a browser would refuse are dropped. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    const receivedAt = Date.now();
    for (const header of setCookieHeaders) {
      const cookie = Cookie.parse(header);
      if (cookie === undefined) continue;
      fixMaxAge(cookie, receivedAt);
      this.#jar.setCookieSync(cookie, url, { ignoreError: true });
    }
  }

  /** Cookies a browser would send to `url`, longest path first. */
  cookiesFor(url: URL): StoredCookie[] {
    return this.#jar.getCookiesSync(url, { sort: true }).map(toStoredCookie);
  }

  /** The `Cookie` request header for `url`, or `undefined` when no cookie applies. */
  header(url: URL): string | undefined {
    return this.#jar.getCookieStringSync(url, { sort: true }) || undefined;
  }

  /** Value of the cookie `name` a request to `url` would carry, for assertions. */
  get(url: URL | string, name: string): string | undefined {
    return this.cookiesFor(new URL(url)).find((cookie) => cookie.name === name)?.value;
  }

  /** Forgets every cookie, like closing a private window. */
  clear(): void {
    this.#jar.removeAllCookiesSync();
  }
}

/**
 * Turns `Max-Age` into the absolute expiry it stands for (RFC 6265 §5.2.2: the time of reception plus
 * the delta; zero or less, the earliest date, which deletes the cookie). `tough-cookie` keeps the delta
 * and counts it from the cookie's last access, which every request that sends the cookie moves forward:
 * a cookie read more often than its `Max-Age` would never expire, where a browser drops it on time.
 */
function fixMaxAge(cookie: Cookie, receivedAt: number): void {
  if (typeof cookie.maxAge !== 'number') return;
  cookie.expires = new Date(cookie.maxAge <= 0 ? 0 : receivedAt + cookie.maxAge * 1000);
  cookie.maxAge = null;
}

function toStoredCookie(cookie: Cookie): StoredCookie {
  const stored: StoredCookie = {
    name: cookie.key,
    value: cookie.value,
    domain: cookie.domain ?? '',
    hostOnly: cookie.hostOnly ?? true,
    path: cookie.path ?? '/',
  };
  // A session cookie expires at "Infinity" for tough-cookie.
  const expiresAt = cookie.expiryTime();
  if (expiresAt !== undefined && Number.isFinite(expiresAt)) stored.expiresAt = expiresAt;
  return stored;
}
