import { describe, expect, it } from 'vitest';
import { NotAuthenticatedError } from './franceconnect.errors.js';
import { isSignInRedirect, SignInRedirect } from './sign-in-redirect.js';

describe('SignInRedirect', () => {
  it('carries the location as given, under its own name', () => {
    const redirect = new SignInRedirect('https://auth.example.fr/api/v2/authorize?state=abc&acr_values=eidas2');
    expect(redirect.location).toBe('https://auth.example.fr/api/v2/authorize?state=abc&acr_values=eidas2');
    expect(redirect.name).toBe('SignInRedirect');
    expect(redirect.message).toBe('Redirect');
    expect(redirect).toBeInstanceOf(Error);
  });

  it('captures no stack frame: a redirect is a signal, not a failure', () => {
    const stack = new SignInRedirect('/account').stack ?? '';
    expect(stack).not.toMatch(/\n\s+at /);
  });

  it("leaves the process's stack trace limit as it was, for every other error", () => {
    const before = Error.stackTraceLimit;
    expect(new SignInRedirect('/').location).toBe('/');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('after').stack).toMatch(/\n\s+at /);
  });
});

describe('isSignInRedirect', () => {
  it('tells the redirect signal from errors and look-alikes', () => {
    expect(isSignInRedirect(new SignInRedirect('/'))).toBe(true);
    expect(isSignInRedirect(new NotAuthenticatedError('Sign in first'))).toBe(false);
    expect(isSignInRedirect(Object.assign(new Error('Redirect'), { name: 'SignInRedirect', location: '/' }))).toBe(false);
    expect(isSignInRedirect({ location: '/' })).toBe(false);
    expect(isSignInRedirect(undefined)).toBe(false);
  });
});
