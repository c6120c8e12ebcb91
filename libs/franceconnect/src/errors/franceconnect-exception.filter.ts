import { Catch, Inject, Logger, Optional, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FRANCECONNECT_OPTIONS } from '../franceconnect.constants.js';
import type { ResolvedFranceConnectOptions } from '../options/resolve-options.js';
import { wantsHtml } from './content-negotiation.js';
import { renderErrorPage } from './error-page.js';
import { FranceConnectError } from './franceconnect.errors.js';
import { SignInRedirect } from './sign-in-redirect.js';

/**
 * Answers the library's errors and redirects. A browser gets a page in French that says what happened
 * and offers to retry; an API client gets an OAuth-style JSON body (`error`, `error_description`, `code`).
 * Either way the status is the error's, there is no stack trace, and the server logs one line with the
 * code and the platform, never a token or personal data. The page is the module's `renderErrorPage`
 * template when the application gives one, the library's own page otherwise.
 */
@Catch(FranceConnectError, SignInRedirect)
export class FranceConnectExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FranceConnect');

  // Optional so that the filter still works when built by hand (`new FranceConnectExceptionFilter()`).
  constructor(@Optional() @Inject(FRANCECONNECT_OPTIONS) private readonly options?: ResolvedFranceConnectOptions) {}

  catch(exception: FranceConnectError | SignInRedirect, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // A response already started cannot carry the error: end it, so the client does not wait forever.
    if (res.headersSent) {
      res.end();
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    if (exception instanceof SignInRedirect) {
      // No body: a browser follows a 303 at once. (res.redirect() would negotiate and write one.)
      res.status(303).location(exception.location).end();
      return;
    }
    this.log(exception, req);
    const retryAfter = exception.retryAfterSeconds ?? (exception.status === 503 ? 5 : undefined);
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    if (wantsHtml(req)) {
      res.status(exception.status).type('html').send(renderErrorPage(exception, this.options?.renderErrorPage, this.logger));
      return;
    }
    res.status(exception.status).json(this.jsonBody(exception));
  }

  /** The JSON body for API clients. Override to add fields. */
  protected jsonBody(exception: FranceConnectError): Record<string, unknown> {
    const body: Record<string, unknown> = {
      error: exception.oauthError,
      error_description: exception.message,
      code: exception.code,
      ...(exception.platform && { platform: exception.platform }),
    };
    // Details add fields; they never replace the error's own.
    for (const [key, value] of Object.entries(exception.details ?? {})) {
      if (!Object.hasOwn(body, key) && key !== 'platform') body[key] = value;
    }
    return body;
  }

  private log(exception: FranceConnectError, req: Request): void {
    const line = `sign-in rejected code=${exception.code} status=${exception.status} platform=${exception.platform ?? '-'} path=${req.path}: ${exception.message}`;
    if (exception.status === 429) {
      // A flood would write one line per request: the sign-in service warns once per client and window.
      this.logger.debug(line);
    } else if (exception.status >= 500 && exception.status !== 503) {
      this.logger.error(line);
    } else {
      this.logger.warn(line);
    }
  }
}
