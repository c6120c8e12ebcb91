import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { type Store } from 'express-session';

/** The name of the middleware {@link franceConnectSession} returns, by which the module's start-up check finds it. */
export const FRANCECONNECT_SESSION_MIDDLEWARE = 'franceConnectSession';
import { SealedSessionStore } from './sealed-session-store.js';
import { registerSessionStore } from './session-ending.js';
import { recordGeneratedSessionId } from './session-state.js';
import { wantsHtml } from '../errors/content-negotiation.js';
import { errorPageTemplateProblem, renderErrorPage, type ErrorPageTemplate } from '../errors/error-page.js';
import { SessionStoreUnavailableError } from '../errors/franceconnect.errors.js';

/** Options of {@link franceConnectSession}. */
export interface FranceConnectSessionOptions {
  /**
   * Secrets that sign the session cookie. The first signs; all are accepted, so a secret can be rotated by
   * putting the new one first and removing the old one after the idle lifetime. At least 32 characters each.
   */
  secrets: string | readonly string[];
  /** Session store. Default: express-session's memory store (one instance, development). */
  store?: Store;
  /**
   * Send the cookie over https only (`Secure`, and the `__Host-` prefix). Default: `true` in production
   * (`NODE_ENV=production`); elsewhere each request's scheme decides, so the same code signs in on
   * http://localhost and is Secure over https. Behind a TLS-terminating proxy, set Express's `trust proxy`
   * so that `req.secure` is true: express-session never sets a Secure cookie on a request it sees as http,
   * and the library then refuses to start a sign-in (`FC_SESSION_COOKIE_NOT_SENT`) rather than loop.
   */
  secure?: boolean;
  /** Cookie name. Default `__Host-fc.sid` when Secure (no Domain, Path=/, Secure), `fc.sid` otherwise. */
  name?: string;
  /** Idle lifetime: the session ends after this long without a request, in seconds. Default `1800`. */
  idleTimeoutSeconds?: number;
  /** Absolute lifetime: the session ends this long after it began, whatever the activity, in seconds. Default `43200`. */
  absoluteTimeoutSeconds?: number;
  /**
   * Encrypt the library's part of each session (ID tokens, access tokens, claims, the account) in the
   * store, with AES-256-GCM under keys derived from these secrets (at least 32 characters each, not the
   * cookie's). The first encrypts; all decrypt, so a secret is rotated by putting the new one first and
   * removing the old one after the absolute lifetime. Default: none (stored as is). Recommended on Redis.
   */
  encryptionSecrets?: string | readonly string[];
  /**
   * The application's template for the 503 page sent when the store cannot be reached, as the module's
   * `renderErrorPage` option (this middleware runs before, and outside, the Nest module). It receives
   * HTML-escaped values; when it throws, the library's own page is sent and one line is logged. Default:
   * the library's own self-contained page.
   */
  renderErrorPage?: ErrorPageTemplate;
}

/**
 * Session middleware with the settings FranceConnect sign-in needs, to install before the routes
 * (`app.use(franceConnectSession({ secrets, store }))`):
 * - cookie `HttpOnly`, `SameSite=Lax` (not `Strict`: the platform sends the browser back with a cross-site
 *   top-level GET, which must carry the cookie), `Secure` and `__Host-` prefixed over https;
 * - idle lifetime (rolling cookie and store TTL) and absolute lifetime;
 * - fail closed: when the store cannot be reached, the request gets a 503 page (or JSON) and no session
 *   is read or written anywhere else.
 *
 * @throws {Error} at call time when a secret is shorter than 32 characters, or `renderErrorPage` is not a
 *   function.
 */
export function franceConnectSession(options: FranceConnectSessionOptions): RequestHandler {
  const secrets = typeof options.secrets === 'string' ? [options.secrets] : [...options.secrets];
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== 'string' || secret.length < 32)) {
    throw new Error('franceConnectSession: every secret must be a string of at least 32 characters (a random value).');
  }
  const encryptionSecrets = options.encryptionSecrets === undefined ? [] : typeof options.encryptionSecrets === 'string' ? [options.encryptionSecrets] : [...options.encryptionSecrets];
  if (options.encryptionSecrets !== undefined && (encryptionSecrets.length === 0 || encryptionSecrets.some((secret) => typeof secret !== 'string' || secret.length < 32))) {
    throw new Error('franceConnectSession: every encryption secret must be a string of at least 32 characters (a random value).');
  }
  if (encryptionSecrets.some((secret) => secrets.includes(secret))) {
    throw new Error('franceConnectSession: an encryption secret must not also sign the cookie: give each its own random value.');
  }
  const templateProblem = errorPageTemplateProblem(options.renderErrorPage);
  if (templateProblem) throw new Error(`franceConnectSession: ${templateProblem}`);
  // The store is made here even when it is express-session's default, so that erasure can reach it.
  const given = options.store ?? new session.MemoryStore();
  const store = encryptionSecrets.length > 0 ? new SealedSessionStore(given, encryptionSecrets) : given;
  registerSessionStore(store);
  // Production is https only: there the cookie is always Secure, and a request over http (a proxy
  // Express does not trust) is refused at sign-in rather than looping. Elsewhere each request's scheme decides.
  const secure: boolean | 'auto' = options.secure ?? (process.env.NODE_ENV === 'production' ? true : 'auto');
  const idle = options.idleTimeoutSeconds ?? 1800;
  const absolute = options.absoluteTimeoutSeconds ?? 43_200;
  const logger = new Logger('FranceConnect');
  const settings = (secureCookie: boolean): session.SessionOptions => ({
    name: options.name ?? (secureCookie ? '__Host-fc.sid' : 'fc.sid'),
    secret: secrets,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: { httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/', maxAge: idle * 1000 },
    // express-session's own ids (24 random bytes, base64url), remembered for the request they were drawn
    // for: a sign-in in such a session need not regenerate it (see storeSignedIn).
    genid: (req) => {
      const id = randomBytes(24).toString('base64url');
      recordGeneratedSessionId(req as Request, id);
      return id;
    },
  });
  const middleware = session(settings(secure !== false));
  // express-session writes its cookie settings onto the store it is given (`store.generate`): the second
  // middleware gets a view of the same store, so that neither overwrites the other's.
  const plain = secure === 'auto' ? session({ ...settings(false), store: Object.create(store) as Store }) : undefined;

  const unavailable = (req: Request, res: Response, error: unknown): void => {
    logger.error(`session store unavailable path=${req.path}${error instanceof Error ? `: ${error.message.slice(0, 120)}` : ''}`);
    if (res.headersSent) return;
    const failure = new SessionStoreUnavailableError('The session store is unavailable; please try again shortly');
    res.status(503).setHeader('Retry-After', '5');
    res.setHeader('Cache-Control', 'no-store');
    if (wantsHtml(req)) {
      res.type('html').send(renderErrorPage(failure, options.renderErrorPage, logger));
    } else {
      res.json({ error: failure.oauthError, error_description: failure.message, code: failure.code });
    }
  };

  const run = (chosen: RequestHandler, req: Request, res: Response, next: NextFunction): void => {
    chosen(req, res, (error?: unknown) => {
      if (error) {
        unavailable(req, res, error);
        return;
      }
      const started = req.session.startedAt;
      if (started === undefined) {
        if (req.session.franceconnect) req.session.startedAt = Date.now();
        next();
        return;
      }
      if (Date.now() - started <= absolute * 1000) {
        next();
        return;
      }
      // Past the absolute lifetime: a new, empty session, whatever the activity.
      req.session.regenerate((regenerateError) => (regenerateError ? unavailable(req, res, regenerateError) : next()));
    });
  };

  // Named, so that the module's start-up check finds it among the application's middlewares.
  const named = {
    [FRANCECONNECT_SESSION_MIDDLEWARE]: (req: Request, res: Response, next: NextFunction): void =>
      // Unset, the scheme of each request decides: https (req.secure, behind a proxy Express trusts) gets
      // the Secure, __Host- cookie, http://localhost in development the plain one.
      run(secure === 'auto' && !req.secure ? plain! : middleware, req, res, next),
  };
  return named[FRANCECONNECT_SESSION_MIDDLEWARE];
}
