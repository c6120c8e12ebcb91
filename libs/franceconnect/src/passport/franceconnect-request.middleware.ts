import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { SignInService } from '../oidc/sign-in.service.js';
import { currentIdentity } from '../session/session-state.js';
import { bindAuthenticator } from './franceconnect-passport.strategy.js';

/**
 * Runs on every request of the application: binds the request to this application's sign-in service (for
 * the Passport strategies, see franceconnect-passport.strategy.ts), and sets `req.user` to the person the
 * session holds (the identity of their most recent sign-in), as Passport applications expect.
 */
@Injectable()
export class FranceConnectRequestMiddleware implements NestMiddleware {
  constructor(private readonly signIn: SignInService) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    bindAuthenticator(req, this.signIn);
    const identity = currentIdentity(req);
    if (identity !== undefined && req.user === undefined) req.user = identity;
    next();
  }
}
