/**
 * The HTTP front of one platform: request log, the interaction pages, and oidc-provider mounted under
 * the issuer path.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import type { InteractionRoutes } from './interactions.js';
import type { PlatformDefinition } from './platforms.js';
import { errorPage, notFoundPage } from './views.js';

/** What the request handler of one platform needs. */
export interface PlatformHandlerOptions {
  platform: PlatformDefinition;
  provider: Provider;
  issuer: string;
  /** Issuer path, e.g. `/api/v2`. */
  prefix: string;
  interactions: InteractionRoutes;
  log: (line: string) => void;
}

/**
 * Logs one line per request once the response is done: platform, method, path, status, duration. Only
 * the path is logged: query strings carry authorization codes, tokens travel in bodies and headers.
 */
function logWhenDone(req: IncomingMessage, res: ServerResponse, platform: PlatformDefinition, pathname: string, log: (line: string) => void): void {
  const started = performance.now();
  res.once('close', () => {
    const ms = Math.round(performance.now() - started);
    log(`${platform.id} ${req.method ?? '-'} ${pathname} ${res.statusCode} ${ms}ms`);
  });
}

/** The request listener of one platform's server. */
export function createPlatformHandler(options: PlatformHandlerOptions): RequestListener {
  const { platform, provider, prefix, interactions, log } = options;
  const providerCallback = provider.callback();

  return (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://emulator.invalid').pathname;
    logWhenDone(req, res, platform, pathname, log);

    const respond = async (): Promise<void> => {
      if (await interactions.handle(req, res, pathname)) return;

      if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
        // Mounting as express' app.use(prefix, …) does: oidc-provider derives the mount path from
        // `originalUrl` minus `url`, so discovery and redirects keep the `/api/v2` prefix.
        const original = req.url ?? '/';
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = original;
        req.url = original.slice(prefix.length) || '/';
        await providerCallback(req, res);
        return;
      }

      res.statusCode = 404;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(notFoundPage(platform, options.issuer));
    };

    respond().catch((error: unknown) => {
      log(`${platform.id} error ${req.method ?? '-'} ${pathname}: ${error instanceof Error ? error.message : String(error)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.statusCode = 500;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(errorPage({ platform, error: 'server_error', description: 'erreur technique dans l’émulateur' }));
    });
  };
}
