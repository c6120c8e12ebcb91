import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session, { type Store } from 'express-session';
import { SealedSessionStore } from './sealed-session-store.js';
import { registerSessionStore } from './session-ending.js';
import { recordGeneratedSessionId } from './session-state.js';
import { wantsHtml } from '../errors/content-negotiation.js';
import { renderErrorPage } from '../errors/error-page.js';
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
  /** Send the cookie over https only. Default `true`; set `false` for http://localhost in development. */
  secure?: boolean;
  /** Cookie name. Default `__Host-fc.sid` when `secure` (no Domain, Path=/, Secure), `fc.sid` otherwise. */
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
 * @throws {Error} at call time when a secret is shorter than 32 characters.
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
  // The store is made here even when it is express-session's default, so that erasure can reach it.
  const given = options.store ?? new session.MemoryStore();
  const store = encryptionSecrets.length > 0 ? new SealedSessionStore(given, encryptionSecrets) : given;
  registerSessionStore(store);
  const secure = options.secure ?? true;
  const idle = options.idleTimeoutSeconds ?? 1800;
  const absolute = options.absoluteTimeoutSeconds ?? 43_200;
  const logger = new Logger('FranceConnect');
  const middleware = session({
    name: options.name ?? (secure ? '__Host-fc.sid' : 'fc.sid'),
    secret: secrets,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: idle * 1000 },
    // express-session's own ids (24 random bytes, base64url), remembered for the request they were drawn
    // for: a sign-in in such a session need not regenerate it (see storeSignedIn).
    genid: (req) => {
      const id = randomBytes(24).toString('base64url');
      recordGeneratedSessionId(req as Request, id);
      return id;
    },
  });

  const unavailable = (req: Request, res: Response, error: unknown): void => {
    logger.error(`session store unavailable path=${req.path}${error instanceof Error ? `: ${error.message.slice(0, 120)}` : ''}`);
    if (res.headersSent) return;
    const failure = new SessionStoreUnavailableError('The session store is unavailable; please try again shortly');
    res.status(503).setHeader('Retry-After', '5');
    res.setHeader('Cache-Control', 'no-store');
    if (wantsHtml(req)) {
      res.type('html').send(renderErrorPage(failure));
    } else {
      res.json({ error: failure.oauthError, error_description: failure.message, code: failure.code });
    }
  };

  return (req: Request, res: Response, next: NextFunction) => {
    middleware(req, res, (error?: unknown) => {
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
}
