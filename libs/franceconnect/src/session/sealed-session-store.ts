import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import session, { type SessionData, type Store } from 'express-session';
import { PeriodicWarning } from '../transactions/periodic-warning.js';
import { sessionEntries } from './session-ending.js';

/** Where the sealed FranceConnect data sits in a stored session, in place of `franceconnect`. */
const SEALED_FIELD = 'franceconnectSealed';
/** Format and algorithm of a sealed value: `v1.<key id>.<iv>.<ciphertext>.<tag>`, AES-256-GCM. */
const VERSION = 'v1';

interface SealingKey {
  readonly id: string;
  readonly key: Buffer;
}

type StoredSession = SessionData & { [SEALED_FIELD]?: string };
type Callback<T> = (error: unknown, value?: T) => void;

/**
 * A session store that keeps the library's part of each session (`req.session.franceconnect`: ID tokens,
 * access tokens, claims, the account) encrypted at rest in the store it wraps, with AES-256-GCM under a
 * key derived from a secret of the application's (HKDF-SHA256). The session id is the additional data:
 * a sealed value copied into another session does not open. The rest of the session (the cookie, the
 * application's own data) is stored as it was.
 *
 * The first secret seals; every secret opens, so a secret is rotated by putting the new one first and
 * removing the old one once every session sealed with it has ended (the absolute lifetime). A value no
 * secret opens is dropped: that session is then signed out, as if it had ended.
 */
export class SealedSessionStore extends session.Store {
  private readonly keys: readonly SealingKey[];
  /** Sessions that no key opens: one line a minute at most, each such session being dropped once. */
  private readonly unopened = new PeriodicWarning((count) =>
    new Logger('FranceConnect').warn(`${count} session(s) whose FranceConnect data could not be opened (unknown key, or altered): signed out`),
  );

  constructor(
    readonly inner: Store,
    secrets: readonly string[],
  ) {
    super();
    this.keys = secrets.map((secret) => {
      const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nest-franceconnect session sealing v1', 32));
      // The key's id is derived too: it names the key in sealed values without telling anything of it.
      const id = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'nest-franceconnect session sealing key id', 6)).toString('base64url');
      return { id, key };
    });
    // express-session stops using a store that reports a disconnection: pass the wrapped store's on.
    inner.on('connect', () => this.emit('connect'));
    inner.on('disconnect', () => this.emit('disconnect'));
    // express-session touches only through a store that can: without it, an unchanged session is not
    // written again, sealed or not.
    if (!inner.touch) Object.defineProperty(this, 'touch', { value: undefined });
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.inner.get(sid, (error, stored) => {
      if (error || !stored) return callback(error, stored ?? null);
      const opened = this.open(sid, stored as StoredSession);
      if (opened === undefined) {
        // Dropped from the store too, once: touching would keep the dead value alive as long as the session.
        const { [SEALED_FIELD]: _dropped, ...rest } = stored as StoredSession;
        return this.inner.set(sid, rest as SessionData, (failure) => callback(failure, failure ? null : (rest as SessionData)));
      }
      callback(null, opened);
    });
  }

  override set(sid: string, value: SessionData, callback?: (error?: unknown) => void): void {
    this.inner.set(sid, this.seal(sid, value), callback);
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.inner.destroy(sid, callback);
  }

  /**
   * Renews an unchanged session's lifetime. The stored sealed value is still the session's (express-session
   * touches only sessions it did not change), so nothing is sealed again: the wrapped store gets the
   * session without the library's part, and renews its expiry from the cookie.
   */
  override touch(sid: string, value: SessionData, callback?: () => void): void {
    const { franceconnect: _unchanged, ...rest } = value;
    this.inner.touch!(sid, rest as SessionData, callback);
  }

  /** Every session, opened; only when the wrapped store can list them (express-session's memory store, connect-redis). */
  override all(callback: Callback<SessionData[] | Record<string, SessionData> | null>): void {
    if (!this.inner.all) return callback(new Error('The session store cannot list its sessions (no all())'));
    this.inner.all((error, sessions) => {
      if (error || !sessions) return callback(error, sessions ?? null);
      const opened = sessionEntries(sessions).map(([sid, stored]) => {
        const { [SEALED_FIELD]: _sealed, ...rest } = stored as StoredSession;
        return [sid, this.open(sid, stored as StoredSession) ?? rest] as const;
      });
      callback(null, Object.fromEntries(opened) as Record<string, SessionData>);
    });
  }

  override length(callback: Callback<number>): void {
    if (!this.inner.length) return callback(new Error('The session store cannot count its sessions'));
    this.inner.length(callback);
  }

  override clear(callback?: (error?: unknown) => void): void {
    if (!this.inner.clear) return callback?.(new Error('The session store cannot be cleared'));
    this.inner.clear(callback);
  }

  /** The session as stored: `franceconnect` replaced by its sealed form. */
  private seal(sid: string, value: SessionData): StoredSession {
    const { franceconnect, ...rest } = value;
    if (franceconnect === undefined) return rest as StoredSession;
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(sid));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(franceconnect), 'utf8'), cipher.final()]);
    const sealed = [VERSION, id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    return { ...rest, [SEALED_FIELD]: sealed } as StoredSession;
  }

  /** The session as the application sees it: the sealed form opened; `undefined` when no key opens it. */
  private open(sid: string, stored: StoredSession): SessionData | undefined {
    const { [SEALED_FIELD]: sealed, ...rest } = stored;
    // A session stored in clear (before sealing was turned on) is kept as it is, and sealed at its next save.
    if (sealed === undefined) return rest as SessionData;
    const [version, id, iv, ciphertext, tag] = sealed.split('.');
    const key = this.keys.find((candidate) => candidate.id === id);
    if (version === VERSION && key && iv && ciphertext !== undefined && tag) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(sid));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
        return { ...rest, franceconnect: JSON.parse(plaintext) } as SessionData;
      } catch {
        // Falls through: tampered, or sealed for another session.
      }
    }
    this.unopened.add();
    return undefined;
  }
}
