import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { eidasRank, isEidasLevel, satisfiesEidas, type EidasLevel } from '../acr/eidas.js';
import { wantsHtml } from '../errors/content-negotiation.js';
import { EidasLevelTooLowError, NotAuthenticatedError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';
import { SignInRedirect } from '../errors/sign-in-redirect.js';
import { SignInService } from '../oidc/sign-in.service.js';
import { sessionIdentities } from '../session/session-state.js';
import { REQUIRE_EIDAS_METADATA } from '../franceconnect.constants.js';

/**
 * Reads the level written by `@RequireEidas()` and compares it, as a number, with the highest level
 * among the identities of the session. Too low: a browser is sent to sign in at the required level (step
 * up) and back; an API client gets 401 (not signed in) or 403 (level too low).
 */
@Injectable()
export class EidasGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    protected readonly signIn: SignInService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required = this.reflector.getAllAndOverride<EidasLevel | undefined>(REQUIRE_EIDAS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const current = highestLevel(req);
    if (current && satisfiesEidas(current, required)) return true;

    if (req.method === 'GET' && wantsHtml(req)) {
      const platform = this.platformFor(required);
      // FranceConnect+ answers eidas1 with invalid_acr: its lowest level satisfies eidas1 anyway.
      const acr = platform === 'fcp' && required === 'eidas1' ? 'eidas2' : required;
      const outcome = await this.signIn.start(platform, req, { acr, returnTo: req.originalUrl });
      throw new SignInRedirect(outcome.kind === 'redirect' ? outcome.url : outcome.returnTo);
    }
    const details = { required_acr: required, current_acr: current ?? null };
    if (!current) throw new NotAuthenticatedError(`This route requires signing in at level ${required}`, { details });
    throw new EidasLevelTooLowError(`This route requires ${required}; the session is at ${current}`, { details });
  }

  /**
   * Platform a step-up goes to: FranceConnect for `eidas1` when it is configured, FranceConnect+ otherwise.
   * Override to choose differently.
   */
  protected platformFor(required: EidasLevel): PlatformId {
    return required === 'eidas1' && this.signIn.platforms.includes('fc') ? 'fc' : 'fcp';
  }
}

/** The highest eIDAS level among the identities of the session, if any. */
export function highestLevel(req: Request): EidasLevel | undefined {
  let best: EidasLevel | undefined;
  for (const identity of Object.values(sessionIdentities(req))) {
    if (identity && isEidasLevel(identity.acr) && (!best || eidasRank(identity.acr) > eidasRank(best))) best = identity.acr;
  }
  return best;
}
