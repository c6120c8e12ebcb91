import type { Request } from 'express';

/**
 * Whether the client is a browser navigating (it prefers HTML) rather than an API client. Browsers send
 * `Accept: text/html,…` on navigation; API clients send `application/json`, `*\/*` or nothing, and get JSON.
 */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}
