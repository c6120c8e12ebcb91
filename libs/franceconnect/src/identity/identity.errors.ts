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
export class IdentityError extends Error {
  /** Stable machine-readable code. */
  readonly code: string = 'FC_IDENTITY_ERROR';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The identity linking options are unusable. Lists every problem and how to fix it. */
export class IdentityConfigurationError extends IdentityError {
  override readonly code = 'FC_IDENTITY_CONFIGURATION_INVALID';
  /** One sentence per problem, each saying how to fix it. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid identity linking configuration (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.problems = Object.freeze([...problems]);
  }
}

/**
 * The sign-in handed to `IdentityLinkService.resolve()` is malformed. This is a programming error in
 * the caller (the values come from a verified ID token), so nothing is written.
 */
export class InvalidSignInError extends IdentityError {
  override readonly code = 'FC_IDENTITY_SIGN_IN_INVALID';
}
