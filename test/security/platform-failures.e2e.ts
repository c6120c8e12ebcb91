/**
 * A platform that fails (error pages, timeouts, malformed answers) is told apart from one that forges: the
 * first is a 503 with a retry, the second a 4xx. Either way no session is created and no token is logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdversaryPlatform, ForgedAnswer, Scenario } from '../support/adversarial-provider.js';
import { attack, expectRejected, securityLog, startAdversarialStack, type AdversarialStack } from '../support/adversarial-stack.js';
import { HttpAgent } from '../support/http-agent.js';

const PLATFORMS: readonly AdversaryPlatform[] = ['fc', 'fcp'];
const TIMEOUT_MS = 400;

let stack: AdversarialStack;
beforeAll(async () => {
  stack = await startAdversarialStack({ moduleOptions: { httpTimeoutMs: TIMEOUT_MS } });
});
afterAll(async () => stack?.stop());

const json = (status: number, body: unknown): ForgedAnswer => ({ status, body: JSON.stringify(body) });
const page = (status: number): ForgedAnswer => ({ status, contentType: 'text/html', body: '<h1>Erreur</h1>' });
const unavailable = { code: 'FC_PROVIDER_UNAVAILABLE', status: 503 };

describe.each(PLATFORMS)('token endpoint failures on %s', (platform) => {
  it.each<[string, Scenario, { code: string; status: number }]>([
    ['refuses the code (invalid_grant)', { token: () => json(400, { error: 'invalid_grant' }) }, { code: 'FC_TOKEN_REQUEST_FAILED', status: 401 }],
    ['refuses the client (invalid_client)', { token: () => json(401, { error: 'invalid_client' }) }, { code: 'FC_CLIENT_AUTHENTICATION_FAILED', status: 500 }],
    ['refuses the registration (invalid_client_metadata)', { token: () => json(400, { error: 'invalid_client_metadata' }) }, { code: 'FC_CLIENT_METADATA_INVALID', status: 500 }],
    ['answers 400 with an HTML page', { token: () => page(400) }, { code: 'FC_TOKEN_REQUEST_FAILED', status: 401 }],
    ['answers 500 with an HTML page', { token: () => page(500) }, unavailable],
    ['answers 503 temporarily_unavailable', { token: () => json(503, { error: 'temporarily_unavailable' }) }, unavailable],
    ['answers 502 from a proxy', { token: () => page(502) }, unavailable],
    ['does not answer in time', { token: () => ({ delayMs: TIMEOUT_MS * 3, body: '{}' }) }, unavailable],
    ['answers 200 with HTML', { token: () => ({ contentType: 'text/html', body: '<html></html>' }) }, { code: 'FC_ID_TOKEN_INVALID', status: 401 }],
    ['answers without an ID token', { tokenResponse: (body) => void delete body.id_token }, { code: 'FC_ID_TOKEN_INVALID', status: 401 }],
    ['answers with an ID token that is not a string', { tokenResponse: (body) => void (body.id_token = { alg: 'none' }) }, { code: 'FC_ID_TOKEN_INVALID', status: 401 }],
    ['answers with an unknown token_type', { tokenResponse: (body) => void (body.token_type = 'mac') }, { code: 'FC_ID_TOKEN_INVALID', status: 401 }],
    ['answers without an access token', { tokenResponse: (body) => void delete body.access_token }, { code: 'FC_ID_TOKEN_INVALID', status: 401 }],
  ])('when the token endpoint %s', async (_name, scenario, expected) => {
    const result = await attack(stack, platform, scenario);
    await expectRejected(stack, result, expected);
    if (expected.status === 503) expect(result.response.headers.get('retry-after')).toBe('5');
  });
});

describe.each(PLATFORMS)('userinfo endpoint failures on %s', (platform) => {
  it.each<[string, Scenario, { code: string; status: number }]>([
    ['answers 500 with an HTML page', { userinfo: () => page(500) }, unavailable],
    ['answers 503 temporarily_unavailable', { userinfo: () => json(503, { error: 'temporarily_unavailable' }) }, unavailable],
    ['does not answer in time', { userinfo: () => ({ delayMs: TIMEOUT_MS * 3, contentType: 'application/jwt', body: 'x' }) }, unavailable],
    ['refuses the access token (401 invalid_token)', { userinfo: () => json(401, { error: 'invalid_token' }) }, { code: 'FC_USERINFO_INVALID', status: 401 }],
    ['answers 200 with an empty JWT', { userinfo: () => ({ contentType: 'application/jwt', body: '' }) }, { code: 'FC_USERINFO_INVALID', status: 401 }],
    ['answers 200 with garbage', { userinfo: () => ({ contentType: 'application/jwt', body: 'a.b.c.d.e' }) }, { code: 'FC_USERINFO_INVALID', status: 401 }],
  ])('when the userinfo endpoint %s', async (_name, scenario, expected) => {
    await expectRejected(stack, await attack(stack, platform, scenario), expected);
  });
});

describe.each(PLATFORMS)('answers too large to read on %s', (platform) => {
  // Every answer is read up to maxAnswerBytes (256 KiB by default); these send 1 MiB.
  const huge = JSON.stringify({ access_token: 'a'.repeat(1 << 20), token_type: 'Bearer', id_token: 'x' });
  const tooLarge = { code: 'FC_PLATFORM_ANSWER_TOO_LARGE', status: 502 };
  it.each<[string, Scenario]>([
    ['the token endpoint streams 1 MiB', { token: () => ({ body: huge }) }],
    ['the token endpoint declares 1 MiB', { token: () => ({ body: huge, headers: { 'content-length': String(Buffer.byteLength(huge)) } }) }],
    ['the userinfo endpoint streams 1 MiB', { userinfo: () => ({ contentType: 'application/jwt', body: 'e'.repeat(1 << 20) }) }],
  ])('refuses the answer when %s', async (_name, scenario) => {
    await expectRejected(stack, await attack(stack, platform, scenario), tooLarge);
  });
});

describe('discovery that names another issuer (rp-discovery-issuer-not-matching-config)', () => {
  let misconfigured: AdversarialStack;
  beforeAll(async () => {
    const lying: Scenario = { discovery: (document) => void (document.issuer = 'https://auth.franceconnect.gouv.fr/api/v2') };
    misconfigured = await startAdversarialStack({ scenarios: { fc: lying, fcp: lying } });
  });
  afterAll(async () => misconfigured?.stop());

  it.each(PLATFORMS)('refuses to sign in with %s: the platform is unavailable, nothing is sent to it', async (platform) => {
    const mark = securityLog.mark();
    const authorizeRequests = misconfigured.adversaries[platform].count('/authorize');
    const agent = new HttpAgent();
    const response = await agent.request(`${misconfigured.appUrl}/auth/${platform}/login`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', platform });
    expect(securityLog.since(mark).filter((line) => line.text.includes('code=FC_PROVIDER_UNAVAILABLE'))).toHaveLength(1);
    expect(misconfigured.adversaries[platform].count('/authorize')).toBe(authorizeRequests);
  });
});
