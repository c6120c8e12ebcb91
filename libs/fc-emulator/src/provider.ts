/**
 * One oidc-provider instance configured like FranceConnect's core for one platform (docs/franceconnect-contract.md §10).
 */
import { randomUUID } from 'node:crypto';

import Provider, { errors, type Account, type AdapterFactory, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

import { claimsConfiguration } from './claims.js';
import { fetchWithoutSsrfGuard, refetchClientJwksOnEveryUse } from './client-jwks.js';
import { toClientMetadata, type EmulatorClientConfig } from './clients.js';
import { EmulatorConfigurationError } from './errors.js';
import { identityClaims, TEST_IDENTITIES, type TestIdentity } from './identities.js';
import { generateCookieKeys, generateSigningKeys, type PrivateJwks } from './keys.js';
import { createMemoryAdapter } from './memory-adapter.js';
import { CONTENT_ENCRYPTION, type PlatformDefinition } from './platforms.js';
import { requestRules } from './request-rules.js';
import type { SsoSessions } from './sso.js';
import { entityIdOf, subjectFor } from './subjects.js';
import { errorPage, logoutPage, logoutSuccessPage } from './views.js';

/** What `createPlatformProvider` needs. */
export interface PlatformProviderOptions {
  platform: PlatformDefinition;
  /** Issuer identifier, e.g. `http://localhost:4001/api/v2`. */
  issuer: string;
  /** This platform's registrations only. */
  clients: readonly EmulatorClientConfig[];
  sameSubject: boolean;
  /** Keep the clients' JWKS as oidc-provider caches it, rather than fetching it in every request. Default `false`. */
  cacheClientJwks?: boolean;
  /** The platform's single sign-on sessions, which a logout ends. */
  sso?: SsoSessions;
  log: (line: string) => void;
  /**
   * State a provider takes over from the one it replaces (see `rotateSigningKeys`): its storage, so
   * sessions, codes and tokens survive, its cookie keys, so browsers' cookies stay valid, and the
   * signing keys to use. Default: fresh ones.
   */
  carried?: {
    adapter: AdapterFactory;
    cookieKeys: string[];
    jwks: PrivateJwks;
  };
}

/** FranceConnect's endpoint paths under the issuer (docs/franceconnect-contract.md §1). */
const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  end_session: '/session/end',
  jwks: '/jwks',
  revocation: '/token/revocation',
};

/**
 * FranceConnect's code for an oidc-provider error it renders as a page rather than send back to the
 * service (an unknown client, an unregistered redirect_uri): the wrappers of
 * `back/libs/oidc-provider/src/exceptions/runtime/*.exception.ts` (scope 4), and `Y040001`
 * (`OidcProviderNoWrapperException`) for the others.
 */
function runtimeErrorCode(error: string): string {
  switch (error) {
    case 'invalid_client':
      return 'Y04EA6EF';
    case 'invalid_redirect_uri':
      return 'Y04C013C';
    default:
      return 'Y040001';
  }
}

/**
 * The description shown on the error page. For an unregistered redirect_uri it names the URI received and
 * the ones registered, so that a developer sees at once which one differs (`127.0.0.1` for `localhost`, a
 * missing path): the emulator's registrations are not secret, FranceConnect's page says less.
 */
function describeRenderedError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): string | undefined {
  const received = ctx.oidc?.params?.redirect_uri;
  const registered = ctx.oidc?.client?.redirectUris;
  if (out.error !== 'invalid_redirect_uri' || typeof received !== 'string') return out.error_description;
  return `${out.error_description ?? 'redirect_uri not registered'}: received ${received}; registered: ${(registered ?? []).join(', ') || 'none'}`;
}

/** Where FranceConnect's `error_uri` points (`ERROR_URI_BASE`). */
const ERROR_URI = 'https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/fs-technique-erreurs/';

const JSON_ERROR_ROUTES = new Set([ROUTES.token, ROUTES.userinfo, ROUTES.revocation]);

/**
 * FranceConnect's code for a JSON error: its wrappers of oidc-provider's errors
 * (`back/libs/oidc-provider/src/exceptions/runtime/*.exception.ts`, codes of api-token.feature and
 * api-userinfo.feature), `Y040001` (`OidcProviderNoWrapperException`) for the others.
 */
function jsonErrorCode(error: string, description: string): string {
  if (error === 'invalid_client') return 'Y0434A7B';
  if (error === 'invalid_grant') return 'Y049E20B';
  if (error === 'invalid_request' && description.startsWith('missing required parameter')) return 'Y048017B';
  if (error === 'invalid_token' && description.startsWith('no access token provided')) return 'Y04146A2';
  return 'Y040001';
}

/** Path prefix of the issuer (`/api/v2`), under which the provider and the interactions are mounted. */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}

function renderHtml(ctx: { type: string; body: unknown }, html: string): void {
  ctx.type = 'html';
  ctx.body = html;
}

/** Builds the provider, then loads every client once so that bad metadata fails at start, not mid-flow. */
export async function createPlatformProvider(options: PlatformProviderOptions): Promise<Provider> {
  const { platform, issuer, sameSubject, log } = options;
  const prefix = issuerPath(issuer);

  // The account id is the test identity's id; each service sees the person under its own `sub`
  // (pairwiseIdentifier below).
  const accounts = new Map<string, TestIdentity>(TEST_IDENTITIES.map((person) => [person.id, person]));
  const entityIds = new Map(options.clients.map((client) => [client.client_id, entityIdOf(client)]));

  const signingAlgs = [...platform.signingAlgs];
  const encryptionAlgs = ['RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES'] as const;

  const configuration: Configuration = {
    acrValues: [...platform.acrValues],
    adapter: options.carried?.adapter ?? createMemoryAdapter(),
    allowOmittingSingleRegisteredRedirectUri: false,
    claims: claimsConfiguration(platform),
    // FranceConnect documents client_secret_post; its core also accepts private_key_jwt
    // (docs/franceconnect-contract.md §2). client_secret_basic is not enabled (see the middleware below).
    clientAuthMethods: ['client_secret_post', 'private_key_jwt'],
    clientBasedCORS: () => false,
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: signingAlgs[0],
      userinfo_signed_response_alg: signingAlgs[0],
    },
    clients: options.clients.map((client) => toClientMetadata(client, platform)),
    // Only the openid scope's claims (sub) go into the ID token; the identity comes from userinfo.
    conformIdTokenClaims: true,
    cookies: {
      // FC and FC+ share the host `localhost` and browsers do not separate cookies by port: distinct
      // names keep an FC session and an FC+ session in one browser from overwriting each other.
      names: {
        session: `${platform.cookiePrefix}_session`,
        interaction: `${platform.cookiePrefix}_interaction`,
        resume: `${platform.cookiePrefix}_interaction_resume`,
      },
      keys: options.carried?.cookieKeys ?? generateCookieKeys(),
    },
    discovery: {
      claim_types_supported: ['normal'],
    },

    enabledJWA: {
      // Client assertions (private_key_jwt): `clientAuthSigningAlgValues` of
      // `back/instances/core-fcp-{high,low}/src/config/oidc-provider.ts`.
      clientAuthSigningAlgValues: [...platform.clientAuthSigningAlgs],
      // `idTokenSigningAlgValues` and `userinfoSigningAlgValues` of the platform's config: FranceConnect
      // also offers HS256 (signed with the client secret); the emulator registers ES256 and RS256 only.
      idTokenSigningAlgValues: platform.id === 'fc' ? [...signingAlgs, 'HS256'] : signingAlgs,
      userinfoSigningAlgValues: platform.id === 'fc' ? [...signingAlgs, 'HS256'] : signingAlgs,
      requestObjectSigningAlgValues: platform.id === 'fc' ? [...signingAlgs, 'HS256'] : signingAlgs,
      idTokenEncryptionAlgValues: encryptionAlgs,
      idTokenEncryptionEncValues: [CONTENT_ENCRYPTION],
      userinfoEncryptionAlgValues: encryptionAlgs,
      userinfoEncryptionEncValues: [CONTENT_ENCRYPTION],
    },
    extraParams: requestRules(platform),
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      encryption: { enabled: platform.encrypts },
      jwtUserinfo: { enabled: true },
      userinfo: { enabled: true },
      // Enabled in FranceConnect's core (`getConfig` in oidc-provider-config.service.ts), so its discovery
      // advertises request objects; its front refuses the `request` parameter all the same (core-checks.ts).
      requestObjects: { enabled: true },
      revocation: {
        enabled: true,
        // A client may revoke its own tokens only; another client's token is left alone (RFC 7009 §2.1).
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => renderHtml(ctx, logoutPage(platform, form)),
        postLogoutSuccessSource: (ctx) => renderHtml(ctx, logoutSuccessPage(platform)),
      },
      // FranceConnect offers none of these.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
      introspection: { enabled: false },
    },
    fetch: fetchWithoutSsrfGuard,
    findAccount: (_ctx, id): Account | undefined => {
      const person = accounts.get(id);
      if (person === undefined) return undefined;
      return {
        accountId: id,
        claims: () => ({ sub: id, ...identityClaims(person, platform.id) }),
      };
    },
    interactions: {
      url: (_ctx, interaction) => `${prefix}/interaction/${interaction.uid}`,
    },
    issueRefreshToken: () => false,
    jwks: options.carried?.jwks ?? (await generateSigningKeys(platform.signingAlgs)),
    // As FranceConnect's core configures it (`getConfig` in
    // `back/libs/oidc-provider/src/services/oidc-provider-config.service.ts`). Its front refuses
    // `code_challenge` at /authorize all the same (core-checks.ts), unless the emulator's acceptPkce is on.
    pkce: { required: () => false },
    renderError: (ctx, out) => renderHtml(ctx, errorPage({ platform, code: runtimeErrorCode(out.error), error: out.error, description: describeRenderedError(ctx, out) })),
    responseTypes: ['code'],
    routes: ROUTES,
    // Every key of `claims` is a scope too; 'openid' is oidc-provider's own.
    scopes: ['openid'],
    // FranceConnect's core: `subjectTypes: ['pairwise']`, its `pairwiseIdentifier` handing over the `sub`
    // computed per entity id (`back/libs/oidc-provider/src/services/oidc-provider-config.service.ts`).
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: (_ctx, accountId, client) => {
      const person = accounts.get(accountId);
      const entityId = entityIds.get(client.clientId);
      if (person === undefined || entityId === undefined) throw new Error(`no sub for this account and client`);
      return subjectFor(person, entityId, platform.id, sameSubject);
    },
    ttl: {
      AccessToken: 60,
      AuthorizationCode: 30,
      IdToken: 60,
      Interaction: 10 * 60,
      Session: platform.sessionTtl,
      Grant: platform.sessionTtl,
    },
  };

  const provider = new Provider(issuer, configuration);

  provider.use(async (ctx, next) => {
    // FranceConnect requires id_token_hint at logout: it names the client and proves the session it ends.
    if (ctx.path === ROUTES.end_session && ctx.method === 'GET' && !ctx.query.id_token_hint) {
      ctx.status = 400;
      renderHtml(ctx, errorPage({ platform, error: 'invalid_request', description: 'id_token_hint is required' }));
      return;
    }
    // oidc-provider treats client_secret_basic and client_secret_post as one method and accepts both
    // for a client_secret_post client. FranceConnect does not enable client_secret_basic: refuse it.
    if (
      (ctx.path === ROUTES.token || ctx.path === ROUTES.revocation) &&
      /^basic /i.test(ctx.get('authorization'))
    ) {
      ctx.status = 401;
      ctx.body = { error: 'invalid_client', error_description: 'client authentication must use client_secret_post or private_key_jwt' };
      return;
    }
    await next();
  });

  // FranceConnect's JSON errors (token, userinfo, revocation): `OidcProviderRenderedJsonExceptionFilter` in
  // back/libs/oidc-provider/src/filters/oidc-provider-rendered-json-exception.filter.ts writes
  // "<description> (<detail>)" and an error_uri naming its code.
  for (const event of ['grant.error', 'userinfo.error', 'revocation.error']) {
    (provider as unknown as NodeJS.EventEmitter).on(event, (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
      (ctx.state as { errorDetail?: unknown }).errorDetail = error.error_detail;
    });
  }
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (!JSON_ERROR_ROUTES.has(ctx.path) || ctx.status < 400 || typeof body?.error !== 'string') return;
    const description = `${String(body.error_description)} (${String((ctx.state as { errorDetail?: unknown }).errorDetail)})`;
    ctx.body = { error: body.error, error_description: description, error_uri: `${ERROR_URI}?code=${jsonErrorCode(body.error, description)}&id=${randomUUID()}` };
  });

  // A logout ends the platform's single sign-on too (connexion-sso-fcp-high.feature: "déconnexion d'un FS
  // seulement et SSO terminé").
  provider.on('end_session.success', (ctx) => options.sso?.end(ctx.req));

  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error', 'end_session.error', 'revocation.error']) {
    // Provider is an EventEmitter; its typings only accept literal event names one by one.
    (provider as unknown as NodeJS.EventEmitter).on(event, (_ctx: unknown, error: errors.OIDCProviderError | Error) => {
      const description = 'error_description' in error && error.error_description ? `: ${error.error_description}` : '';
      log(`${platform.id} ${event} ${error.message}${description}`);
    });
  }

  const problems: string[] = [];
  for (const client of options.clients) {
    try {
      await provider.Client.find(client.client_id);
      if (client.jwks_uri !== undefined && !options.cacheClientJwks) await refetchClientJwksOnEveryUse(provider, client.client_id);
    } catch (cause) {
      const detail = cause instanceof errors.OIDCProviderError ? cause.error_description ?? cause.message : String(cause);
      problems.push(`client "${client.client_id}" rejected by the ${platform.displayName} provider: ${detail}.`);
    }
  }
  if (problems.length > 0) throw new EmulatorConfigurationError(problems);

  return provider;
}
