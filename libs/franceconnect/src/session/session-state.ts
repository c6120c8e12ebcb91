import type { Request } from 'express';
import type { Session, SessionData } from 'express-session';
import type { EidasLevel } from '../acr/eidas.js';
import { SessionCookieNotSentError, SessionMissingError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';

/** A person signed in through one platform, as kept in the session and returned by `@FcUser()`. */
export interface FcIdentity {
  /** `fc` (FranceConnect) or `fcp` (FranceConnect+). */
  readonly platform: PlatformId;
  /** The platform's pairwise subject identifier for this person and this service. */
  readonly sub: string;
  /** The eIDAS level the platform returned, checked against the level that was asked for. */
  readonly acr: EidasLevel;
  /** Authentication methods, when the platform returned them (e.g. `pwd`, `mfa`, `eidas`). */
  readonly amr: readonly string[];
  /** Userinfo claims: the pivot identity (`given_name`, `family_name`, `birthdate`, …) and the other scopes. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The signed ID token (the inner JWS on FranceConnect+), needed as `id_token_hint` at logout. */
  readonly idToken: string;
  /** When the sign-in completed, in milliseconds since the epoch. */
  readonly signedInAt: number;
}

/**
 * An Express request as the module leaves it: `req.user` is the person the session holds (their most
 * recent sign-in), or what a guard's `validate()` returned on the routes it guards.
 *
 * @example
 * ```ts
 * @Get('me') @UseGuards(FcPlusGuard) me(@Req() req: FranceConnectRequest) { return req.user?.claims; }
 * ```
 */
export type FranceConnectRequest<TUser = FcIdentity> = Omit<Request, 'user'> & { user?: TUser };

/** What identity linking decided at the last sign-in (when linking is configured). */
export type SessionAccount =
  | { readonly status: 'linked'; readonly accountId: string }
  /** No account was chosen: the service must ask the person (two candidates, or identities that disagree). */
  | { readonly status: 'ambiguous'; readonly reason: string };

/** What the library keeps in `req.session.franceconnect`. */
export interface FranceConnectSessionState {
  identities?: Partial<Record<PlatformId, FcIdentity>>;
  /** The platform of the most recent sign-in. */
  current?: PlatformId;
  /** The account of the person, when identity linking is configured. */
  account?: SessionAccount;
  /**
   * Access tokens kept server-side for revocation at logout while they live (60 s on FranceConnect),
   * never returned to the browser; expired ones are dropped at the next write of the session.
   */
  accessTokens?: Partial<Record<PlatformId, HeldAccessToken>>;
  /** A logout in progress at the platforms: the `state` sent and the platforms still to visit. */
  logout?: LogoutTransaction;
}

/** An access token and when it expires, in milliseconds since the epoch. */
export interface HeldAccessToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** The access tokens that can still be used (and so revoked); an older session's plain strings are dropped. */
export function liveAccessTokens(held: FranceConnectSessionState['accessTokens'], now = Date.now()): Partial<Record<PlatformId, HeldAccessToken>> {
  return Object.fromEntries(
    Object.entries(held ?? {}).filter(([, token]) => typeof token === 'object' && token !== null && token.expiresAt > now),
  ) as Partial<Record<PlatformId, HeldAccessToken>>;
}

/** A logout in progress, one platform at a time. */
export interface LogoutTransaction {
  readonly state: string;
  readonly platform: PlatformId;
  readonly createdAt: number;
  readonly remaining: readonly { readonly platform: PlatformId; readonly idToken: string }[];
}

declare module 'express-session' {
  interface SessionData {
    franceconnect?: FranceConnectSessionState;
    /** When this session began (sign-in), in milliseconds since the epoch, for the absolute lifetime. */
    startedAt?: number;
  }
}

/**
 * The library's part of the session.
 *
 * @throws {SessionMissingError} when no session middleware runs before the guard: the library needs
 *   server-side sessions (`franceConnectSession()` or express-session).
 */
export function sessionState(req: Request): FranceConnectSessionState {
  const session = requireSession(req);
  session.franceconnect ??= {};
  return session.franceconnect;
}

/**
 * The request's session, left untouched.
 *
 * @throws {SessionMissingError} when no session middleware runs before the guard.
 */
export function requireSession(req: Request): Session & Partial<SessionData> {
  const session: (Session & Partial<SessionData>) | undefined = req.session;
  if (!session) {
    throw new SessionMissingError(
      `FranceConnect sign-in needs a session: ${ADD_SESSION_MIDDLEWARE} (or express-session).`,
    );
  }
  return session;
}

/**
 * The request's session, whose cookie the browser will receive and send back.
 *
 * @throws {SessionMissingError} when no session middleware runs before the guard.
 * @throws {SessionCookieNotSentError} when the cookie is `Secure` and the request came over http:
 *   express-session does not send such a cookie, and the sign-in would start over forever.
 */
export function requireDeliverableSession(req: Request): Session & Partial<SessionData> {
  const session = requireSession(req);
  if (session.cookie?.secure === true && !req.secure) {
    throw new SessionCookieNotSentError(
      "The session cookie is Secure but this request came over http, so it is not sent and the browser would never come back signed in: on http://localhost in development leave franceConnectSession()'s `secure` unset (or false); behind a TLS-terminating proxy set app.set('trust proxy', ...).",
    );
  }
  return session;
}

/** Every identity the session holds, by platform. */
export function sessionIdentities(req: Request): Partial<Record<PlatformId, FcIdentity>> {
  return req.session?.franceconnect?.identities ?? {};
}

/** The identity of the most recent sign-in, if any. */
export function currentIdentity(req: Request): FcIdentity | undefined {
  const state = req.session?.franceconnect;
  return state?.current ? state.identities?.[state.current] : undefined;
}

/**
 * The session ids that {@link franceConnectSession} generated for a request, because it came with no
 * session the store knew. Such an id was drawn for this very request and has not been sent to any
 * browser yet: no one can have fixed it.
 */
const generatedSessionIds = new WeakMap<Request, string>();

/** Records a session id generated for `req` (the `genid` of {@link franceConnectSession}). */
export function recordGeneratedSessionId(req: Request, id: string): void {
  generatedSessionIds.set(req, id);
}

/**
 * Stores a completed sign-in. The session id is regenerated first, so an id fixed by an attacker before
 * sign-in is worthless after it. When the sign-in is the session's person (`samePerson`, see
 * session-person.ts), what the session already held is carried over: the other platform's identity, the
 * application's own data. When it is someone else, the session starts over with the new person alone.
 * A session that `franceConnectSession()` generated for this very request already has an id no one else
 * knows, and keeps it: regenerating it would only destroy, in the store, a session that was never there.
 */
export async function storeSignedIn(
  req: Request,
  identity: FcIdentity,
  accessToken: HeldAccessToken | undefined,
  account: SessionAccount | undefined,
  samePerson: boolean,
): Promise<void> {
  const previous = samePerson ? sessionState(req) : {};
  if (generatedSessionIds.get(req) !== req.sessionID) {
    // For the same person, everything else the session holds (a sign-in in progress on the other platform
    // in another tab, the application's own data) survives the new id; for another person, nothing does.
    const carried = samePerson ? Object.fromEntries(Object.entries(req.session).filter(([key]) => key !== 'cookie' && key !== 'franceconnect')) : {};
    await new Promise<void>((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
    Object.assign(req.session, carried);
  }
  req.session.startedAt = Date.now();
  req.session.franceconnect = {
    ...previous,
    identities: { ...previous.identities, [identity.platform]: identity },
    current: identity.platform,
    ...(account && { account }),
    accessTokens: { ...liveAccessTokens(previous.accessTokens), ...(accessToken && { [identity.platform]: accessToken }) },
  };
  await new Promise<void>((resolve, reject) => req.session.save((error) => (error ? reject(error) : resolve())));
}

/** Replaces the session with a new, empty one (new id), as at logout. */
export async function resetSession(req: Request): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}

/** How to install the session middleware, as the start-up check and the refusal at sign-in say it. */
export const ADD_SESSION_MIDDLEWARE = 'add app.use(franceConnectSession({ secrets: [...] })) in main.ts, before app.listen()';
