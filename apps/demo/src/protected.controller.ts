import { Controller, Get, Header, Req, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { FcPlusGuard, FcUser, RequireEidas, highestLevel, type FcIdentity } from '../../../libs/franceconnect/src/index.js';
import { AccountGuard, type AccountUser } from './account.guard.js';
import { renderProtected } from './views.js';

/** Pages that require an eIDAS level: HTML for browsers, JSON with `Accept: application/json`. */
@Controller('protected')
export class ProtectedController {
  /** Any person signed in with FranceConnect+ (`eidas2` or more); others are sent to sign in and back. */
  @Get('fcp')
  @UseGuards(FcPlusGuard)
  @Header('Vary', 'Accept')
  fcp(@Req() req: Request, @FcUser() user: FcIdentity): string | Record<string, unknown> {
    return this.answer(req, user, 'eidas2');
  }

  /**
   * The same through `AuthGuard('franceconnect-plus')` of `@nestjs/passport`, as a Passport application
   * writes it; `req.user` is the person.
   */
  @Get('passport')
  @UseGuards(AuthGuard('franceconnect-plus'))
  passport(@Req() req: Request): Record<string, unknown> {
    const user = req.user as FcIdentity;
    return { provider: user.platform, acr: user.acr, sub: user.sub, claims: user.claims };
  }

  /** The person's account, loaded by the guard's `validate()` hook into `req.user`. */
  @Get('account')
  @UseGuards(AccountGuard)
  account(@Req() req: Request): Record<string, unknown> {
    const user = req.user as AccountUser;
    return { accountId: user.accountId, provider: user.identity.platform, acr: user.identity.acr };
  }

  @Get('eidas2')
  @RequireEidas('eidas2')
  @Header('Vary', 'Accept')
  eidas2(@Req() req: Request, @FcUser() user: FcIdentity): string | Record<string, unknown> {
    return this.answer(req, user, 'eidas2');
  }

  @Get('eidas3')
  @RequireEidas('eidas3')
  @Header('Vary', 'Accept')
  eidas3(@Req() req: Request, @FcUser() user: FcIdentity): string | Record<string, unknown> {
    return this.answer(req, user, 'eidas3');
  }

  private answer(req: Request, user: FcIdentity, required: string): string | Record<string, unknown> {
    const level = highestLevel(req);
    if (req.accepts(['json', 'html']) === 'html') {
      req.res?.type('html');
      return renderProtected(required, level ?? '', user);
    }
    return { required, acr: level, provider: user.platform, sub: user.sub, claims: user.claims };
  }
}
