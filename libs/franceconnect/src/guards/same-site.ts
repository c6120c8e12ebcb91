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
    if (host !== req.get('host')) throw new CrossSiteRequestError('Logout must be requested from this site');
  } else if (origin === 'null') {
    throw new CrossSiteRequestError('Logout must be requested from this site');
  }
}
