/**
 * The HTTP front of one platform: request log, the interaction pages, and oidc-provider mounted under
 * the issuer path.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import type { EmulatorClientConfig } from './clients.js';
import { checkAmrClaim, checkAuthorizeParameters, checkRevocationBody, rewriteAuthorizeParameters, type CoreRefusal } from './core-checks.js';
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
  /** This platform's registrations, for the checks FranceConnect's core makes before oidc-provider. */
  clients: readonly EmulatorClientConfig[];
  /** Let PKCE's parameters through `/authorize`, which FranceConnect refuses. Default `false`. */
  acceptPkce?: boolean;
  log: (line: string) => void;
}

/** Largest form body read for the checks in front of oidc-provider (oidc-provider's own limit is 56 KiB). */
const MAX_FORM_BYTES = 56 * 1024;

/** A form body too large to read: refused as FranceConnect's front would. */
class BodyTooLargeError extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new BodyTooLargeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Hands a body already read for the front checks to oidc-provider, which reads it again from the request
 * stream (`lib/shared/selective_body.js`): the request reads as a stream holding that body once more.
 */
function replayBody(req: IncomingMessage, body: Buffer): void {
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  (req as unknown as { iterator: () => AsyncIterableIterator<Buffer> }).iterator = async function* () {
    yield body;
  };
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
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
  const clientsById = new Map(options.clients.map((client) => [client.client_id, client]));

  const refuse = (res: ServerResponse, refusal: CoreRefusal): void => {
    log(`${platform.id} refused ${refusal.code}: ${refusal.description}`);
    res.statusCode = refusal.status;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.end(errorPage({ platform, code: refusal.code, error: refusal.error, description: refusal.description }));
  };

  /**
   * FranceConnect's core checks the authorization request in its own controller before oidc-provider
   * (`back/apps/core-fcp/src/controllers/oidc-provider.controller.ts`), GET or POST, and the `amr` claims
   * request right after it. Returns false when the request was refused.
   */
  const authorizeAccepted = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const post = req.method === 'POST' && isForm(req);
    const parameters = post ? new URLSearchParams((await readBody(req)).toString('utf8')) : url.searchParams;
    const refusal =
      checkAuthorizeParameters(parameters, { acceptPkce: options.acceptPkce === true }) ??
      checkAmrClaim(parameters, registeredFor(parameters));
    if (refusal !== undefined) {
      refuse(res, refusal);
      return false;
    }
    // FranceConnect's core clears oidc-provider's cookies before every authorization request, in the request
    // and in the browser (`beforeAuthorizeMiddleware` in
    // back/libs/core/src/services/core-oidc-provider-middleware.service.ts): each sign-in is a new
    // oidc-provider session, never an account switch; single sign-on is the platform's own (sso.ts).
    delete req.headers.cookie;
    for (const name of [`${platform.cookiePrefix}_session`, `${platform.cookiePrefix}_session.sig`]) {
      res.appendHeader('set-cookie', `${name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`);
    }
    const rewritten = rewriteAuthorizeParameters(parameters, platform);
    // FranceConnect's core takes POST /authorize as GET (`postAuthorize` in
    // back/apps/core-fcp/src/controllers/oidc-provider.controller.ts). oidc-provider takes POST only with
    // cross-site cookies (SameSite=None), which it never reads here since the cookies were just cleared:
    // the checked parameters go on as a GET.
    if (post) {
      req.method = 'GET';
      delete req.headers['content-type'];
      delete req.headers['content-length'];
    }
    req.url = `${url.pathname}?${rewritten.toString()}`;
    return true;
  };

  /** The registration named by the request, when its redirect_uri is one of it (else oidc-provider refuses first). */
  const registeredFor = (parameters: URLSearchParams): EmulatorClientConfig | undefined => {
    const client = clientsById.get(parameters.get('client_id') ?? '');
    return client?.redirect_uris.includes(parameters.get('redirect_uri') ?? '') ? client : undefined;
  };

  /** `RevocationTokenParamsDTO`, checked before oidc-provider (`back/libs/oidc-provider/src/oidc-provider.controller.ts`). */
  const revocationAccepted = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'POST' || !isForm(req)) return true;
    const body = await readBody(req);
    replayBody(req, body);
    const refusal = checkRevocationBody(new URLSearchParams(body.toString('utf8')));
    if (refusal === undefined) return true;
    refuse(res, refusal);
    return false;
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const { pathname } = url;
    logWhenDone(req, res, platform, pathname, log);

    const respond = async (): Promise<void> => {
      if (await interactions.handle(req, res, pathname)) return;

      if (pathname === `${prefix}/authorize` && !(await authorizeAccepted(req, res, url))) return;
      if (pathname === `${prefix}/token/revocation` && !(await revocationAccepted(req, res))) return;

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
      if (error instanceof BodyTooLargeError && !res.headersSent) {
        refuse(res, { code: 'Y000413', status: 413, error: 'invalid_request', description: error.message });
        return;
      }
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
