import { Controller, Get, Header, Req } from '@nestjs/common';
import type { Request } from 'express';
import { FcUser, RequireEidas, highestLevel, type FcIdentity } from '../../../libs/franceconnect/src/index.js';
import { renderProtected } from './views.js';

/** Pages that require an eIDAS level: HTML for browsers, JSON with `Accept: application/json`. */
@Controller('protected')
export class ProtectedController {
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
