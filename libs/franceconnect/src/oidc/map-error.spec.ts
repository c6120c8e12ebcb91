import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactEncrypt, compactDecrypt, errors as joseErrors, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FC_CLIENT, startFcEmulator, type RunningFcEmulator } from '../../../fc-emulator/src/index.js';
import { PlatformAnswerTooLargeError, StateMismatchError } from '../errors/franceconnect.errors.js';
import { HttpAgent } from '../testing/http-agent.js';
import { limitAnswerSize } from './answer-size-limit.js';
import { deadlineFetch } from './deadline-fetch.js';
import { answerTooLarge, isNetworkFailure, toFranceConnectError, unexpectedStatus } from './map-error.js';

/** What a call threw; fails the test when it did not throw. */
async function thrownBy(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** The library's error, reduced to what a client and the log see. */
function mapped(error: unknown, platform: 'fc' | 'fcp' = 'fc') {
  const result = toFranceConnectError(error, platform);
  return { code: result.code, status: result.status, platform: result.platform, message: result.message, cause: result.cause };
}

/**
 * A platform whose answers a test chooses, by path: a status, a content type and a body, or no answer at
 * all. Stands for a platform that fails, or for whatever sits between the service and it.
 */
class ScriptedPlatform {
  readonly answers = new Map<string, { status: number; type: string; body: string } | 'hang'>();
  #server!: Server;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const answer = this.answers.get(new URL(req.url ?? '/', 'http://platform').pathname);
      if (answer === 'hang') return;
      if (answer === undefined) return void res.writeHead(404).end();
      res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => this.#server.once('listening', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** An openid-client configuration whose token endpoint is this server. */
  configuration(): client.Configuration {
    const config = new client.Configuration({ issuer: `${this.url}/api/v2`, token_endpoint: `${this.url}/token` }, 'client', { client_secret: 'secret' }, client.ClientSecretPost('secret'));
    client.allowInsecureRequests(config);
    return config;
  }

  /** The token request of a callback, answered as scripted at `/token`. */
  tokenRequest(): Promise<unknown> {
    const callback = new URL(`http://127.0.0.1:9/callback?code=abc&state=s&iss=${encodeURIComponent(`${this.url}/api/v2`)}`);
    return client.authorizationCodeGrant(this.configuration(), callback, { expectedState: 's' });
  }
}

const platform = new ScriptedPlatform();
beforeAll(() => platform.start());
afterAll(() => platform.stop());

describe('toFranceConnectError', () => {
  it("passes the library's own errors through as they are", () => {
    const own = new StateMismatchError('The callback carries no state', { platform: 'fcp' });
    expect(toFranceConnectError(own, 'fc')).toBe(own);
  });

  describe('the callback', () => {
    it("turns the platform's error answer into a callback error with the platform's error and status", async () => {
      const config = platform.configuration();
      const callback = new URL('http://127.0.0.1:9/callback');
      callback.search = new URLSearchParams({ error: 'access_denied', error_description: 'User cancelled', state: 's', iss: `${platform.url}/api/v2` }).toString();
      const error = await thrownBy(() => client.authorizationCodeGrant(config, callback, { expectedState: 's' }));
      expect(error).toBeInstanceOf(client.AuthorizationResponseError);
      expect(mapped(error, 'fcp')).toEqual({
        code: 'FC_CALLBACK_ERROR',
        status: 401,
        platform: 'fcp',
        message: 'The platform answered the sign-in with "access_denied": User cancelled',
        cause: error,
      });
    });
  });

  describe('the network', () => {
    it('calls a refused connection unavailable', async () => {
      const error = await thrownBy(() => client.discovery(new URL('http://127.0.0.1:9/api/v2'), 'client', 'secret', undefined, { execute: [client.allowInsecureRequests] }));
      expect(isNetworkFailure(error)).toBe(true);
      expect(mapped(error)).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', status: 503, message: 'The platform did not answer in time', cause: error });
    });

    it('calls a platform that does not answer in time unavailable', async () => {
      platform.answers.set('/api/v2/.well-known/openid-configuration', 'hang');
      const error = await thrownBy(() => client.discovery(new URL(`${platform.url}/api/v2`), 'client', 'secret', undefined, { execute: [client.allowInsecureRequests], timeout: 0.2 }));
      expect(mapped(error)).toMatchObject({ code: 'FC_PROVIDER_UNAVAILABLE', status: 503 });
    });

    it('finds an answer cut at maxAnswerBytes wherever openid-client put it', async () => {
      platform.answers.set('/big/.well-known/openid-configuration', { status: 200, type: 'application/json', body: JSON.stringify({ issuer: `${platform.url}/big`, padding: 'x'.repeat(4096) }) });
      const error = await thrownBy(() =>
        client.discovery(new URL(`${platform.url}/big`), 'client', 'secret', undefined, { execute: [client.allowInsecureRequests], [client.customFetch]: limitAnswerSize(deadlineFetch(5000), 1024, 'fcp') }),
      );
      const result = toFranceConnectError(error, 'fcp');
      expect(result).toBe(answerTooLarge(error));
      expect(result).toMatchObject({ code: 'FC_PLATFORM_ANSWER_TOO_LARGE', status: 502, platform: 'fcp' });
    });
  });

  describe('the token endpoint', () => {
    it.each([
      [502, 'text/html', '<html><body>Bad Gateway</body></html>', 'FC_PROVIDER_UNAVAILABLE', 503, 'The platform failed (HTTP 502)'],
      [503, 'application/json', '{"error":"temporarily_unavailable"}', 'FC_PROVIDER_UNAVAILABLE', 503, 'The platform failed (HTTP 503)'],
      [500, 'application/json', '{"error":"server_error"}', 'FC_PROVIDER_UNAVAILABLE', 503, 'The platform failed (HTTP 500)'],
      [404, 'text/html', '<h1>Not Found</h1>', 'FC_TOKEN_REQUEST_FAILED', 401, "The platform's token endpoint refused the request (HTTP 404)"],
      [400, 'application/json', '{"error":"server_error"}', 'FC_PROVIDER_UNAVAILABLE', 503, "The platform's token endpoint failed (400)"],
      [400, 'application/json', '{"error":"temporarily_unavailable"}', 'FC_PROVIDER_UNAVAILABLE', 503, "The platform's token endpoint failed (400)"],
      [400, 'application/json', '{"error":"invalid_client_metadata"}', 'FC_CLIENT_METADATA_INVALID', 500, expect.stringMatching(/^The platform refused the service's registration \(invalid_client_metadata\)/)],
      [400, 'application/json', '{"error":"invalid_request"}', 'FC_TOKEN_REQUEST_FAILED', 401, 'The platform refused the authorization code (invalid_request)'],
    ])('maps an answer %i %s %s to %s (%i)', async (status, type, body, code, mappedStatus, message) => {
      platform.answers.set('/token', { status, type, body });
      const error = await thrownBy(() => platform.tokenRequest());
      expect(mapped(error, 'fcp')).toEqual({ code, status: mappedStatus, platform: 'fcp', message, cause: error });
    });
  });

  describe('with the emulator', () => {
    let emulator: RunningFcEmulator;
    const redirectUri = 'http://localhost:3000/auth/fc/callback';
    beforeAll(async () => {
      emulator = await startFcEmulator({ fcPort: 0, fcpPort: 0, log: false, clients: [{ platform: 'fc', ...DEMO_FC_CLIENT, redirect_uris: [redirectUri] }] });
    });
    afterAll(async () => emulator?.stop());

    const discover = (secret: string) =>
      client.discovery(new URL(emulator.fc.issuer), DEMO_FC_CLIENT.client_id, { client_secret: secret, id_token_signed_response_alg: 'ES256' }, client.ClientSecretPost(secret), {
        execute: [client.allowInsecureRequests],
      });
    const callbackWithCode = (code: string) => new URL(`${redirectUri}?code=${code}&state=s&iss=${encodeURIComponent(emulator.fc.issuer)}`);

    it('maps a code the platform does not know (invalid_grant) to a refused token request', async () => {
      const error = await thrownBy(async () => client.authorizationCodeGrant(await discover(DEMO_FC_CLIENT.client_secret), callbackWithCode('unknown-code'), { expectedState: 's' }));
      expect(error).toBeInstanceOf(client.ResponseBodyError);
      expect(mapped(error)).toEqual({ code: 'FC_TOKEN_REQUEST_FAILED', status: 401, platform: 'fc', message: 'The platform refused the authorization code (invalid_grant)', cause: error });
    });

    it("maps a wrong client secret (invalid_client) to the service's configuration problem, saying what to check", async () => {
      const error = await thrownBy(async () => client.authorizationCodeGrant(await discover('not-the-registered-secret-0123456789'), callbackWithCode('any'), { expectedState: 's' }));
      expect(error).toBeInstanceOf(client.ResponseBodyError);
      const result = mapped(error);
      expect(result).toMatchObject({ code: 'FC_CLIENT_AUTHENTICATION_FAILED', status: 500, platform: 'fc' });
      expect(result.message).toMatch(/check the client id and the client secret/);
      expect(result.message).not.toContain('not-the-registered-secret');
    });

    it('maps an ID token for another sign-in (nonce) to an ID token failure naming the claim, never its values', async () => {
      const config = await discover(DEMO_FC_CLIENT.client_secret);
      const state = client.randomState();
      const nonce = client.randomNonce();
      const authorization = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope: 'openid given_name', state, nonce, acr_values: 'eidas1' });
      emulator.nextSignIn('fc', { identity: 'angela-dubois' });
      const { stoppedAt } = await new HttpAgent().follow(authorization, { stopAt: redirectUri });
      const otherNonce = client.randomNonce();
      const error = await thrownBy(() => client.authorizationCodeGrant(config, stoppedAt!, { expectedState: state, expectedNonce: otherNonce }));
      const result = mapped(error);
      expect(result).toMatchObject({ code: 'FC_ID_TOKEN_INVALID', status: 401, platform: 'fc', cause: error });
      expect(result.message).toMatch(/^The platform's answer failed a check: .+ \(nonce\)$/);
      expect(result.message).not.toContain(nonce);
      expect(result.message).not.toContain(otherNonce);
    });
  });

  describe('jose', () => {
    it('maps a token signed with another key to an ID token failure', async () => {
      const signer = await generateKeyPair('ES256');
      const published = await generateKeyPair('ES256');
      const token = await new SignJWT({ sub: 'abc' }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt().setExpirationTime('1m').sign(signer.privateKey);
      const error = await thrownBy(() => jwtVerify(token, published.publicKey));
      expect(error).toBeInstanceOf(joseErrors.JWSSignatureVerificationFailed);
      const result = mapped(error, 'fcp');
      expect(result).toMatchObject({ code: 'FC_ID_TOKEN_INVALID', status: 401, message: "The platform's answer failed a check: signature verification failed" });
      expect(result.message).not.toContain(token);
    });

    it('names the claim of an expired token', async () => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const token = await new SignJWT({ sub: 'abc' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 600).sign(privateKey);
      const error = await thrownBy(() => jwtVerify(token, publicKey));
      expect(mapped(error).message).toBe('The platform\'s answer failed a check: "exp" claim timestamp check failed (exp)');
    });

    it('maps an answer encrypted to another key to an ID token failure', async () => {
      const ours = await generateKeyPair('RSA-OAEP-256');
      const theirs = await generateKeyPair('RSA-OAEP-256');
      const jwe = await new CompactEncrypt(new TextEncoder().encode('{"sub":"abc"}')).setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }).encrypt(theirs.publicKey);
      const error = await thrownBy(() => compactDecrypt(jwe, ours.privateKey));
      const result = mapped(error, 'fcp');
      expect(result).toMatchObject({ code: 'FC_ID_TOKEN_INVALID', status: 401 });
      // What usually causes it, and where to look, after the check that failed.
      expect(result.message).toMatch(/^The platform's answer failed a check: decryption operation failed; it was encrypted to a key this service does not decrypt with .*`franceconnect doctor` compares them\)$/);
    });

    it('caps the message and leaves out a claim name that is not one', () => {
      const long = new joseErrors.JWTClaimValidationFailed('y'.repeat(500), { sub: 'abc' }, 'nonce');
      expect(mapped(long).message).toBe(`The platform's answer failed a check: ${'y'.repeat(200)}`);
      const odd = new joseErrors.JWTClaimValidationFailed('unexpected claim', { sub: 'abc' }, 'given_name"\nforged');
      expect(mapped(odd).message).toBe("The platform's answer failed a check: unexpected claim");
    });
  });

  it('calls anything else an internal failure, keeping it as the cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'sub')");
    expect(mapped(bug, 'fcp')).toEqual({ code: 'FC_INTERNAL_ERROR', status: 500, platform: 'fcp', message: 'The sign-in failed unexpectedly', cause: bug });
    expect(mapped('a string was thrown')).toMatchObject({ code: 'FC_INTERNAL_ERROR', cause: 'a string was thrown' });
    expect(mapped(undefined)).toMatchObject({ code: 'FC_INTERNAL_ERROR' });
  });
});

describe('unexpectedStatus', () => {
  it("is the HTTP status of an answer openid-client could not read, and nothing for other errors", async () => {
    platform.answers.set('/token', { status: 502, type: 'text/html', body: 'Bad Gateway' });
    expect(unexpectedStatus(await thrownBy(() => platform.tokenRequest()))).toBe(502);
    platform.answers.set('/token', { status: 400, type: 'application/json', body: '{"error":"invalid_grant"}' });
    expect(unexpectedStatus(await thrownBy(() => platform.tokenRequest()))).toBeUndefined();
    expect(unexpectedStatus(Object.assign(new Error('x'), { code: 'OAUTH_RESPONSE_IS_NOT_JSON', cause: { status: 302 } }))).toBeUndefined();
    expect(unexpectedStatus(null)).toBeUndefined();
  });
});

describe('answerTooLarge and isNetworkFailure', () => {
  /** `error` wrapped `depth` times, as layers of a library wrap what they caught. */
  const wrapped = (error: unknown, depth: number): unknown => (depth === 0 ? error : new Error(`layer ${depth}`, { cause: wrapped(error, depth - 1) }));

  it('look down the cause chain, six levels at most', () => {
    const tooLarge = new PlatformAnswerTooLargeError('too large', { platform: 'fc' });
    expect(answerTooLarge(wrapped(tooLarge, 5))).toBe(tooLarge);
    expect(answerTooLarge(wrapped(tooLarge, 6))).toBeUndefined();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(isNetworkFailure(wrapped(refused, 5))).toBe(true);
    expect(isNetworkFailure(wrapped(refused, 6))).toBe(false);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET'])('know %s as a network failure', (code) => {
    expect(isNetworkFailure(Object.assign(new Error(code), { code }))).toBe(true);
  });

  it('know aborts and timeouts, and nothing else', () => {
    expect(isNetworkFailure(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe(true);
    expect(isNetworkFailure(new DOMException('This operation was aborted', 'AbortError'))).toBe(true);
    expect(isNetworkFailure(new TypeError('fetch failed'))).toBe(true);
    expect(isNetworkFailure(new TypeError('Invalid URL'))).toBe(false);
    expect(isNetworkFailure(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe(false);
    expect(isNetworkFailure(undefined)).toBe(false);
  });
});
