import { ConfigurationError, FranceConnectError, type FranceConnectErrorCode } from '../errors/franceconnect.errors.js';

/**
 * Errors raised by identity linking. Each class carries a stable `code`; messages say what to fix and
 * never contain a `sub`, a claim value or the pivot hash secret.
 *
 * | code | class | when |
 * |---|---|---|
 * | `FC_IDENTITY_CONFIGURATION_INVALID` | {@link IdentityConfigurationError} | bad {@link IdentityLinkOptions} or a short pivot hash secret |
 * | `FC_IDENTITY_SIGN_IN_INVALID` | {@link InvalidSignInError} | `resolve()` called with an unknown platform, an empty `sub`, ... |
 */

/** Base class of the identity linking errors. */
export abstract class IdentityError extends FranceConnectError {
  abstract override readonly code: FranceConnectErrorCode;
}

/** The identity linking options are unusable. Lists every problem and how to fix it. */
export class IdentityConfigurationError extends ConfigurationError {
  override readonly code = 'FC_IDENTITY_CONFIGURATION_INVALID';

  constructor(problems: readonly string[]) {
    super('identity linking', problems);
  }
}

/**
 * The sign-in handed to `IdentityLinkService.resolve()` is malformed. This is a programming error in
 * the caller (the values come from a verified ID token), so nothing is written.
 */
export class InvalidSignInError extends IdentityError {
  override readonly code = 'FC_IDENTITY_SIGN_IN_INVALID';
}
