/**
 * How many sign-ins may wait for their callback at once. Every anonymous visit of a guarded page starts
 * one and nothing else removes it before its lifetime ends, so without a cap a flood of starts fills the
 * store (process memory, or Redis up to `maxmemory`, where it fails every write or evicts live sessions).
 * Past a cap the oldest transaction is dropped first: its callback is then refused as unknown, and the
 * person starts again.
 */
export interface TransactionLimits {
  /**
   * Pending sign-ins of one browser (one browser-binding cookie): a person with a few tabs open needs a
   * few, a script that keeps its cookie gets no more. Default `10`.
   */
  readonly maxPerBrowser?: number;
  /**
   * Pending sign-ins in all, every browser together. Default `50000` (about 25 MB in process memory,
   * about 30 MB in Redis): room for 75 sign-ins started per second, each taking the full 11 minutes.
   * A script that drops its cookies makes a new browser at each request: this cap, and the per-client
   * rate limit (`signInRateLimit`), bound it.
   */
  readonly maxPending?: number;
}

/** {@link TransactionLimits} with their defaults. */
export const DEFAULT_TRANSACTION_LIMITS: Required<TransactionLimits> = Object.freeze({ maxPerBrowser: 10, maxPending: 50_000 });

/** The limits with their defaults, refusing values that would not bound anything. */
export function resolveTransactionLimits(limits: TransactionLimits = {}): Required<TransactionLimits> {
  const resolved = {
    maxPerBrowser: limits.maxPerBrowser ?? DEFAULT_TRANSACTION_LIMITS.maxPerBrowser,
    maxPending: limits.maxPending ?? DEFAULT_TRANSACTION_LIMITS.maxPending,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new TypeError(`Transaction store: ${name} must be a whole number of at least 1, got ${String(value)}.`);
    }
  }
  return resolved;
}
