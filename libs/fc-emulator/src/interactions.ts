/**
 * The emulator's own login page, standing in for FranceConnect's identity provider choice and the
 * identity provider's login (docs/franceconnect-contract.md §10). Routes, under the issuer path:
 *
 * - `GET  …/interaction/:uid`        the login page (or, for a consent prompt, an immediate redirect);
 * - `POST …/interaction/:uid/login`  form fields `identity` (a test identity id) and `acr` (a level);
 * - `POST …/interaction/:uid/abort`  no field: the client receives `error=access_denied`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';

import { requestedClaimNames } from './core-checks.js';
import { findIdentity, TEST_IDENTITIES, type TestIdentity } from './identities.js';
import { eidasLevel, isPlatformAcr, pickAcr, type EidasLevel, type PlatformDefinition } from './platforms.js';
import type { SsoSessions } from './sso.js';
import { errorPage, loginPage } from './views.js';

/** Largest form body the interaction routes read. */
const MAX_FORM_BYTES = 16 * 1024;

/** Thrown for a request the interaction routes refuse; rendered as the error page with `status`. */
class InteractionRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new InteractionRequestError(415, 'invalid_request', 'expected an application/x-www-form-urlencoded form');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new InteractionRequestError(413, 'invalid_request', 'form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(html);
}

/**
 * The `amr` of a sign-in: FranceConnect sends the `amr` registered for the identity provider
 * (`OidcClientController.getOidcCallback` in `back/apps/core-fcp/src/controllers/oidc-client.controller.ts`),
 * which starts with `fc` (`["fc","pwd"]`, `["fc","pop","mfa","pin"]` in FranceConnect's own fixtures,
 * `docker/volumes/mongo-fcp-{high,low}`); the test identity's methods stand for its identity provider's.
 */
function amrOf(person: TestIdentity): string[] {
  return ['fc', ...person.amr.filter((method) => method !== 'fc')];
}

/**
 * A sign-in decided in advance by a test, answered without showing the login page: a test identity and
 * the level to return (default the requested one), or a cancel.
 */
export type ScriptedSignIn = { readonly identity: string; readonly acr?: EidasLevel } | { readonly cancel: true };

/** Routes of the interaction pages for one platform. */
export interface InteractionRoutes {
  /** Handles the request when its path is an interaction route; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

/**
 * Creates the interaction routes of one platform, mounted at `${prefix}/interaction`. oidc-provider's
 * account id is the test identity's id; `sso` is the platform's single sign-on.
 */
export function createInteractionRoutes(
  provider: Provider,
  platform: PlatformDefinition,
  prefix: string,
  sso: SsoSessions,
  /** Returns (and consumes) the next scripted sign-in for this platform, if a test queued one. */
  takeScripted: () => ScriptedSignIn | undefined = () => undefined,
): InteractionRoutes {
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/interaction/([\\w-]+)(?:/(login|abort))?$`);

  async function details(req: IncomingMessage, res: ServerResponse, uid: string): Promise<Interaction> {
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(req, res);
    } catch {
      throw new InteractionRequestError(400, 'invalid_request', 'sign-in session not found or expired: start again from the service');
    }
    // The uid in the path must be the one the interaction cookie was issued for.
    if (interaction.uid !== uid) {
      throw new InteractionRequestError(400, 'invalid_request', 'sign-in session mismatch: start again from the service');
    }
    return interaction;
  }

  /** The level asked for: one level the platform serves, as core-checks.ts and request-rules.ts left it. */
  function requestedAcr(interaction: Interaction): EidasLevel {
    return pickAcr(platform, String(interaction.params.acr_values ?? ''));
  }

  /**
   * Single sign-on, FranceConnect's decision since it forces `prompt=login consent`: a person signed in
   * on this platform is not asked again when the level asked for is one of `allowedSsoAcrs` and the
   * session's level is at least that (`back/instances/core-fcp-{high,low}/src/config/oidc-acr.ts`,
   * `OidcAcrService` in `back/libs/oidc-acr/src/oidc-acr.service.ts`). The answer then carries the level
   * asked for, not the session's (`getFirstAllowedAcr`: FC+ answers `eidas2` after an `eidas3` sign-in),
   * and the session's `amr`.
   */
  function singleSignOn(req: IncomingMessage, interaction: Interaction): { person: TestIdentity; acr: EidasLevel; amr: readonly string[] } | undefined {
    const session = sso.read(req);
    if (session === undefined) return undefined;
    const requested = requestedAcr(interaction);
    if (!platform.ssoAcrValues.includes(requested)) return undefined;
    if ((eidasLevel(session.acr) ?? 0) < (eidasLevel(requested) ?? Infinity)) return undefined;
    const person = findIdentity(session.accountId);
    return person === undefined ? undefined : { person, acr: requested, amr: session.amr };
  }

  function renderLogin(res: ServerResponse, interaction: Interaction, status = 200, extra: { identity?: string; acr?: EidasLevel; error?: string } = {}): void {
    send(
      res,
      status,
      loginPage({
        platform,
        interactionPath: `${prefix}/interaction/${interaction.uid}`,
        clientId: String(interaction.params.client_id ?? ''),
        scope: String(interaction.params.scope ?? ''),
        requestedAcr: requestedAcr(interaction),
        identities: TEST_IDENTITIES,
        selectedIdentity: extra.identity,
        selectedAcr: extra.acr,
        error: extra.error,
      }),
    );
  }

  /**
   * Consent is implied, as on FranceConnect where the person is only shown what is transmitted: the
   * grant covers every scope and claim the client asked for.
   */
  async function grantEverythingRequested(interaction: Interaction, accountId: string): Promise<string> {
    const clientId = String(interaction.params.client_id);
    const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
    const grant = existing?.accountId === accountId ? existing : new provider.Grant({ accountId, clientId });
    grant.addOIDCScope(String(interaction.params.scope ?? 'openid'));
    const claims = requestedClaimNames(interaction.params.claims);
    if (claims.length > 0) grant.addOIDCClaims(claims);
    return grant.save();
  }

  async function showPage(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const interaction = await details(req, res, uid);
    if (interaction.prompt.name === 'login') {
      const signedIn = singleSignOn(req, interaction);
      if (signedIn !== undefined) {
        await finishLogin(req, res, interaction, signedIn.person, signedIn.acr, signedIn.amr);
        return;
      }
      const scripted = takeScripted();
      if (scripted === undefined) {
        renderLogin(res, interaction);
      } else if ('cancel' in scripted) {
        await provider.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'End-User aborted interaction' },
          { mergeWithLastSubmission: false },
        );
      } else {
        await finishLogin(req, res, interaction, findIdentity(scripted.identity)!, scripted.acr ?? requestedAcr(interaction));
      }
      return;
    }
    if (interaction.prompt.name === 'consent' && interaction.session?.accountId) {
      const grantId = await grantEverythingRequested(interaction, interaction.session.accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    throw new InteractionRequestError(400, 'invalid_request', `unexpected prompt ${interaction.prompt.name}`);
  }

  async function submitLogin(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const interaction = await details(req, res, uid);
    if (interaction.prompt.name !== 'login') {
      throw new InteractionRequestError(400, 'invalid_request', 'this sign-in step does not expect a login');
    }
    const form = await readForm(req);
    const identityId = form.get('identity') ?? '';
    const acr = form.get('acr') ?? requestedAcr(interaction);
    const person = findIdentity(identityId);
    if (person === undefined || !isPlatformAcr(platform, acr)) {
      const error =
        person === undefined
          ? `Identité inconnue : « ${identityId} ». Choisissez une identité de la liste.`
          : `Niveau inconnu sur ${platform.displayName} : « ${acr} ».`;
      renderLogin(res, interaction, 400, { identity: identityId, error });
      return;
    }

    await finishLogin(req, res, interaction, person, acr);
  }

  async function finishLogin(
    req: IncomingMessage,
    res: ServerResponse,
    interaction: Interaction,
    person: TestIdentity,
    acr: EidasLevel,
    amr?: readonly string[],
  ): Promise<void> {
    // The chosen level and the identity provider's methods become the session's acr and amr, which
    // oidc-provider copies into the authorization code and from there into the ID token. A sign-in (not
    // a single sign-on answer, which passes `amr`) opens the platform's own session.
    const methods = amr ?? amrOf(person);
    if (amr === undefined) sso.open(res, { accountId: person.id, acr, amr: methods });
    const grantId = await grantEverythingRequested(interaction, person.id);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: person.id, acr, amr: [...methods] }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  return {
    async handle(req, res, pathname) {
      const match = pattern.exec(pathname);
      if (match === null) return false;
      const [, uid = '', action] = match;
      try {
        if (action === undefined && req.method === 'GET') {
          await showPage(req, res, uid);
        } else if (action === 'login' && req.method === 'POST') {
          await submitLogin(req, res, uid);
        } else if (action === 'abort' && req.method === 'POST') {
          await details(req, res, uid);
          await provider.interactionFinished(
            req,
            res,
            { error: 'access_denied', error_description: 'End-User aborted interaction' },
            { mergeWithLastSubmission: false },
          );
        } else {
          throw new InteractionRequestError(405, 'invalid_request', `${req.method} is not allowed here`);
        }
      } catch (error) {
        if (!(error instanceof InteractionRequestError)) throw error;
        send(res, error.status, errorPage({ platform, error: error.error, description: error.description }));
      }
      return true;
    },
  };
}
