import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { FRANCECONNECT_OPTIONS } from './franceconnect.constants.js';
import type { ResolvedFranceConnectOptions } from './options/resolve-options.js';
import { FRANCECONNECT_SESSION_MIDDLEWARE } from './session/franceconnect-session.js';
import { ADD_SESSION_MIDDLEWARE } from './session/session-state.js';

/** Names of the session middlewares the library works with: its own, and express-session's. */
const SESSION_MIDDLEWARES = new Set([FRANCECONNECT_SESSION_MIDDLEWARE, 'session']);

/**
 * Says at start-up, in the log, what would otherwise be found only at the first sign-in:
 * - no session middleware before the routes (every sign-in would fail);
 * - a global prefix that moves the public JWKS away from `jwksPath`, so the URL registered with
 *   FranceConnect+ would serve nothing (its token endpoint then refuses every sign-in with
 *   `invalid_client_metadata`).
 */
@Injectable()
export class FranceConnectStartupChecks implements OnApplicationBootstrap {
  private readonly logger = new Logger('FranceConnect');

  constructor(
    @Inject(FRANCECONNECT_OPTIONS) private readonly options: ResolvedFranceConnectOptions,
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ApplicationConfig,
  ) {}

  onApplicationBootstrap(): void {
    const problem = this.sessionMiddlewareProblem();
    if (problem) this.logger.warn(problem);
    const jwksUrlPath = this.publishedJwksPath();
    if (jwksUrlPath !== this.options.jwksPath) {
      const prefix = this.config.getGlobalPrefix();
      this.logger.warn(
        `The public JWKS is served at ${jwksUrlPath}, not ${this.options.jwksPath}: the global prefix "${prefix}" applies to it. ` +
          `Register ${jwksUrlPath} (on the service's public URL) with FranceConnect+, or keep it where it is: ` +
          `app.setGlobalPrefix('${prefix}', { exclude: ['${this.options.jwksPath.slice(1)}'] }).`,
      );
    }
  }

  /** The path the public JWKS is served at once the global prefix (and its exclusions) applies. */
  publishedJwksPath(): string {
    const prefix = this.config.getGlobalPrefix().replace(/^\/+|\/+$/g, '');
    if (!prefix) return this.options.jwksPath;
    const excluded = (this.config.getGlobalPrefixOptions().exclude ?? []).some(
      (route) => route.pathRegex.test(this.options.jwksPath) || route.pathRegex.test(this.options.jwksPath.slice(1)),
    );
    return excluded ? this.options.jwksPath : `/${prefix}${this.options.jwksPath}`;
  }

  /** What is wrong with the application's session middleware, or `undefined` when it is in place. */
  private sessionMiddlewareProblem(): string | undefined {
    const instance = this.adapterHost.httpAdapter?.getInstance?.() as { router?: { stack?: { name?: string; route?: unknown }[] } } | undefined;
    const stack = instance?.router?.stack;
    // Not Express, or nothing to read: nothing to say.
    if (!Array.isArray(stack)) return undefined;
    const session = stack.findIndex((layer) => SESSION_MIDDLEWARES.has(layer.name ?? ''));
    const firstRoute = stack.findIndex((layer) => layer.route !== undefined);
    const fix = ADD_SESSION_MIDDLEWARE;
    if (session === -1) return `No session middleware found: every sign-in would fail (FC_SESSION_MISSING). ${fix}.`;
    if (firstRoute !== -1 && session > firstRoute) return `The session middleware comes after the routes: the routes before it have no session. ${fix}.`;
    return undefined;
  }
}
