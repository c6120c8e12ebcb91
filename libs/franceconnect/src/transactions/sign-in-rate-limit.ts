import { Logger } from '@nestjs/common';
import { normalizeIp, ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import { PeriodicWarning } from './periodic-warning.js';

/**
 * How many sign-ins one client may start. A client is its IP address (IPv6: its /64, which one host
 * usually holds whole), as Express reads it: behind a reverse proxy or a load balancer, set Express's
 * `trust proxy` so that `req.ip` is the browser's address and not the proxy's.
 */
export interface SignInRateLimitOptions {
  /** Sign-ins one client may start per window. Default `60`. */
  readonly limit?: number;
  /** Length of the sliding window, in seconds. Default `60`. */
  readonly ttlSeconds?: number;
  /**
   * Where the counts are kept: any `@nestjs/throttler` storage. Default: in process memory (each instance
   * counts alone). Behind a load balancer, give a shared one, e.g. `new RedisThrottlerStorage(redisClient)`,
   * or the storage of the application's own `ThrottlerModule`.
   */
  readonly storage?: ThrottlerStorage;
}

/** The limit as the module resolves it: defaults applied, checked once. */
export type ResolvedSignInRateLimit = Required<Omit<SignInRateLimitOptions, 'storage'>> & Pick<SignInRateLimitOptions, 'storage'>;

/** The counter's name in the throttler storage, so it never mixes with an application's own throttlers. */
const THROTTLER_NAME = 'franceconnect-sign-in';

/**
 * The per-client limit on sign-in starts, on `@nestjs/throttler`'s storage: a sliding window (refused
 * starts are not counted, so a client that stops is served again when its oldest start leaves the
 * window). Only starts are counted: callbacks, signed-in requests and logout never are.
 */
export class SignInRateLimiter {
  private readonly logger = new Logger('FranceConnect');
  private readonly limit: number;
  private readonly ttlMs: number;
  private readonly storage: ThrottlerStorage;
  private proxyWarned = false;
  /** Refused starts, counted in one line a minute however many a flood brings. */
  private readonly refusals = new PeriodicWarning((refused) =>
    this.logger.warn(`sign-in rate limit: ${refused} start(s) refused since the last such line limit=${this.limit}/${this.ttlMs / 1000}s per client`),
  );

  constructor(options: ResolvedSignInRateLimit) {
    this.limit = options.limit;
    this.ttlMs = options.ttlSeconds * 1000;
    this.storage = options.storage ?? new ThrottlerStorageService();
  }

  /**
   * Counts a sign-in start of the request's client.
   *
   * @returns `undefined` when the start is allowed; past the limit, the seconds the client must wait.
   */
  async count(req: Request): Promise<number | undefined> {
    this.warnOfUntrustedProxy(req);
    // The storage names the counter by the throttler's name and this key: the client's address is enough.
    const client = normalizeIp(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const record = await this.storage.increment(client, this.ttlMs, this.limit, 0, THROTTLER_NAME);
    if (!record.isBlocked) return undefined;
    this.refusals.add();
    return Math.max(1, record.timeToBlockExpire);
  }

  /** Stops the in-memory storage's sweep timer (a storage given by the application is its own). */
  close(): void {
    if (this.storage instanceof ThrottlerStorageService) this.storage.onApplicationShutdown();
  }

  /**
   * A request forwarded by a proxy while Express trusts none: every client has the proxy's address, and
   * the limit would count them all as one. Said once, with the fix.
   */
  private warnOfUntrustedProxy(req: Request): void {
    if (this.proxyWarned || req.headers['x-forwarded-for'] === undefined || req.app?.get('trust proxy')) return;
    this.proxyWarned = true;
    this.logger.warn(
      "sign-in requests arrive through a proxy (X-Forwarded-For) but Express trusts no proxy: every client counts as the proxy's address for signInRateLimit. Set app.set('trust proxy', <your proxies>) (https://expressjs.com/en/guide/behind-proxies.html).",
    );
  }
}
