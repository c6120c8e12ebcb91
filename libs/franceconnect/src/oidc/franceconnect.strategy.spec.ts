import { createHash } from 'node:crypto';
import type { Request } from 'express';
import * as client from 'openid-client';
import { describe, expect, it } from 'vitest';
import { FRANCECONNECT_PLUS_ISSUERS } from '../options/issuer-presets.js';
import { resolveFranceConnectOptions } from '../options/resolve-options.js';
import { FranceConnectStrategy, isPlatformAnswer, strategySessionKey, type AuthorizationDraft } from './franceconnect.strategy.js';

const ISSUER = FRANCECONNECT_PLUS_ISSUERS.integration;
const registration = { issuer: ISSUER, clientId: 'client', clientSecret: 'secret', redirectUri: 'https://service.example.fr/auth/fcp/callback' };
const platform = resolveFranceConnectOptions({ franceConnectPlus: registration }, {}).platforms.fcp!;
/** The same registration with the amr claim and PKCE turned on. */
const withOptions = resolveFranceConnectOptions({ franceConnectPlus: { ...registration, requestAmr: true, pkce: true } }, {}).platforms.fcp!;
// The platform's metadata as discovery returns it; no request is made by what is tested here.
const config = new client.Configuration(
  { issuer: ISSUER, authorization_endpoint: `${ISSUER}/api/v2/authorize`, token_endpoint: `${ISSUER}/api/v2/token` },
  platform.clientId,
  platform.clientSecret,
);

type Outcome = { kind: 'redirect'; url: URL } | { kind: 'error'; error: Error } | { kind: 'fail'; info: unknown };

/** Runs the strategy as Passport does: a per-request object whose prototype is the strategy. */
function authenticate(req: Partial<Request>, options: Record<string, unknown> = {}, registered = platform): Promise<Outcome> {
  const strategy = new FranceConnectStrategy(config, registered, () => undefined);
  return new Promise((resolve) => {
    const attempt = Object.assign(Object.create(strategy) as FranceConnectStrategy, {
      redirect: (url: string) => resolve({ kind: 'redirect', url: new URL(url) }),
      error: (error: Error) => resolve({ kind: 'error', error }),
      fail: (info: unknown) => resolve({ kind: 'fail', info }),
      success: () => resolve({ kind: 'error', error: new Error('unexpected success') }),
      pass: () => resolve({ kind: 'error', error: new Error('unexpected pass') }),
    });
    attempt.authenticate(req as Request, options);
  });
}

/** A login request; `null`: no session middleware ran. */
const login = (session: Record<string, unknown> | null = {}): Partial<Request> =>
  ({ method: 'GET', query: {}, session: session ?? undefined }) as unknown as Partial<Request>;

describe('FranceConnectStrategy', () => {
  it('asks for everything FranceConnect requires, and nothing outside its list of parameters', async () => {
    let draft: AuthorizationDraft | undefined;
    const session = {};
    const outcome = await authenticate(login(session), { acr: 'eidas3', returnTo: '/account', onAuthorizationRequest: (value: AuthorizationDraft) => (draft = value) });
    if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
    const { url } = outcome;
    expect(url.origin + url.pathname).toBe(`${ISSUER}/api/v2/authorize`);
    const params = Object.fromEntries(url.searchParams);
    // Exactly these: FranceConnect refuses any other parameter (PKCE's included), and the amr claims
    // request unless the registration allows it.
    expect(Object.keys(params).toSorted()).toEqual(['acr_values', 'client_id', 'nonce', 'redirect_uri', 'response_type', 'scope', 'state']);
    expect(params).toMatchObject({
      client_id: 'client',
      response_type: 'code',
      redirect_uri: 'https://service.example.fr/auth/fcp/callback',
      scope: platform.scope,
      acr_values: 'eidas3',
    });
    expect(draft).toMatchObject({ acr: 'eidas3', returnTo: '/account', state: params.state, nonce: params.nonce });
    expect(draft!.codeVerifier).toBeUndefined();
    // At least 32 characters each (FranceConnect's core wants a nonce of 22 or more).
    expect(params.state!.length).toBeGreaterThanOrEqual(32);
    expect(params.nonce!.length).toBeGreaterThanOrEqual(32);
    expect(params.state).not.toBe(params.nonce);
    // Nothing of the transaction went to the session: the receiver keeps it.
    expect(session).toEqual({});
  });

  it('asks for amr and sends PKCE only when configured', async () => {
    let draft: AuthorizationDraft | undefined;
    const outcome = await authenticate(login(), { onAuthorizationRequest: (value: AuthorizationDraft) => (draft = value) }, withOptions);
    if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
    const params = Object.fromEntries(outcome.url.searchParams);
    expect(params.claims).toBe(JSON.stringify({ id_token: { amr: { essential: true } } }));
    expect(params.code_challenge_method).toBe('S256');
    // RFC 7636 §4.2: BASE64URL(SHA256(verifier)).
    expect(params.code_challenge).toBe(createHash('sha256').update(draft!.codeVerifier!).digest('base64url'));
  });

  it('sends prompt, idp_hint and ui_locales when a sign-in asks for them', async () => {
    const outcome = await authenticate(login(), { franceConnectPrompt: ['login'], idpHint: 'fip1-high', uiLocales: 'fr', onAuthorizationRequest: () => undefined });
    if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
    expect(Object.fromEntries(outcome.url.searchParams)).toMatchObject({ prompt: 'login', idp_hint: 'fip1-high', ui_locales: 'fr' });
  });

  it("asks for the platform's level by default, and new values on every request", async () => {
    const drafts: AuthorizationDraft[] = [];
    for (let index = 0; index < 2; index++) {
      const outcome = await authenticate(login(), { onAuthorizationRequest: (value: AuthorizationDraft) => drafts.push(value) });
      expect(outcome.kind === 'redirect' && outcome.url.searchParams.get('acr_values')).toBe('eidas2');
    }
    expect(drafts[0]!.state).not.toBe(drafts[1]!.state);
    expect(drafts[0]!.nonce).not.toBe(drafts[1]!.nonce);
  });

  it('used on its own with passport.authenticate(), keeps the transaction in the session for its callback', async () => {
    const session: Record<string, unknown> = {};
    const outcome = await authenticate(login(session), {}, withOptions);
    if (outcome.kind !== 'redirect') throw new Error(`expected a redirect, got ${outcome.kind}`);
    const stored = session[strategySessionKey('fcp')] as { codeVerifier: string; nonce: string; state: string };
    expect(stored.state).toBe(outcome.url.searchParams.get('state'));
    expect(stored.nonce).toBe(outcome.url.searchParams.get('nonce'));
    expect(outcome.url.searchParams.get('code_challenge')).toBe(createHash('sha256').update(stored.codeVerifier).digest('base64url'));
  });

  it('refuses to start without a session when no one receives the transaction', async () => {
    const outcome = await authenticate(login(null));
    expect(outcome.kind === 'error' && outcome.error.message).toMatch(/needs a session/);
  });

  it('refuses an answer it has no transaction for', async () => {
    const callback = { method: 'GET', query: { code: 'c', state: 's' }, session: {}, protocol: 'https', originalUrl: '/auth/fcp/callback?code=c&state=s', get: () => 'service.example.fr' };
    expect(isPlatformAnswer(callback as unknown as Request)).toBe(true);
    // No transaction in the session: the answer is refused before any request.
    const outcome = await authenticate(callback as unknown as Partial<Request>);
    expect(outcome).toEqual({ kind: 'fail', info: { message: 'Unable to verify authorization request state' } });
  });

  it('tells a sign-in start from an answer', () => {
    const request = (method: string, query: Record<string, string>) => ({ method, query }) as unknown as Request;
    expect(isPlatformAnswer(request('GET', {}))).toBe(false);
    expect(isPlatformAnswer(request('GET', { returnTo: '/a' }))).toBe(false);
    expect(isPlatformAnswer(request('GET', { error: 'access_denied' }))).toBe(true);
    expect(isPlatformAnswer(request('GET', { response: 'jwt' }))).toBe(true);
    expect(isPlatformAnswer(request('POST', {}))).toBe(true);
  });
});
