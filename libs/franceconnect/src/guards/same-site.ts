import type { Request } from 'express';
import { CrossSiteRequestError } from '../errors/franceconnect.errors.js';

/**
 * Refuses a state-changing request sent by another site. Browsers send `Sec-Fetch-Site` and `Origin` on
 * POST; a cross-site value in either is refused. A client that sends neither is not a browser a forged
 * page could drive, so it is let through (the session cookie is `SameSite=Lax` besides).
 *
 * @throws {CrossSiteRequestError} for a cross-site request.
 */
export function assertSameSite(req: Request): void {
  const fetchSite = req.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw new CrossSiteRequestError('Logout must be requested from this site');
  }
  const origin = req.get('origin');
  if (origin && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new CrossSiteRequestError('Logout must be requested from this site');
    }
    // req.host is the host the browser asked for: the Host header, or behind a proxy Express trusts
    // (`trust proxy`), X-Forwarded-Host, which a proxy that rewrites Host (nginx's default) sends.
    if (host !== req.host) throw new CrossSiteRequestError('Logout must be requested from this site');
  } else if (origin === 'null') {
    throw new CrossSiteRequestError('Logout must be requested from this site');
  }
}
