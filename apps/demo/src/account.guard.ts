import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FcPlusGuard, type FcIdentity } from '../../../libs/franceconnect/src/index.js';

/** What `/protected/account` reads as `req.user`: the person's account, with the identity that proved it. */
export interface AccountUser {
  readonly accountId: string | null;
  readonly identity: FcIdentity;
}

/**
 * `FcPlusGuard` with its `validate()` hook, as an application loads its own user: here the account
 * identity linking chose for the person (`null` while linking could not decide).
 */
@Injectable()
export class AccountGuard extends FcPlusGuard {
  protected override validate(identity: FcIdentity, req: Request): AccountUser {
    const account = req.session.franceconnect?.account;
    return { accountId: account?.status === 'linked' ? account.accountId : null, identity };
  }
}
