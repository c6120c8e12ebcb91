/**
 * Raised by the library's guards to send the browser elsewhere (to the platform to sign in, or back to
 * the page it asked for). A guard cannot answer a request itself; {@link FranceConnectExceptionFilter}
 * turns this into a `303 See Other`. An application with a catch-all exception filter should let it
 * through (see `isSignInRedirect`).
 */
export class SignInRedirect extends Error {
  constructor(readonly location: string) {
    // A redirect is a signal, not a failure: no stack trace is ever shown for it, so none is captured.
    // Capturing one was the costliest step of the library's own code in a sign-in (see docs/performance.md).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('Redirect');
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'SignInRedirect';
  }
}

/** Whether an exception is the library's redirect signal, for applications with their own catch-all filter. */
export function isSignInRedirect(error: unknown): error is SignInRedirect {
  return error instanceof SignInRedirect;
}
