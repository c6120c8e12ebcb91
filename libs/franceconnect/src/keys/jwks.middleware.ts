import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { PublicJwks } from './key-set.js';
import { KeyService } from './key.service.js';

/**
 * Serves the public JWKS at the configured path. FranceConnect+ fetches it anonymously and caches it: the
 * cache lifetime is kept short so a rotation (new key published first) is seen within minutes. The body is
 * serialized once per key set, and again after `KeyService.reload()` changed the keys.
 */
@Injectable()
export class JwksMiddleware implements NestMiddleware {
  private cached?: { readonly jwks: PublicJwks; readonly body: string };

  constructor(private readonly keys: KeyService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const jwks = this.keys.publicJwks();
    if (this.cached?.jwks !== jwks) this.cached = { jwks, body: JSON.stringify(jwks) };
    res.setHeader('Content-Type', 'application/jwk-set+json; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end(req.method === 'HEAD' ? undefined : this.cached.body);
  }
}
