/**
 * How the emulator fetches a service provider's public encryption keys (its `jwks_uri`, FC+).
 */
import type { Configuration, Provider } from 'oidc-provider';

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
}

/**
 * Makes oidc-provider fetch the client's `jwks_uri` again each time it encrypts for that client.
 *
 * By default oidc-provider keeps a fetched JWKS for at least 60 s, longer when the response carries
 * `Cache-Control: max-age` or `Expires` (FranceConnect's mock services send `max-age=600`). A service
 * provider testing a key rotation against the emulator would then see the old key used for minutes.
 * Refetching on every use costs two local requests per sign-in and shows a rotation at once; the
 * first key matching the registered algorithm is still the one used, as on FC+.
 *
 * The key store's `fresh()` check is internal to oidc-provider 9; if a later version changes it, this
 * does nothing and the 60 s default applies.
 */
export async function refetchClientJwksOnEveryUse(provider: Provider, clientId: string): Promise<void> {
  const client = await provider.Client.find(clientId);
  const store = (client as unknown as { asymmetricKeyStore?: RefreshableKeyStore } | undefined)?.asymmetricKeyStore;
  if (store !== undefined && typeof store.fresh === 'function') {
    Object.defineProperty(store, 'fresh', { value: () => false, configurable: true });
  }
}
