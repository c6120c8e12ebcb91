import type { PlatformId } from '../platforms.js';
import { HttpAgent, type AgentResponse } from './http-agent.js';

/** The part of a running emulator this helper needs (see `startFcEmulator`). */
export interface ScriptableEmulator {
  nextSignIn(platform: PlatformId, choice: { identity: string; acr?: 'eidas1' | 'eidas2' | 'eidas3' } | { cancel: true }): void;
}

/** Options of {@link signInThroughApp}. */
export interface SignInThroughAppOptions {
  /** Base URL of the application under test, e.g. `http://localhost:3000`. */
  appUrl: string;
  /** The application's login route for this platform, e.g. `/auth/fcp/login`. */
  loginPath: string;
  /** The "browser" to use (its cookies are the session). Default: a new one. */
  agent?: HttpAgent;
}

/** Outcome of {@link signInThroughApp}. */
export interface SignInThroughAppResult {
  /** The browser stand-in, now holding the application's session cookie when the sign-in succeeded. */
  readonly agent: HttpAgent;
  /** The callback URL the platform sent the browser to (with `code` or `error`, `state`, `iss`). */
  readonly callbackUrl: URL;
  /** The application's answer to the callback: a redirect when signed in, an error page otherwise. */
  readonly response: AgentResponse;
}

/**
 * Runs a whole sign-in through the application under test, without a browser: the emulator is told who
 * signs in (`choice`), then the application's login route is opened and every redirect followed, through
 * the platform, to the application's callback.
 *
 * @example
 * ```ts
 * const { agent, response } = await signInThroughApp(emulator, 'fcp', { identity: 'angela-dubois', acr: 'eidas2' }, {
 *   appUrl, loginPath: '/auth/fcp/login',
 * });
 * expect(response.status).toBe(303);
 * const me = await agent.request(`${appUrl}/me`, { headers: { accept: 'application/json' } });
 * ```
 * @throws {Error} when the login route does not redirect to the platform, or the platform never comes back.
 */
export async function signInThroughApp(
  emulator: ScriptableEmulator,
  platform: PlatformId,
  choice: { identity: string; acr?: 'eidas1' | 'eidas2' | 'eidas3' } | { cancel: true },
  options: SignInThroughAppOptions,
): Promise<SignInThroughAppResult> {
  const agent = options.agent ?? new HttpAgent();
  const started = await agent.get(new URL(options.loginPath, options.appUrl));
  const authorization = started.location;
  const redirectUri = authorization?.searchParams.get('redirect_uri');
  if (!authorization || !redirectUri) {
    throw new Error(`${options.loginPath} did not redirect to the platform (HTTP ${started.status})`);
  }
  emulator.nextSignIn(platform, choice);
  const back = await agent.follow(authorization, { stopAt: redirectUri });
  if (!back.stoppedAt) {
    throw new Error(`the platform did not come back to ${redirectUri} (HTTP ${back.response.status} at ${back.response.url.href})`);
  }
  // The callback goes to the application at appUrl (which may differ from the registered public URL).
  const callbackUrl = new URL(`${back.stoppedAt.pathname}${back.stoppedAt.search}`, options.appUrl);
  const response = await agent.get(callbackUrl);
  return { agent, callbackUrl, response };
}
