/**
 * Storage for oidc-provider's sessions, interactions, grants, codes and tokens, in memory and owned by
 * one provider. oidc-provider's default in-memory adapter shares one module-level store (1000 entries)
 * among every provider of the process; the emulator runs two providers and is started and stopped many
 * times by tests, so each provider gets its own store, dropped with it.
 */
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds; `Infinity` when the model has no expiry. */
  expiresAt: number;
}

/** Models whose entries belong to a grant and die with it (logout, revocation of the grant). */
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Sweeps expired entries every this many writes, so a long-running emulator does not grow forever. */
const SWEEP_EVERY = 200;

/** A fresh, empty adapter factory for one provider (`adapter` configuration option). */
export function createMemoryAdapter(): AdapterFactory {
  const entries = new Map<string, Entry>();
  const sessionUids = new Map<string, string>();
  const userCodes = new Map<string, string>();
  const grantMembers = new Map<string, Set<string>>();
  let writes = 0;

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function sweep(): void {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(key);
    }
    for (const index of [sessionUids, userCodes]) {
      for (const [lookup, key] of index) {
        if (!entries.has(key)) index.delete(lookup);
      }
    }
    for (const [grantId, members] of grantMembers) {
      for (const key of members) if (!entries.has(key)) members.delete(key);
      if (members.size === 0) grantMembers.delete(grantId);
    }
  }

  return (model: string): Adapter => {
    const keyFor = (id: string): string => `${model}:${id}`;

    return {
      async upsert(id, payload, expiresIn) {
        const key = keyFor(id);
        const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
        entries.set(key, { payload, expiresAt });
        if (model === 'Session' && typeof payload.uid === 'string') sessionUids.set(payload.uid, key);
        if (typeof payload.userCode === 'string') userCodes.set(payload.userCode, key);
        if (GRANT_BOUND.has(model) && typeof payload.grantId === 'string') {
          const members = grantMembers.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          grantMembers.set(payload.grantId, members);
        }
        writes += 1;
        if (writes % SWEEP_EVERY === 0) sweep();
      },
      async find(id) {
        return live(keyFor(id))?.payload;
      },
      async findByUid(uid) {
        const key = sessionUids.get(uid);
        return key === undefined ? undefined : live(key)?.payload;
      },
      async findByUserCode(userCode) {
        const key = userCodes.get(userCode);
        return key === undefined ? undefined : live(key)?.payload;
      },
      async consume(id) {
        const entry = live(keyFor(id));
        if (entry !== undefined) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyFor(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of grantMembers.get(grantId) ?? []) entries.delete(key);
        grantMembers.delete(grantId);
      },
    };
  };
}
