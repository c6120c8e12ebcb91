import { Controller, Get, Header, Inject, Optional, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticatedGuard, IdentityLinkService, sessionIdentities, type FcIdentity } from '../../../libs/franceconnect/src/index.js';
import { renderHome } from './views.js';

function describe(identity: FcIdentity): Record<string, unknown> {
  return { provider: identity.platform, sub: identity.sub, acr: identity.acr, amr: identity.amr, claims: identity.claims };
}

/** Home page and the signed-in identities. */
@Controller()
export class HomeController {
  constructor(@Optional() @Inject(IdentityLinkService) private readonly identityLinks: IdentityLinkService | null) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  home(@Req() req: Request): string {
    return renderHome(Object.values(sessionIdentities(req)));
  }

  /**
   * The signed-in identity as JSON (`provider`, `sub`, `acr`, `amr`, `claims` of the most recent sign-in),
   * with every identity the session holds under `identities`; 401 when nobody is signed in.
   */
  @Get('me')
  @UseGuards(AuthenticatedGuard)
  async me(@Req() req: Request): Promise<Record<string, unknown>> {
    const state = req.session.franceconnect!;
    const identities = Object.values(sessionIdentities(req)).map((identity) => describe(identity!));
    const current = state.current && state.identities?.[state.current];
    const account = state.account;
    const links = account?.status === 'linked' && this.identityLinks ? await this.identityLinks.links(account.accountId) : [];
    return {
      ...(current && describe(current)),
      identities,
      account: account && {
        ...account,
        links: links.map((link) => ({ platform: link.platform, sub: link.sub, lastAcr: link.lastAcr })),
      },
    };
  }
}
