import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import * as client from 'openid-client';
import { LogoutStateError } from '../errors/franceconnect.errors.js';
import type { PlatformId } from '../platforms.js';
import { FRANCECONNECT_OPTIONS } from '../franceconnect.constants.js';
import type { ResolvedFranceConnectOptions } from '../options/resolve-options.js';
import { liveAccessTokens, resetSession, sessionState, type LogoutTransaction } from '../session/session-state.js';
import { PlatformRegistry } from './platform-registry.js';

type PendingLogout = LogoutTransaction['remaining'][number];

/**
 * Logout: closes the local session, revokes the access tokens still held, then sends the browser to each
 * platform's `end_session_endpoint` in turn (the platform the person signed in with last first) with the
 * signed ID token as `id_token_hint`, a fresh `state` and the registered `post_logout_redirect_uri`.
 */
@Injectable()
export class LogoutService {
  private readonly logger = new Logger('FranceConnect');

  constructor(
    @Inject(FRANCECONNECT_OPTIONS) private readonly options: ResolvedFranceConnectOptions,
    private readonly registry: PlatformRegistry,
  ) {}

  /** Starts a logout and returns where to send the browser. The local session is closed before anything else. */
  async begin(req: Request): Promise<string> {
    const state = sessionState(req);
    const identities = state.identities ?? {};
    const order = [state.current, ...this.registry.platforms].filter(
      (platform, index, all): platform is PlatformId => platform !== undefined && all.indexOf(platform) === index,
    );
    await resetSession(req);
    const live = liveAccessTokens(state.accessTokens);
    await Promise.all(order.map((platform) => this.revoke(platform, live[platform]?.token)));
    const pending = order
      .filter((platform) => identities[platform] && this.options.platforms[platform]?.postLogoutRedirectUri)
      .map((platform) => ({ platform, idToken: identities[platform]!.idToken }));
    return this.next(req, pending);
  }

  /**
   * Handles the return from a platform's logout: checks `state`, then goes on to the next platform or to
   * `afterLogoutPath`.
   *
   * @throws {LogoutStateError} when `state` is missing (unless `logoutStateRequired` is off) or different.
   */
  async complete(req: Request): Promise<string> {
    // Read without writing: a return with no logout in progress (no session, or a forged link) must not
    // create or save a session.
    const logout = req.session?.franceconnect?.logout;
    const received = typeof req.query.state === 'string' ? req.query.state : undefined;
    if (!logout) {
      // Nothing to check against: the local session is closed already, so only an error in strict mode.
      if (this.options.logoutStateRequired) {
        throw new LogoutStateError('No logout is in progress in this browser');
      }
      return this.options.afterLogoutPath;
    }
    const missingAllowed = received === undefined && !this.options.logoutStateRequired;
    if (received !== logout.state && !missingAllowed) {
      // The pending logout stays: a forged navigation must not cancel the rest of the chain, which the
      // platform's genuine return still completes.
      throw new LogoutStateError(`The logout return's state does not match the logout sent`, { platform: logout.platform });
    }
    delete sessionState(req).logout;
    this.logger.log(`logout completed platform=${logout.platform}`);
    return this.next(req, logout.remaining);
  }

  private async next(req: Request, pending: readonly PendingLogout[]): Promise<string> {
    for (let index = 0; index < pending.length; index++) {
      const { platform, idToken } = pending[index];
      const url = await this.endSessionUrl(platform, idToken);
      if (!url) continue;
      sessionState(req).logout = { state: url.state, platform, createdAt: Date.now(), remaining: pending.slice(index + 1) };
      return url.href;
    }
    return this.options.afterLogoutPath;
  }

  private async endSessionUrl(platform: PlatformId, idToken: string): Promise<{ href: string; state: string } | undefined> {
    const postLogoutRedirectUri = this.options.platforms[platform]?.postLogoutRedirectUri;
    try {
      const config = await this.registry.get(platform).configuration();
      if (!postLogoutRedirectUri || !config.serverMetadata().end_session_endpoint) return undefined;
      const state = client.randomState();
      const url = client.buildEndSessionUrl(config, { id_token_hint: idToken, state, post_logout_redirect_uri: postLogoutRedirectUri });
      return { href: url.href, state };
    } catch {
      // The platform is unreachable: the local session is closed, which is what matters most.
      this.logger.warn(`logout at the platform skipped platform=${platform}: platform unavailable`);
      return undefined;
    }
  }

  /**
   * Best effort: a platform that fails to revoke must not keep the person signed in here. FranceConnect's
   * revocation endpoint takes exactly `token`, `client_id` and `client_secret` and refuses anything else
   * (`RevocationTokenParamsDTO` in `back/libs/oidc-provider/src/dto/revocation-token-params.dto.ts` of
   * `france-connect/sources`), so no `token_type_hint` is sent, and a service registered with
   * `private_key_jwt` cannot revoke: its access tokens expire after their 60 seconds.
   */
  private async revoke(platform: PlatformId, accessToken: string | undefined): Promise<void> {
    if (!accessToken) return;
    if (this.options.platforms[platform]?.tokenEndpointAuthMethod === 'private_key_jwt') {
      this.logger.log(`access token not revoked platform=${platform}: FranceConnect takes no revocation with private_key_jwt; it expires within 60 s`);
      return;
    }
    try {
      const config = await this.registry.get(platform).configuration();
      if (!config.serverMetadata().revocation_endpoint) return;
      await client.tokenRevocation(config, accessToken);
    } catch {
      this.logger.warn(`access token revocation failed platform=${platform}`);
    }
  }
}
