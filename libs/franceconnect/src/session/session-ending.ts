import type { SessionData, Store } from 'express-session';
import { SessionStoreUnavailableError } from '../errors/franceconnect.errors.js';

/**
 * The session stores of this process's `franceConnectSession()` middlewares, so that erasing an account
 * ends its live sessions wherever they are (an application has one; tests may run several).
 */
const stores = new Set<Store>();

/** Records a store used by a `franceConnectSession()` middleware. */
export function registerSessionStore(store: Store): void {
  stores.add(store);
}

/**
 * Ends every live session that holds the account: each is destroyed in its store, so the person's next
 * request, on any instance sharing the store, comes with no session (signed out). Reads every session of
 * every store once (`all()`, which express-session's memory store and connect-redis offer): erasure is
 * rare, and nothing is spent on the requests in between.
 *
 * @returns how many sessions were ended.
 * @throws {SessionStoreUnavailableError} when a store cannot list its sessions, or fails: the account's
 *   sessions may still be live.
 */
export async function endSessionsOfAccount(accountId: string): Promise<number> {
  let ended = 0;
  for (const store of stores) {
    if (!store.all) throw new SessionStoreUnavailableError('The session store cannot list its sessions (no all()): sessions of an erased account cannot be ended');
    const sessions = await new Promise<SessionData[] | Record<string, SessionData>>((resolve, reject) =>
      store.all!((error, found) => (error ? reject(unavailable(error)) : resolve(found ?? []))),
    );
    for (const [sid, found] of sessionEntries(sessions)) {
      const account = found?.franceconnect?.account;
      if (account?.status !== 'linked' || account.accountId !== accountId) continue;
      await new Promise<void>((resolve, reject) => store.destroy(sid, (error) => (error ? reject(unavailable(error)) : resolve())));
      ended++;
    }
  }
  return ended;
}

function unavailable(cause: unknown): SessionStoreUnavailableError {
  return new SessionStoreUnavailableError('The session store failed while the sessions of an erased account were ended', { cause });
}

/**
 * The sessions a store's `all()` gives, as `[session id, session]`: a record by id (express-session's
 * memory store), or an array whose sessions carry their `id` (connect-redis); a session without an id is
 * left out.
 */
export function sessionEntries(sessions: SessionData[] | Record<string, SessionData>): [string, SessionData][] {
  if (!Array.isArray(sessions)) return Object.entries(sessions);
  return sessions.flatMap((found) => {
    const sid = (found as { id?: unknown }).id;
    return typeof sid === 'string' ? [[sid, found] as [string, SessionData]] : [];
  });
}
