/**
 * How the emulator fetches a service provider's public keys (its `jwks_uri`): encryption keys (FC+) and
 * signing keys (`private_key_jwt`).
 */
import Provider, { type Configuration } from 'oidc-provider';

/**
 * oidc-provider passes an undici `dispatcher` with every outgoing request, one that destroys connections
 * to loopback and private addresses to guard against server-side request forgery. A local emulator must
 * reach `http://localhost:3000/.well-known/jwks.json`, so this `fetch` drops that dispatcher and uses
 * the global one. Only the emulator does this: a real provider must keep the guard.
 */
export const fetchWithoutSsrfGuard: NonNullable<Configuration['fetch']> = (input, init) => {
  const { dispatcher: _guard, ...options } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
  return globalThis.fetch(input, options);
};

interface RefreshableKeyStore {
  fresh?: () => boolean;
  refresh?: () => Promise<void>;
  selectForVerify?: (options: unknown) => unknown[];
}

/**
 * Makes oidc-provider fetch the client's `jwks_uri` again in each request that uses it: to encrypt for
 * the client (FC+), and to verify its `private_key_jwt` client assertions.
 *
 * By default oidc-provider keeps a fetched JWKS for at least 60 s, longer when the response carries
 * `Cache-Control: max-age` or `Expires` (FranceConnect's mock services send `max-age=600`), and verifies
 * a client assertion with the keys it holds, fetching again only when none verifies. A service provider
 * testing a key rotation against the emulator would then see the old key used for minutes, or a key it
 * no longer publishes still accepted. Fetching once per request costs one local request per token,
 * userinfo or revocation request and shows a rotation at once; the first key matching the registered
 * algorithm is still the one used, as on FC+.
 *
 * Within one request the fetched keys count as fresh: oidc-provider fetches again, then retries, when a
 * signature does not verify, and a key store that never became fresh would loop on a client assertion
 * signed with a key its JWKS does not hold, instead of refusing it with `invalid_client`.
 *
 * The key store's `fresh()`, `refresh()` and `selectForVerify()` are internal to oidc-provider 9; if a
 * later version changes them, this does nothing and the 60 s default applies.
 */
export async function refetchClientJwksOnEveryUse(provider: Provider, clientId: string): Promise<void> {
  const client = await provider.Client.find(clientId);
  const store = (client as unknown as { asymmetricKeyStore?: RefreshableKeyStore } | undefined)?.asymmetricKeyStore;
  if (
    store === undefined ||
    typeof store.fresh !== 'function' ||
    typeof store.refresh !== 'function' ||
    typeof store.selectForVerify !== 'function'
  ) {
    return;
  }
  const [fresh, refresh, selectForVerify] = [store.fresh.bind(store), store.refresh.bind(store), store.selectForVerify.bind(store)];
  /** The requests (oidc-provider's Koa contexts) in which the JWKS was fetched. */
  const fetchedIn = new WeakSet<object>();
  // Outside a request (never expected), oidc-provider's own rule applies.
  const fetchedInThisRequest = (): boolean => {
    const ctx = Provider.ctx;
    return ctx === undefined ? fresh() : fetchedIn.has(ctx);
  };
  Object.defineProperty(store, 'fresh', { value: fetchedInThisRequest, configurable: true });
  Object.defineProperty(store, 'refresh', {
    value: async () => {
      await refresh();
      const ctx = Provider.ctx;
      if (ctx !== undefined) fetchedIn.add(ctx);
    },
    configurable: true,
  });
  // Encryption calls refresh() before it selects a key; verification does not, so keys not fetched in
  // this request select nothing: oidc-provider then fetches the JWKS and verifies again.
  Object.defineProperty(store, 'selectForVerify', {
    value: (options: unknown) => (fetchedInThisRequest() ? selectForVerify(options) : []),
    configurable: true,
  });
}
