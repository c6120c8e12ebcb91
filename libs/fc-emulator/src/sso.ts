/**
 * The platform's own single sign-on session, as FranceConnect keeps it beside oidc-provider: its core
 * clears oidc-provider's cookies at every `/authorize` (`beforeAuthorizeMiddleware` in
 * `back/libs/core/src/services/core-oidc-provider-middleware.service.ts`), so each sign-in is a new
 * oidc-provider session and never an account switch, and decides single sign-on from its own session
 * (`back/libs/session`, cookie `fc_session_id`). The emulator keeps that session in memory, behind a
 * cookie of its own per platform.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { EidasLevel } from './platforms.js';

/** A person signed in on the platform, as its single sign-on remembers them. */
export interface SsoSession {
  /** The test identity's id (oidc-provider's account id). */
  readonly accountId: string;
  /** The level of the sign-in that opened the session. */
  readonly acr: EidasLevel;
  readonly amr: readonly string[];
}

/** The single sign-on sessions of one platform. */
export interface SsoSessions {
  /** The session the request's cookie names, if any and not expired. */
  read(req: IncomingMessage): SsoSession | undefined;
  /** Opens a session for a completed sign-in and sets its cookie on the response. */
  open(res: ServerResponse, session: SsoSession): void;
  /** Ends the session the request's cookie names (logout). */
  end(req: IncomingMessage): void;
}

/**
 * @param cookieName the cookie of this platform's session (distinct per platform: browsers share cookies
 *   between the ports of one host).
 * @param path the issuer path, which the cookie is limited to.
 * @param ttlSeconds the platform's session lifetime.
 */
export function createSsoSessions(cookieName: string, path: string, ttlSeconds: number, now: () => number = Date.now): SsoSessions {
  const sessions = new Map<string, SsoSession & { readonly expiresAt: number }>();

  const idOf = (req: IncomingMessage): string | undefined => {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === cookieName) return value.join('=');
    }
    return undefined;
  };

  return {
    read(req) {
      const id = idOf(req);
      const session = id === undefined ? undefined : sessions.get(id);
      if (session === undefined || id === undefined) return undefined;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    open(res, session) {
      for (const [id, existing] of sessions) if (existing.expiresAt <= now()) sessions.delete(id);
      const id = randomBytes(24).toString('base64url');
      sessions.set(id, { ...session, expiresAt: now() + ttlSeconds * 1000 });
      res.appendHeader('set-cookie', `${cookieName}=${id}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${ttlSeconds}`);
    },
    end(req) {
      const id = idOf(req);
      if (id !== undefined) sessions.delete(id);
    },
  };
}
