/**
 * Drives the FranceConnect / FranceConnect+ emulator's pages from a test, as a person in a browser
 * would: sign in with a test identity (or cancel), and log out. Works with any {@link HttpAgent}, so a
 * test can keep one agent per simulated browser.
 *
 * @example
 * ```ts
 * const agent = new HttpAgent();
 * const callback = await completeEmulatorLogin(agent, authorizationUrl, { identity: 'angela-dubois', acr: 'eidas3' });
 * const tokens = await client.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce });
 * ```
 */
import { parseForms, textById, type HtmlForm } from './html-page.js';
import type { AgentResponse, HttpAgent } from './http-agent.js';

/** What the person does on the emulator's login page. */
export type EmulatorLoginChoice =
  | {
      /** Id of a test identity (`TEST_IDENTITIES[n].id`, e.g. `angela-dubois`). */
      identity: string;
      /** eIDAS level to return; default the page's preselection, i.e. the requested level. */
      acr?: string;
    }
  | {
      /** Press "Annuler": the client receives `error=access_denied`. */
      cancel: true;
    };

/** Options of {@link completeEmulatorLogin} and {@link completeEmulatorLogout}. */
export interface EmulatorFlowOptions {
  /**
   * Prefix of the URL that ends the flow (the client's redirect_uri or post_logout_redirect_uri).
   * Default: the `redirect_uri` (login) or `post_logout_redirect_uri` (logout) parameter of the start URL.
   */
  returnTo?: string;
}

/** The emulator did not send the browser back to the client; carries what it showed instead. */
export class EmulatorFlowError extends Error {
  readonly code = 'EMULATOR_FLOW';

  constructor(
    message: string,
    /** The last response received. */
    readonly response: AgentResponse,
  ) {
    super(`${message} (HTTP ${response.status} at ${response.url.href}${errorCodeOf(response.body)})`);
    this.name = 'EmulatorFlowError';
  }
}

/** The OAuth error code shown by the emulator's error page, if the body is one. */
function errorCodeOf(body: string): string {
  const code = textById(body, 'error');
  const description = textById(body, 'error_description');
  return code === undefined ? '' : `, error page: ${code}${description ? ` – ${description}` : ''}`;
}

function returnToFrom(startUrl: URL, parameter: string, options: EmulatorFlowOptions): string {
  const returnTo = options.returnTo ?? startUrl.searchParams.get(parameter);
  if (!returnTo) {
    throw new TypeError(`cannot tell where the flow ends: the URL has no ${parameter} and no returnTo option was given`);
  }
  return returnTo;
}

function findForm(page: AgentResponse, suffix: string): HtmlForm | undefined {
  return parseForms(page.body, page.url).find((form) => form.method === 'POST' && form.action.pathname.endsWith(suffix));
}

/**
 * Opens `authorizationUrl`, completes the emulator's login page with `choice`, and returns the URL
 * the emulator redirects the browser to on the client (carrying `code` or `error`, `state` and `iss`).
 * When the request is answered without the page (an error such as `invalid_acr`, or single sign-on),
 * that redirect is returned at once.
 *
 * @throws {EmulatorFlowError} when the emulator shows an error page or anything but its login page.
 */
export async function completeEmulatorLogin(
  agent: HttpAgent,
  authorizationUrl: string | URL,
  choice: EmulatorLoginChoice,
  options: EmulatorFlowOptions = {},
): Promise<URL> {
  const start = new URL(authorizationUrl);
  const returnTo = returnToFrom(start, 'redirect_uri', options);

  const opened = await agent.follow(start, { stopAt: returnTo });
  if (opened.stoppedAt !== undefined) return opened.stoppedAt;

  const page = opened.response;
  const form = 'cancel' in choice ? findForm(page, '/abort') : findForm(page, '/login');
  if (form === undefined) throw new EmulatorFlowError('the emulator did not show its login page', page);

  const submitted = await agent.submitForm(
    form,
    'cancel' in choice ? {} : { identity: choice.identity, ...(choice.acr === undefined ? {} : { acr: choice.acr }) },
  );
  const finished = await agent.follow(submitted, { stopAt: returnTo });
  if (finished.stoppedAt === undefined) {
    throw new EmulatorFlowError('the emulator did not return to the client after the login form', finished.response);
  }
  return finished.stoppedAt;
}

/**
 * Opens an end-session URL (`…/session/end?id_token_hint=…&state=…&post_logout_redirect_uri=…`),
 * submits the logout confirmation form that the emulator's page would auto-submit in a browser, and
 * returns the URL the emulator redirects to on the client (carrying `state`).
 *
 * @throws {EmulatorFlowError} when the emulator shows an error page or does not return to the client.
 */
export async function completeEmulatorLogout(
  agent: HttpAgent,
  endSessionUrl: string | URL,
  options: EmulatorFlowOptions = {},
): Promise<URL> {
  const start = new URL(endSessionUrl);
  const returnTo = returnToFrom(start, 'post_logout_redirect_uri', options);

  const opened = await agent.follow(start, { stopAt: returnTo });
  if (opened.stoppedAt !== undefined) return opened.stoppedAt;

  const [form] = parseForms(opened.response.body, opened.response.url).filter((candidate) => candidate.method === 'POST');
  if (form === undefined || opened.response.status !== 200) {
    throw new EmulatorFlowError('the emulator did not show its logout form', opened.response);
  }
  const finished = await agent.follow(await agent.submitForm(form), { stopAt: returnTo });
  if (finished.stoppedAt === undefined) {
    throw new EmulatorFlowError('the emulator did not return to the client after logout', finished.response);
  }
  return finished.stoppedAt;
}
