/**
 * The floor of a FranceConnect+ sign-in: a bare openid-client v6 relying party on `node:http`, with no
 * framework, no session and no account, doing the protocol steps the library does:
 * - `GET /login`: `state`, `nonce` and `acr_values` (what FranceConnect's core takes), the
 *   authorization URL, and a 303 to it (the transaction kept in a `Map` by `state`);
 * - `GET /callback`: the token exchange (`client_secret_post`) with `enableDecryptingResponses` (A256GCM,
 *   the registered key management, the same private keys as the sample app) and
 *   `enableNonRepudiationChecks` (ES256 signatures of the ID token and userinfo verified), then the
 *   JWT userinfo, decrypted and verified; a 303 to `/`;
 * - `GET /jwks.json`: the public keys the platform encrypts to.
 *
 * Commands: `capture` (the next sign-in keeps the raw ID token and userinfo JWEs), `captured` (them).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as client from 'openid-client';
import { childConfig, failStart, requestCpuHandler, serve } from './ipc.js';
import {
  authorizationRequest,
  completeSignIn,
  configureOpenIdClientRp,
  type AuthorizationTransaction,
  type OpenIdClientRpConfig,
} from './openid-client-rp.js';

/** What the parent gives this process. */
export type BareRpProcessConfig = OpenIdClientRpConfig;

/** The raw encrypted answers of one sign-in, for the cryptography-alone measurement. */
export interface CapturedTokens {
  readonly idToken: string;
  readonly userinfo: string;
}

async function main(): Promise<void> {
  const options = childConfig<BareRpProcessConfig>();
  const origin = `http://localhost:${options.port}`;
  const redirectUri = `${origin}/callback`;
  const rp = await configureOpenIdClientRp(options, redirectUri);
  const { configuration, publicJwks } = rp;

  const pending = new Map<string, AuthorizationTransaction>();
  let capture: { idToken?: string; userinfo?: string } | undefined;
  let captured: CapturedTokens | undefined;
  const capturingFetch: client.CustomFetch = async (url, init) => {
    const response = await fetch(url, init as RequestInit);
    if (capture) {
      const body = await response.clone().text();
      if (url.endsWith('/token')) capture.idToken = (JSON.parse(body) as { id_token: string }).id_token;
      if (url.endsWith('/userinfo')) capture.userinfo = body;
      if (capture.idToken && capture.userinfo) {
        captured = { idToken: capture.idToken, userinfo: capture.userinfo };
        capture = undefined;
        delete configuration[client.customFetch];
      }
    }
    return response;
  };

  const login = async (res: ServerResponse): Promise<void> => {
    const { url, transaction } = await authorizationRequest(rp, options, redirectUri);
    pending.set(transaction.state, transaction);
    res.writeHead(303, { location: url.href }).end();
  };

  const callback = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    const state = url.searchParams.get('state') ?? '';
    const transaction = pending.get(state);
    pending.delete(state);
    if (!transaction) {
      res.writeHead(400).end('unknown state');
      return;
    }
    await completeSignIn(rp, url, transaction);
    res.writeHead(303, { location: '/' }).end();
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handled =
      path === '/login'
        ? login(res)
        : path === '/callback'
          ? callback(req, res)
          : path === '/jwks.json'
            ? Promise.resolve(void res.writeHead(200, { 'content-type': 'application/json' }).end(publicJwks))
            : Promise.resolve(void res.writeHead(404).end());
    handled.catch((error: unknown) => {
      process.send?.({ log: `bare relying party: ${error instanceof Error ? error.message : String(error)}` });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const requestCpu = requestCpuHandler(server);
  await new Promise<void>((resolve) => server.listen(options.port, resolve));

  serve(
    {
      capture: () => {
        capture = {};
        captured = undefined;
        configuration[client.customFetch] = capturingFetch;
        return true;
      },
      captured: () => captured,
      requestCpu,
    },
    { url: origin },
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
}

main().catch(failStart);
