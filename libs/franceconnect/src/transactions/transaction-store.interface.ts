import type { EidasLevel } from '../acr/eidas.js';
import type { PlatformId } from '../platforms.js';

/** One sign-in in progress: everything its callback needs, kept server-side, keyed by its `state`. */
export interface SignInTransaction {
  readonly platform: PlatformId;
  readonly state: string;
  readonly nonce: string;
  /** PKCE verifier, when the platform's `pkce` option is on. */
  readonly codeVerifier?: string;
  /** The level asked for, which the returned `acr` must reach. */
  readonly acr: EidasLevel;
  /** Same-site path to go back to once signed in. */
  readonly returnTo: string;
  /** Hash of the browser key (its cookie, see browser-binding.ts): a transaction only completes in the browser that started it. */
  readonly binding: string;
  readonly createdAt: number;
}

/**
 * Storage of sign-in transactions. `take` must be atomic (read and delete in one step): that is what
 * makes a replayed callback, or the same callback reaching two instances at once, succeed at most once.
 * Implementations: {@link MemoryTransactionStore} (one process) and {@link RedisTransactionStore}.
 * A store that cannot be reached must throw, never answer "not found": the library then fails closed
 * with a 503. A store must stay bounded whatever arrives (see `TransactionLimits`): both built-in
 * stores drop the oldest transactions past their limits.
 */
export interface TransactionStore {
  /**
   * Stores a transaction under `key` for `ttlSeconds`, and returns how many older transactions it dropped
   * to stay within its limits (the library logs it), or nothing.
   */
  put(key: string, transaction: SignInTransaction, ttlSeconds: number): Promise<number | void>;
  /** Returns and deletes the transaction under `key`, atomically; `undefined` when absent or expired. */
  take(key: string): Promise<SignInTransaction | undefined>;
}

/** Injection token of the {@link TransactionStore}. */
export const FRANCECONNECT_TRANSACTION_STORE = Symbol('FRANCECONNECT_TRANSACTION_STORE');
