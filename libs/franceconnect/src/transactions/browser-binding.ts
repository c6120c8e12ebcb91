import { createHash, randomBytes } from 'node:crypto';
import cookie from 'cookie';
import type { Request } from 'express';
import { InternalSignInError } from '../errors/franceconnect.errors.js';

/** The cookie that binds sign-in transactions to a browser, over https (`__Host-`: Secure, Path=/, no Domain). */
export const BROWSER_COOKIE_SECURE = '__Host-fc.browser';
/** The same cookie over http (development only: platforms require https redirect URIs). */
export const BROWSER_COOKIE_INSECURE = 'fc.browser';

/** A browser key: 32 random bytes, base64url. */
const BROWSER_KEY = /^[\w-]{43}$/;

/** Where the browser-binding cookie goes, and how long it lasts. */
export interface BrowserCookieOptions {
  /** Over https: `Secure` and the `__Host-` prefix. */
  readonly secure: boolean;
  /** Lifetime of the cookie, in seconds: at least as long as a transaction. */
  readonly maxAgeSeconds: number;
}

/**
 * The key of the browser a sign-in starts in: the one its cookie already holds (so that two sign-ins in
 * two tabs both complete), or a new random one. The cookie is set again either way, to last as long as
 * the new transaction: `HttpOnly`, `SameSite=Lax` (the platform sends the browser back with a cross-site
 * top-level GET, which must carry it), `Path=/`, and `Secure` with the `__Host-` prefix over https.
 *
 * The key lives in the browser only; a transaction keeps its hash ({@link browserBinding}). No session is
 * created or written to start a sign-in: the session is created when the sign-in completes.
 *
 * @throws {InternalSignInError} when the request has no Express response to set the cookie on.
 */
export function browserKeyForSignIn(req: Request, options: BrowserCookieOptions): string {
  const name = browserCookieName(options.secure);
  const key = readBrowserKey(req, options.secure) ?? randomBytes(32).toString('base64url');
  if (!req.res) throw new InternalSignInError('FranceConnect sign-in runs on Express (@nestjs/platform-express): no response to set a cookie on.');
  // Appended beside the session's cookie, never replacing it. No Domain: the cookie stays on this host.
  req.res.cookie(name, key, {
    path: '/',
    maxAge: Math.ceil(options.maxAgeSeconds) * 1000,
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
  });
  return key;
}

/** The browser key the request's cookie holds; `undefined` when there is none or it is malformed. */
export function readBrowserKey(req: Request, secure: boolean): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const value = cookie.parse(header)[browserCookieName(secure)];
  return value !== undefined && BROWSER_KEY.test(value) ? value : undefined;
}

/** What a transaction keeps of a browser key: its SHA-256, so the transaction store never sees the key. */
export function browserBinding(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

function browserCookieName(secure: boolean): string {
  return secure ? BROWSER_COOKIE_SECURE : BROWSER_COOKIE_INSECURE;
}
