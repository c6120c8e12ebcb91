/**
 * A tiny loopback HTTP server that publishes a relying party's public JSON Web Key Set, standing in
 * for the `jwks_uri` a service provider registers with FranceConnect+. Keys can be swapped while it
 * runs, to test rotation; every request is counted.
 *
 * @example
 * ```ts
 * const jwks = await startJwksServer([publicJwk]);
 * // register jwks.url as the client's jwks_uri
 * await jwks.close();
 * ```
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { JWK } from 'jose';

/** Members of a private JWK that must never be published. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** A running JWKS server. */
export interface JwksServer {
  /** Absolute URL of the key set, e.g. `http://127.0.0.1:41234/jwks`. */
  readonly url: string;
  /** Number of requests served so far. */
  readonly requests: number;
  /** Replaces the published keys (first key first, as FC+ picks the first matching one). */
  setKeys(keys: readonly JWK[]): void;
  close(): Promise<void>;
}

/**
 * Starts the server on `127.0.0.1` and a free port.
 *
 * @throws {Error} if a key carries a private member: the server only ever publishes public keys.
 */
export async function startJwksServer(initialKeys: readonly JWK[], options: { cacheControl?: string } = {}): Promise<JwksServer> {
  let keys: readonly JWK[] = [];
  let requests = 0;
  const setKeys = (next: readonly JWK[]): void => {
    for (const key of next) {
      const leaked = PRIVATE_JWK_MEMBERS.filter((member) => member in key);
      if (leaked.length > 0) throw new Error(`refusing to publish a private key (members ${leaked.join(', ')})`);
    }
    keys = [...next];
  };
  setKeys(initialKeys);

  const server = createServer((req, res) => {
    requests += 1;
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/jwk-set+json',
      // FranceConnect's own mock services publish with this header.
      'cache-control': options.cacheControl ?? 'public, max-age=600',
    });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/jwks`,
    get requests() {
      return requests;
    },
    setKeys,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
