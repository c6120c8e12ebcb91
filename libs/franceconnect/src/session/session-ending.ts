import type { SessionData, Store } from 'express-session';

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
 * @throws {Error} when a store cannot list its sessions, or fails: the account's sessions may still be live.
 */
export async function endSessionsOfAccount(accountId: string): Promise<number> {
  let ended = 0;
  for (const store of stores) {
    if (!store.all) throw new Error('The session store cannot list its sessions (no all()): sessions of an erased account cannot be ended');
    const sessions = await new Promise<SessionData[] | Record<string, SessionData>>((resolve, reject) =>
      store.all!((error, found) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(found ?? []))),
    );
    const entries = Array.isArray(sessions) ? sessions.map((found) => [(found as { id?: string }).id, found] as const) : Object.entries(sessions);
    for (const [sid, found] of entries) {
      const account = found?.franceconnect?.account;
      if (sid === undefined || account?.status !== 'linked' || account.accountId !== accountId) continue;
      await new Promise<void>((resolve, reject) => store.destroy(sid, (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));
      ended++;
    }
  }
  return ended;
}
