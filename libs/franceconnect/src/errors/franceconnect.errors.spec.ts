import { describe, expect, it } from 'vitest';
import * as barrel from '../index.js';
import * as errors from './franceconnect.errors.js';
import {
  CallbackError,
  ConfigurationError,
  FranceConnectConfigurationError,
  FranceConnectError,
  sanitiseProviderText,
  type FranceConnectErrorCode,
  type FranceConnectErrorOptions,
} from './franceconnect.errors.js';

/**
 * The contract of every error class: its stable code, the HTTP status the client receives and the OAuth
 * `error` of JSON bodies, written out here rather than read from `ERROR_ANSWERS`, so that a change of
 * either shows. A class added to franceconnect.errors.ts without a line here fails the completeness test.
 */
const CONTRACT: Readonly<Record<string, { code: string; status: number; oauthError: string }>> = {
  FranceConnectError: { code: 'FC_ERROR', status: 500, oauthError: 'server_error' },
  // The base of the configuration errors (module, keys, identity linking), never raised by itself.
  ConfigurationError: { code: 'FC_ERROR', status: 500, oauthError: 'server_error' },
  FranceConnectConfigurationError: { code: 'FC_CONFIGURATION_INVALID', status: 500, oauthError: 'server_error' },
  ProviderUnavailableError: { code: 'FC_PROVIDER_UNAVAILABLE', status: 503, oauthError: 'temporarily_unavailable' },
  SessionStoreUnavailableError: { code: 'FC_SESSION_STORE_UNAVAILABLE', status: 503, oauthError: 'temporarily_unavailable' },
  IdentityStoreUnavailableError: { code: 'FC_IDENTITY_STORE_UNAVAILABLE', status: 503, oauthError: 'temporarily_unavailable' },
  TooManySignInsError: { code: 'FC_TOO_MANY_SIGN_INS', status: 429, oauthError: 'temporarily_unavailable' },
  PlatformAnswerTooLargeError: { code: 'FC_PLATFORM_ANSWER_TOO_LARGE', status: 502, oauthError: 'server_error' },
  StateMismatchError: { code: 'FC_STATE_INVALID', status: 400, oauthError: 'invalid_request' },
  IssuerMismatchError: { code: 'FC_ISSUER_MISMATCH', status: 400, oauthError: 'invalid_request' },
  TransactionExpiredError: { code: 'FC_TRANSACTION_EXPIRED', status: 400, oauthError: 'invalid_request' },
  // The status and OAuth error of a callback error are the platform's (see its own tests below).
  CallbackError: { code: 'FC_CALLBACK_ERROR', status: 401, oauthError: 'access_denied' },
  AcrError: { code: 'FC_ACR_INVALID', status: 401, oauthError: 'invalid_grant' },
  AcrTooLowError: { code: 'FC_ACR_TOO_LOW', status: 401, oauthError: 'invalid_grant' },
  IdTokenError: { code: 'FC_ID_TOKEN_INVALID', status: 401, oauthError: 'invalid_grant' },
  EncryptionRequiredError: { code: 'FC_ENCRYPTION_REQUIRED', status: 401, oauthError: 'invalid_grant' },
  UserInfoError: { code: 'FC_USERINFO_INVALID', status: 401, oauthError: 'invalid_grant' },
  TokenRequestError: { code: 'FC_TOKEN_REQUEST_FAILED', status: 401, oauthError: 'invalid_grant' },
  ClientAuthenticationError: { code: 'FC_CLIENT_AUTHENTICATION_FAILED', status: 500, oauthError: 'server_error' },
  ClientMetadataError: { code: 'FC_CLIENT_METADATA_INVALID', status: 500, oauthError: 'server_error' },
  NotAuthenticatedError: { code: 'FC_NOT_AUTHENTICATED', status: 401, oauthError: 'login_required' },
  EidasLevelTooLowError: { code: 'FC_EIDAS_LEVEL_TOO_LOW', status: 403, oauthError: 'insufficient_user_authentication' },
  CrossSiteRequestError: { code: 'FC_CROSS_SITE_REQUEST', status: 403, oauthError: 'access_denied' },
  LogoutStateError: { code: 'FC_LOGOUT_STATE_INVALID', status: 400, oauthError: 'invalid_request' },
  SessionMissingError: { code: 'FC_SESSION_MISSING', status: 500, oauthError: 'server_error' },
  SessionCookieNotSentError: { code: 'FC_SESSION_COOKIE_NOT_SENT', status: 500, oauthError: 'server_error' },
  InternalSignInError: { code: 'FC_INTERNAL_ERROR', status: 500, oauthError: 'server_error' },
};

/** What every error of the library carries. */
type LibraryError = Error & { code: string; status: number; oauthError: string } & Omit<FranceConnectErrorOptions, 'cause'>;
type ErrorClass = abstract new (...args: never[]) => LibraryError;

/** The classes franceconnect.errors.ts exports, by name (functions written as `class`). */
const exportedClasses = Object.entries(errors as Record<string, unknown>).filter(
  ([, value]) => typeof value === 'function' && Function.prototype.toString.call(value).startsWith('class'),
) as [string, ErrorClass][];

const cause = new Error('connect ECONNREFUSED 10.0.0.1:443');
const options: FranceConnectErrorOptions = { cause, platform: 'fcp', details: { required_acr: 'eidas2', current_acr: null }, retryAfterSeconds: 7 };

/** An instance of any class, built the way the library builds it. */
function build(name: string, ErrorType: ErrorClass): LibraryError {
  if (name === 'FranceConnectConfigurationError') return new FranceConnectConfigurationError(['clientId is missing']);
  if (name === 'ConfigurationError') return new ConfigurationError('keys', ['no encryption key'], options);
  if (name === 'CallbackError') return new CallbackError('access_denied', 'The person cancelled', options);
  const Constructor = ErrorType as unknown as new (message: string, options: FranceConnectErrorOptions) => LibraryError;
  return new Constructor('What happened, and what to do', options);
}

describe('error classes', () => {
  it('are all in the contract table, and the table names no class that does not exist', () => {
    expect(exportedClasses.map(([name]) => name).toSorted()).toEqual(Object.keys(CONTRACT).toSorted());
  });

  it.each(exportedClasses)('%s has its stable code, status and OAuth error, and its own name', (name, ErrorType) => {
    const error = build(name, ErrorType);
    expect({ code: error.code, status: error.status, oauthError: error.oauthError }).toEqual(CONTRACT[name]);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
    expect(error.stack).toContain(name);
  });

  it.each(exportedClasses.filter(([name]) => !name.endsWith('ConfigurationError')))('%s keeps its cause, platform, details and retry delay', (name, ErrorType) => {
    const error = build(name, ErrorType);
    expect(error.cause).toBe(cause);
    expect(error.platform).toBe('fcp');
    expect(error.details).toEqual({ required_acr: 'eidas2', current_acr: null });
    expect(error.retryAfterSeconds).toBe(7);
  });

  it('have a code each, none shared, apart from the two bases that are never raised by themselves', () => {
    const codes = Object.values(CONTRACT)
      .map(({ code }) => code)
      .filter((code) => code !== 'FC_ERROR');
    expect(codes).toHaveLength(Object.keys(CONTRACT).length - 2);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('leave cause out when none is given, so that nothing empty reaches the log', () => {
    const error = new errors.StateMismatchError('The callback carries no state');
    expect('cause' in error).toBe(false);
    expect(error.platform).toBeUndefined();
    expect(error.details).toBeUndefined();
    expect(error.retryAfterSeconds).toBeUndefined();
  });

  it('are every one exported by the package barrel, as the same class', () => {
    const fromBarrel = barrel as unknown as Record<string, unknown>;
    for (const [name, ErrorType] of exportedClasses) expect(fromBarrel[name], name).toBe(ErrorType);
  });

  it("answer a code of the application's own, or one named like a prototype member, as the root does", () => {
    class ApplicationError extends FranceConnectError {
      override readonly code = 'APP_ACCOUNT_CLOSED' as FranceConnectErrorCode;
    }
    class ProtoError extends FranceConnectError {
      override readonly code = '__proto__' as FranceConnectErrorCode;
    }
    for (const error of [new ApplicationError('closed'), new ProtoError('x')]) {
      expect({ status: error.status, oauthError: error.oauthError }).toEqual({ status: 500, oauthError: 'server_error' });
    }
  });
});

describe('ConfigurationError', () => {
  it('names what is configured and lists every problem, keeping its cause', () => {
    const unreadable = new Error('EACCES');
    const error = new ConfigurationError('keys', ['the file is not readable: give it mode 0600.'], { cause: unreadable });
    expect(error.message).toBe('Invalid keys configuration (1 problem):\n  - the file is not readable: give it mode 0600.');
    expect(error.problems).toEqual(['the file is not readable: give it mode 0600.']);
    expect(error.cause).toBe(unreadable);
  });
});

describe('FranceConnectConfigurationError', () => {
  it('lists every problem on its own line, and keeps them frozen', () => {
    const error = new FranceConnectConfigurationError(['clientId is missing: set it.', 'redirectUri must be https.']);
    expect(error.message).toBe('Invalid FranceConnect configuration (2 problems):\n  - clientId is missing: set it.\n  - redirectUri must be https.');
    expect(error.problems).toEqual(['clientId is missing: set it.', 'redirectUri must be https.']);
    expect(Object.isFrozen(error.problems)).toBe(true);
    expect(new FranceConnectConfigurationError(['one']).message).toMatch(/^Invalid FranceConnect configuration \(1 problem\):/);
  });

  it('does not change when the list it was given changes', () => {
    const problems = ['clientId is missing'];
    const error = new FranceConnectConfigurationError(problems);
    problems.push('added later');
    expect(error.problems).toEqual(['clientId is missing']);
  });
});

describe('CallbackError', () => {
  it.each([
    ['access_denied', 401],
    ['server_error', 502],
    ['temporarily_unavailable', 503],
    ['invalid_acr', 400],
    ['invalid_request', 400],
    ['invalid_scope', 400],
    ['something_new', 400],
  ])('answers the platform error %s with %i', (error, status) => {
    const callback = new CallbackError(error, undefined, { platform: 'fc' });
    expect(callback.status).toBe(status);
    expect(callback.oauthError).toBe(error);
    expect(callback.code).toBe('FC_CALLBACK_ERROR');
  });

  it("never takes a status from the prototype of the status table (an error named '__proto__' or 'constructor')", () => {
    for (const error of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(new CallbackError(error, undefined).status, error).toBe(400);
    }
  });

  it('keeps the platform text out of logs and pages when it carries control characters, and caps its length', () => {
    const callback = new CallbackError('access_denied\r\nX-Forged: 1', `line one\nline two\u2028${'x'.repeat(400)}`);
    expect(callback.oauthError).toBe('access_deniedX-Forged: 1');
    expect(callback.status).toBe(400);
    expect(callback.description).toBe(`line oneline two${'x'.repeat(284)}…`);
    expect(callback.message).not.toMatch(/[\r\n\u2028]/);
  });

  it('names a missing error server_error, and says so without a description', () => {
    const callback = new CallbackError('\u0000\u0001', undefined);
    expect(callback.oauthError).toBe('server_error');
    expect(callback.status).toBe(502);
    expect(callback.description).toBeUndefined();
    expect(callback.message).toBe('The platform answered the sign-in with "server_error"');
  });

  it('quotes the description in its message', () => {
    expect(new CallbackError('invalid_acr', 'acr_values not supported').message).toBe('The platform answered the sign-in with "invalid_acr": acr_values not supported');
  });
});

describe('sanitiseProviderText', () => {
  it('drops C0 and C1 control characters and the Unicode line separators, keeps accented text', () => {
    expect(sanitiseProviderText('Connexion\u0000 annul\u00e9e\u001b[31m\u0085\u2029 par la personne\u007f', 100)).toBe('Connexion annulée[31m par la personne');
  });

  it('caps the length after dropping, with an ellipsis', () => {
    expect(sanitiseProviderText('abcdef', 6)).toBe('abcdef');
    expect(sanitiseProviderText('abcdefg', 6)).toBe('abcdef…');
    expect(sanitiseProviderText('\n\n\nabc', 3)).toBe('abc');
  });
});
