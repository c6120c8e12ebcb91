import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeEmulatorLogin, completeEmulatorLogout, EmulatorFlowError } from './emulator-login.js';
import { HttpAgent } from './http-agent.js';

const CLIENT = 'http://localhost:3999';

/**
 * The emulator's pages as a browser meets them (login page with its two forms, error page, logout page),
 * served by a real server, so that the helpers are checked on HTML and redirects and not on the emulator's
 * whole protocol (test/emulator covers that).
 */
function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    const form = new URLSearchParams(body);
    const html = (status: number, page: string) => res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    const redirect = (location: string, cookie?: string) =>
      res.writeHead(303, { location, ...(cookie === undefined ? {} : { 'set-cookie': cookie }) }).end();

    if (url.pathname === '/authorize' && url.searchParams.get('scope') === 'bad') {
      html(400, `<main><h1>Erreur</h1><dl><dt>Code</dt><dd><code id="error">invalid_scope</code></dd>
        <dt>Détail</dt><dd id="error_description">scope &laquo;bad&raquo; &amp; more</dd></dl></main>`);
    } else if (url.pathname === '/authorize') {
      redirect(`/interaction/i1?redirect_uri=${encodeURIComponent(url.searchParams.get('redirect_uri') ?? '')}`, 'interaction=i1; Path=/interaction/i1; HttpOnly');
    } else if (url.pathname === '/interaction/i1' && req.method === 'GET') {
      html(200, `<form method="post" action="/interaction/i1/abort" id="cancel-form"><button>Annuler</button></form>
        <form method="post" action="/interaction/i1/login?redirect_uri=${encodeURIComponent(url.searchParams.get('redirect_uri') ?? '')}" id="login-form">
          <fieldset><legend>Identité</legend>
            <input type="radio" name="identity" value="angela-dubois" required>
            <input type="radio" name="identity" value="pierre-mercier" required></fieldset>
          <fieldset><input type="radio" name="acr" value="eidas1"><input type="radio" name="acr" value="eidas2" checked></fieldset>
          <button type="submit">Se connecter</button></form>`);
    } else if (url.pathname === '/interaction/i1/login') {
      // Only the browser that opened the interaction (its cookie) completes it, with a known identity.
      if (req.headers.cookie !== 'interaction=i1') return void html(400, '<code id="error">invalid_request</code>');
      if (!['angela-dubois', 'pierre-mercier'].includes(form.get('identity') ?? '')) {
        return void html(400, '<code id="error">invalid_request</code><dd id="error_description">unknown identity</dd>');
      }
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.search = new URLSearchParams({ code: `${form.get('identity')}:${form.get('acr')}`, state: 'st' }).toString();
      redirect(back.href);
    } else if (url.pathname === '/interaction/i1/abort') {
      redirect(`${CLIENT}/callback?error=access_denied&state=st`);
    } else if (url.pathname === '/session/end') {
      html(200, `<form method="post" action="/session/end/confirm?back=${encodeURIComponent(url.searchParams.get('post_logout_redirect_uri') ?? '')}">
        <input type="hidden" name="xsrf" value="x&amp;y"><input type="hidden" name="logout" value="yes"><button autofocus>Se déconnecter</button></form>`);
    } else if (url.pathname === '/session/end/confirm' && form.get('logout') === 'yes' && form.get('xsrf') === 'x&y') {
      redirect(`${url.searchParams.get('back')}?state=logout-state`);
    } else {
      html(404, '<p>introuvable</p>');
    }
  });
}

describe('emulator login helpers', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const authorize = (scope = 'openid') => `${base}/authorize?scope=${scope}&redirect_uri=${encodeURIComponent(`${CLIENT}/callback`)}`;

  it('fills the login form with the identity and the preselected level, and returns the callback URL', async () => {
    const callback = await completeEmulatorLogin(new HttpAgent(), authorize(), { identity: 'pierre-mercier' });
    expect(callback.href).toBe(`${CLIENT}/callback?code=pierre-mercier%3Aeidas2&state=st`);
  });

  it('sends the level chosen instead of the preselected one', async () => {
    const callback = await completeEmulatorLogin(new HttpAgent(), authorize(), { identity: 'angela-dubois', acr: 'eidas1' });
    expect(callback.searchParams.get('code')).toBe('angela-dubois:eidas1');
  });

  it('submits the cancel form when the person cancels', async () => {
    const callback = await completeEmulatorLogin(new HttpAgent(), authorize(), { cancel: true });
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('names the error code and description the error page shows', async () => {
    const failure = await completeEmulatorLogin(new HttpAgent(), authorize('bad'), { identity: 'angela-dubois' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmulatorFlowError);
    const error = failure as EmulatorFlowError;
    expect(error.code).toBe('EMULATOR_FLOW');
    expect(error.response.status).toBe(400);
    expect(error.message).toBe(
      `the emulator did not show its login page (HTTP 400 at ${authorize('bad')}, error page: invalid_scope – scope «bad» & more)`,
    );
  });

  it('says where the flow went when the platform does not come back to the client', async () => {
    const failure = await completeEmulatorLogin(new HttpAgent(), authorize(), { identity: 'nobody' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmulatorFlowError);
    expect((failure as EmulatorFlowError).message).toMatch(
      /^the emulator did not return to the client after the login form \(HTTP 400 at http:.*\/interaction\/i1\/login\?.*, error page: invalid_request – unknown identity\)$/,
    );
  });

  it('submits the logout form a browser would auto-submit, and returns to the client', async () => {
    const end = `${base}/session/end?id_token_hint=x&post_logout_redirect_uri=${encodeURIComponent(`${CLIENT}/logged-out`)}`;
    const back = await completeEmulatorLogout(new HttpAgent(), end);
    expect(back.href).toBe(`${CLIENT}/logged-out?state=logout-state`);
  });

  it('refuses a start URL that does not say where the flow ends', async () => {
    await expect(completeEmulatorLogin(new HttpAgent(), `${base}/authorize`, { identity: 'angela-dubois' })).rejects.toThrow(/no redirect_uri/);
  });
});
