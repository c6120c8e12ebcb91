/**
 * The callback: only the answer to a sign-in this browser started, on this platform, not too late, once,
 * and from this platform's issuer, reaches the token endpoint. Errors the platform reports are shown,
 * but text from the query string never reaches a page or a log line unsanitised.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AdversaryPlatform, Scenario } from '../support/adversarial-provider.js';
import {
  attack,
  deliver,
  expectRejected,
  expectSignedIn,
  startAdversarialStack,
  type AdversarialStack,
} from '../support/adversarial-stack.js';
import { HttpAgent } from '../support/http-agent.js';

const PLATFORMS: readonly AdversaryPlatform[] = ['fc', 'fcp'];
const CONTROL_CHARACTERS = '\u0000\r\n\u001b[31m\u2028\u0085';

let stack: AdversarialStack;
beforeAll(async () => {
  stack = await startAdversarialStack();
});
afterAll(async () => stack?.stop());

const other = (platform: AdversaryPlatform): AdversaryPlatform => (platform === 'fc' ? 'fcp' : 'fc');
const editCallback = (edit: (params: URLSearchParams) => void) => (url: URL): void => edit(url.searchParams);

describe.each(PLATFORMS)('state on %s', (platform) => {
  const rejected = { code: 'FC_STATE_INVALID', status: 400, beforeTokenRequest: true };

  it.each<[string, (params: URLSearchParams) => void]>([
    ['missing', (params) => params.delete('state')],
    ['empty', (params) => params.set('state', '')],
    ['unknown', (params) => params.set('state', 'x'.repeat(43))],
    ['given twice', (params) => params.append('state', params.get('state')!)],
    ['8 kB long', (params) => params.set('state', 's'.repeat(8192))],
    ['with control characters', (params) => params.set('state', `${params.get('state')!}${CONTROL_CHARACTERS}`)],
  ])('refuses a callback whose state is %s, before any token request', async (_name, edit) => {
    await expectRejected(stack, await attack(stack, platform, {}, { editCallback: editCallback(edit) }), rejected);
  });

  it("refuses the other platform's state, delivered to this platform's callback", async () => {
    const agent = new HttpAgent();
    // A sign-in in progress on the other platform, in the same browser: its state must not open this one.
    const started = await agent.get(`${stack.appUrl}/auth/${other(platform)}/login`);
    const state = started.location!.searchParams.get('state')!;
    const result = await attack(stack, platform, {}, { agent, editCallback: editCallback((params) => params.set('state', state)) });
    await expectRejected(stack, result, rejected);
  });

  it('refuses a callback delivered in another browser than the one that started the sign-in', async () => {
    const victim = new HttpAgent();
    const started = await victim.get(`${stack.appUrl}/auth/${platform}/login`);
    const authorized = await victim.get(started.location!);
    const result = await deliver(stack, platform, new HttpAgent(), authorized.location!);
    await expectRejected(stack, result, rejected);
  });

  it("does not let a callback URL opened in another browser cancel the sign-in: the starter's own callback still completes", async () => {
    const victim = new HttpAgent();
    const started = await victim.get(`${stack.appUrl}/auth/${platform}/login`);
    const callbackUrl = (await victim.get(started.location!)).location!;
    await expectRejected(stack, await deliver(stack, platform, new HttpAgent(), callbackUrl), rejected);
    await expectSignedIn(stack, await deliver(stack, platform, victim, callbackUrl));
  });

  it('refuses a replayed callback after a completed sign-in, without a second token request', async () => {
    const first = await attack(stack, platform, {});
    await expectSignedIn(stack, first);
    const replayed = await deliver(stack, platform, first.agent, first.callbackUrl);
    expect(replayed.status).toBe(400);
    expect(replayed.body.code).toBe('FC_STATE_INVALID');
    expect(replayed.tokenRequests).toBe(0);
    expect(replayed.logs.filter((line) => line.text.includes('code=FC_STATE_INVALID'))).toHaveLength(1);
  });

  it('refuses a replayed callback in another browser', async () => {
    const first = await attack(stack, platform, {});
    await expectSignedIn(stack, first);
    await expectRejected(stack, await deliver(stack, platform, new HttpAgent(), first.callbackUrl), rejected);
  });
});

describe.each(PLATFORMS)('expiry on %s', (platform) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a callback that comes after the default 600 s', async () => {
    const result = await attack(stack, platform, {}, {
      editCallback: () => {
        vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
        vi.setSystemTime(Date.now() + 601_000);
      },
    });
    await expectRejected(stack, result, { code: 'FC_TRANSACTION_EXPIRED', status: 400, beforeTokenRequest: true });
  });
});

describe('expiry with transactionTtlSeconds', () => {
  let shortLived: AdversarialStack;
  beforeAll(async () => {
    shortLived = await startAdversarialStack({ moduleOptions: { transactionTtlSeconds: 1 } });
  });
  afterAll(async () => shortLived?.stop());
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each(PLATFORMS)('refuses a callback that comes after the configured lifetime on %s', async (platform) => {
    const result = await attack(shortLived, platform, {}, {
      editCallback: () => {
        vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
        vi.setSystemTime(Date.now() + 2000);
      },
    });
    await expectRejected(shortLived, result, { code: 'FC_TRANSACTION_EXPIRED', status: 400, beforeTokenRequest: true });
  });

  it.each(PLATFORMS)('still accepts a callback within the configured lifetime on %s (control)', async (platform) => {
    await expectSignedIn(shortLived, await attack(shortLived, platform, {}));
  });
});

describe.each(PLATFORMS)('iss on the callback (RFC 9207) on %s', (platform) => {
  const mismatch = { code: 'FC_ISSUER_MISMATCH', status: 400, beforeTokenRequest: true };

  it.each<[string, (params: URLSearchParams) => void]>([
    ["of the other platform (mix-up)", (params) => params.set('iss', stack.adversaries[other(platform)].issuer)],
    ['of an unknown issuer', (params) => params.set('iss', 'https://auth.evil.example/api/v2')],
    ['with a trailing slash', (params) => params.set('iss', `${params.get('iss')!}/`)],
    ['given twice', (params) => params.append('iss', params.get('iss')!)],
    ['empty', (params) => params.set('iss', '')],
    ['with control characters', (params) => params.set('iss', `${params.get('iss')!}${CONTROL_CHARACTERS}`)],
  ])('refuses an iss %s, before any token request', async (_name, edit) => {
    await expectRejected(stack, await attack(stack, platform, {}, { editCallback: editCallback(edit) }), mismatch);
  });

  it('refuses a callback without iss, before any token request (the platforms advertise it)', async () => {
    // RFC 9207 §2.4: a provider that advertises the iss parameter must send it.
    const result = await attack(stack, platform, {}, { editCallback: editCallback((params) => params.delete('iss')) });
    await expectRejected(stack, result, mismatch);
  });
});

describe.each(PLATFORMS)('code on %s', (platform) => {
  it('refuses a callback with two codes, before any token request', async () => {
    const result = await attack(stack, platform, {}, { editCallback: editCallback((params) => params.append('code', 'c'.repeat(43))) });
    await expectRejected(stack, result, { code: 'FC_ID_TOKEN_INVALID', status: 401, beforeTokenRequest: true });
  });

  it('refuses a code the platform did not issue (the token endpoint says invalid_grant)', async () => {
    const result = await attack(stack, platform, {}, { editCallback: editCallback((params) => params.set('code', 'c'.repeat(43))) });
    await expectRejected(stack, result, { code: 'FC_TOKEN_REQUEST_FAILED', status: 401 });
  });

  // Code injection (RFC 9700 §4.5): without PKCE, which FranceConnect refuses, the ID token's nonce binds
  // the code to the transaction that asked for it.
  it("refuses a victim's code injected into the attacker's own sign-in: the ID token's nonce is the victim's", async () => {
    const victim = new HttpAgent();
    const victimStart = await victim.get(`${stack.appUrl}/auth/${platform}/login`);
    const stolen = (await victim.get(victimStart.location!)).location!;
    const attacker = new HttpAgent();
    const attackerStart = await attacker.get(`${stack.appUrl}/auth/${platform}/login`);
    const own = (await attacker.get(attackerStart.location!)).location!;
    own.searchParams.set('code', stolen.searchParams.get('code')!);
    const result = await deliver(stack, platform, attacker, own);
    await expectRejected(stack, result, { code: 'FC_ID_TOKEN_INVALID', status: 401 });
    expect(String(result.body.error_description)).toMatch(/nonce/);
  });
});

describe.each(PLATFORMS)('error parameters on %s', (platform) => {
  const answerWithError = (error: string, description?: string): Scenario => ({
    callback: (params) => {
      params.delete('code');
      params.set('error', error);
      if (description !== undefined) params.set('error_description', description);
    },
  });

  /** The page and the log line carry no control character and stay short, whatever the platform sent. */
  const expectSanitised = (result: Awaited<ReturnType<typeof attack>>): void => {
    const line = result.logs.find((entry) => entry.text.includes('code=FC_CALLBACK_ERROR'))!.text;
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(line.length).toBeLessThan(600);
    // eslint-disable-next-line no-control-regex
    expect(JSON.stringify(result.body)).not.toMatch(/\\u00(0|1)|\\r|\\n|\u2028/);
    expect(String(result.body.error_description).length).toBeLessThan(450);
  };

  it('shows access_denied with an 8 kB error_description, cut short', async () => {
    const result = await attack(stack, platform, answerWithError('access_denied', 'd'.repeat(8192)));
    await expectRejected(stack, result, { code: 'FC_CALLBACK_ERROR', status: 401, beforeTokenRequest: true });
    expectSanitised(result);
  });

  it('shows access_denied with control characters in error_description, removed (no forged log line)', async () => {
    const result = await attack(stack, platform, answerWithError('access_denied', `cancelled${CONTROL_CHARACTERS}sign-in completed platform=${platform}`));
    await expectRejected(stack, result, { code: 'FC_CALLBACK_ERROR', status: 401, beforeTokenRequest: true });
    expectSanitised(result);
    expect(result.logs.filter((line) => line.text.startsWith('sign-in completed'))).toHaveLength(0);
  });

  it('treats an error code with control characters or 4 kB long as an unknown error', async () => {
    for (const error of [`access_denied${CONTROL_CHARACTERS}`, 'e'.repeat(4096)]) {
      const result = await attack(stack, platform, answerWithError(error));
      await expectRejected(stack, result, { code: 'FC_CALLBACK_ERROR', status: 400, beforeTokenRequest: true });
      expectSanitised(result);
    }
  });

  it('renders the error page without the injected markup', async () => {
    const result = await attack(stack, platform, answerWithError('access_denied', '<script>alert(1)</script><img src=x onerror=alert(1)>'), {
      accept: 'html',
    });
    await expectRejected(stack, result, { code: 'FC_CALLBACK_ERROR', status: 401, beforeTokenRequest: true });
    expect(result.response.body).not.toContain('<script>');
    expect(result.response.body).not.toContain('onerror');
  });

  it('refuses an error answer for a state this browser did not start, as a state error', async () => {
    const result = await attack(stack, platform, answerWithError('access_denied', 'spoofed'), {
      editCallback: editCallback((params) => params.set('state', 'x'.repeat(43))),
    });
    await expectRejected(stack, result, { code: 'FC_STATE_INVALID', status: 400, beforeTokenRequest: true });
  });

  it.each<[string, number]>([
    ['server_error', 502],
    ['temporarily_unavailable', 503],
  ])('answers %s from the platform with %i, its own error', async (error, status) => {
    const result = await attack(stack, platform, answerWithError(error));
    await expectRejected(stack, result, { code: 'FC_CALLBACK_ERROR', status, beforeTokenRequest: true });
  });
});

describe('a callback URL too long for the server', () => {
  it('is answered 431 by Node, without reaching the application', async () => {
    const url = new URL(`${stack.appUrl}/auth/fcp/callback`);
    url.searchParams.set('state', 's'.repeat(20_000));
    const response = await new HttpAgent().get(url);
    expect(response.status).toBe(431);
  });
});
