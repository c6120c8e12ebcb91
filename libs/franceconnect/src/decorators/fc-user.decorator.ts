import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { currentIdentity } from '../session/session-state.js';

/**
 * Injects the identity of the most recent sign-in ({@link FcIdentity}), or `undefined` when nobody is
 * signed in. Combine with `AuthenticatedGuard` to be sure it is there.
 *
 * @example
 * ```ts
 * @Get('me') @UseGuards(AuthenticatedGuard) me(@FcUser() user: FcIdentity) { return user.claims; }
 * ```
 */
export const FcUser = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  currentIdentity(context.switchToHttp().getRequest<Request>()),
);
