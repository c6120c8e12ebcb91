import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CookieJar } from './cookie-jar.js';
import { parseForms } from './html-page.js';
import { HttpAgent, type AgentResponse } from './http-agent.js';

/** What the test server saw of a request. */
interface Echo {
  method: string;
  path: string;
  cookie: string | null;
  contentType: string | null;
  body: string;
}

/** Pages the test server serves as HTML, by path. */
const PAGES: Record<string, string> = {
  '/login': `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion</title></head>
<body>
  <main>
    <form id="search" action="/search"><input type="search" name="q" value="caf&eacute; &amp; cr&egrave;me"></form>
    <form id="login" method="post" action="/submit?from=login&amp;step=2">
      <div class="fr-fieldset">
        <input type="hidden" name="state" value="s&amp;t&quot;ate">
        <label>Identifiant <input name="login"></label>
        <div><label><input type="radio" name="identity" value="angela-dubois" checked> Angela</label></div>
        <div><label><input type="radio" name="identity" value="pierre-mercier"> Pierre</label></div>
        <label><input type="checkbox" name="remember"> Se souvenir</label>
        <textarea name="note">ligne &lt;1&gt;</textarea>
      </div>
      <button type="submit">Continuer</button>
    </form>
  </main>
</body></html>`,
};

/**
 * A real server on the loopback interface. Every answer sets the `set` query parameters as Set-Cookie
 * headers; `to` (and `status`) makes it a redirect; a path of {@link PAGES} answers that page; anything
 * else echoes the request as JSON.
 */
function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    const setCookie = url.searchParams.getAll('set');
    if (setCookie.length > 0) res.setHeader('set-cookie', setCookie);
    const to = url.searchParams.get('to');
    if (to !== null) {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to }).end();
      return;
    }
    const page = PAGES[url.pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    const echo: Echo = {
      method: req.method ?? '',
      path: `${url.pathname}${url.search}`,
      cookie: req.headers.cookie ?? null,
      contentType: req.headers['content-type'] ?? null,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
  });
}

describe('HttpAgent', () => {
  let server: Server;
  /** `http://127.0.0.1:<port>` */
  let base: string;
  /** The same server by another host name: `http://localhost:<port>` */
  let otherHost: string;

  beforeAll(async () => {
    server = createServer(handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
    otherHost = `http://localhost:${port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A URL of the test server that sets `cookies`, with `query` added. */
  const setting = (path: string, cookies: string[], query: Record<string, string> = {}): string => {
    const url = new URL(path, base);
    for (const cookie of cookies) url.searchParams.append('set', cookie);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.href;
  };

  const echoOf = (response: AgentResponse): Echo => JSON.parse(response.body) as Echo;
  const cookieSent = async (agent: HttpAgent, url: string): Promise<string | null> => echoOf(await agent.get(url)).cookie;

  describe('cookies', () => {
    it('stores the cookies a response sets and sends them with the next requests', async () => {
      const agent = new HttpAgent();
      expect(await cookieSent(agent, `${base}/`)).toBeNull();
      await agent.get(setting('/', ['sid=abc; Path=/; HttpOnly; SameSite=Lax', 'theme=dark; Path=/']));
      expect(await cookieSent(agent, `${base}/anything`)).toBe('sid=abc; theme=dark');
      expect(agent.jar.get(base, 'sid')).toBe('abc');
    });

    it('keeps a cookie to the host that set it', async () => {
      const agent = new HttpAgent();
      await agent.get(setting('/', ['sid=abc; Path=/']));
      expect(await cookieSent(agent, `${otherHost}/`)).toBeNull();
      expect(await cookieSent(agent, `${base}/`)).toBe('sid=abc');
    });

    it('scopes a cookie to its path, by default the directory of the URL that set it', async () => {
      const agent = new HttpAgent();
      await agent.get(setting('/account/settings', ['dir=1', 'api=2; Path=/api']));
      expect(await cookieSent(agent, `${base}/account/profile`)).toBe('dir=1');
      expect(await cookieSent(agent, `${base}/api/me`)).toBe('api=2');
      expect(await cookieSent(agent, `${base}/accounts`)).toBeNull();
      expect(await cookieSent(agent, `${base}/`)).toBeNull();
    });

    it('forgets a cookie the server expires, and keeps the others', async () => {
      const agent = new HttpAgent();
      await agent.get(setting('/', ['sid=abc; Path=/', 'keep=1; Path=/']));
      await agent.get(setting('/', ['sid=; Path=/; Max-Age=0']));
      expect(await cookieSent(agent, `${base}/`)).toBe('keep=1');
      await agent.get(setting('/', ['keep=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT']));
      expect(await cookieSent(agent, `${base}/`)).toBeNull();
    });

    it('stops sending a cookie once its Max-Age has passed, even one sent on every request', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      const agent = new HttpAgent();
      await agent.get(setting('/', ['sid=abc; Path=/; Max-Age=120']));
      vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
      expect(await cookieSent(agent, `${base}/`)).toBe('sid=abc');
      vi.setSystemTime(new Date('2030-01-01T00:01:59Z'));
      expect(await cookieSent(agent, `${base}/`)).toBe('sid=abc');
      vi.setSystemTime(new Date('2030-01-01T00:02:00Z'));
      expect(await cookieSent(agent, `${base}/`)).toBeNull();
    });

    it('keeps a Secure and __Host- cookie on a loopback host over http, as browsers do', async () => {
      // What a service tested behind a stand-in for its TLS proxy relies on (X-Forwarded-Proto: https).
      // Hosts that are not loopback get no Secure cookie over http: cookie-jar.spec.ts, which needs no server.
      const agent = new HttpAgent();
      await agent.get(setting('/', ['__Host-sid=abc; Path=/; Secure; HttpOnly', '__Host-bad=1; Path=/api; Secure', '__Host-plain=1; Path=/']));
      expect(await cookieSent(agent, `${base}/`)).toBe('__Host-sid=abc');
    });

    it('shares one jar between agents, and forgets everything on clear()', async () => {
      const jar = new CookieJar();
      await new HttpAgent({ jar }).get(setting('/', ['sid=abc; Path=/']));
      const other = new HttpAgent({ jar });
      expect(await cookieSent(other, `${base}/`)).toBe('sid=abc');
      jar.clear();
      expect(await cookieSent(other, `${base}/`)).toBeNull();
    });
  });

  describe('requests', () => {
    it('posts a form url-encoded, with the default headers and the ones given', async () => {
      const agent = new HttpAgent({ headers: { 'x-test': 'agent' } });
      const response = await agent.postForm(`${base}/post`, { a: '1 & 2', b: 'é' });
      expect(echoOf(response)).toMatchObject({
        method: 'POST',
        contentType: 'application/x-www-form-urlencoded',
        body: 'a=1+%26+2&b=%C3%A9',
      });
      const echoed = await agent.request(`${base}/headers`, { method: 'DELETE', headers: { accept: 'application/json' } });
      expect(echoOf(echoed).method).toBe('DELETE');
      expect(echoed.status).toBe(200);
      expect(echoed.url.href).toBe(`${base}/headers`);
    });

    it('does not follow a redirect by itself, and gives its location as an absolute URL', async () => {
      const response = await new HttpAgent().get(setting('/from', [], { to: '/next?x=1', status: '303' }));
      expect(response.status).toBe(303);
      expect(response.location?.href).toBe(`${base}/next?x=1`);
      expect(response.body).toBe('');
    });
  });

  describe('follow', () => {
    it('follows redirects of every kind with GET, storing the cookies each one sets', async () => {
      const agent = new HttpAgent();
      const last = `${base}/end`;
      const third = setting('/third', ['c=3; Path=/'], { to: last, status: '308' });
      const second = setting('/second', ['b=2; Path=/'], { to: third, status: '307' });
      const first = setting('/first', ['a=1; Path=/'], { to: second, status: '301' });
      const start = setting('/start', [], { to: first, status: '302' });
      const { response, stoppedAt, visited } = await agent.follow(start);
      expect(stoppedAt).toBeUndefined();
      expect(visited.map((url) => url.pathname)).toEqual(['/start', '/first', '/second', '/third', '/end']);
      expect(echoOf(response)).toMatchObject({ method: 'GET', path: '/end', cookie: 'a=1; b=2; c=3' });
    });

    it('stops at the first location under the stop prefix, without requesting it', async () => {
      const agent = new HttpAgent();
      const callback = `${otherHost}/callback?code=abc&state=xyz`;
      const start = setting('/authorize', [], { to: setting('/hop', ['hop=1; Path=/'], { to: callback }) });
      const { stoppedAt, response, visited } = await agent.follow(start, { stopAt: `${otherHost}/callback` });
      expect(stoppedAt?.href).toBe(callback);
      expect(response.status).toBe(302);
      expect(visited.map((url) => url.pathname)).toEqual(['/authorize', '/hop']);
      expect(agent.jar.get(base, 'hop')).toBe('1');
    });

    it('stops only at a path, query or fragment boundary of a string prefix, or where a predicate says', async () => {
      const agent = new HttpAgent();
      const lookalike = `${base}/callbackx`;
      const past = await agent.follow(setting('/a', [], { to: lookalike }), { stopAt: `${base}/callback` });
      expect(past.stoppedAt).toBeUndefined();
      expect(echoOf(past.response).path).toBe('/callbackx');

      const byPredicate = await agent.follow(setting('/a', [], { to: lookalike }), { stopAt: (url) => url.pathname.startsWith('/callback') });
      expect(byPredicate.stoppedAt?.href).toBe(lookalike);
    });

    it('follows on from a response already received', async () => {
      const agent = new HttpAgent();
      const redirect = await agent.postForm(setting('/login', [], { to: `${base}/home`, status: '303' }), { user: 'x' });
      const { response, visited } = await agent.follow(redirect);
      expect(visited.map((url) => url.pathname)).toEqual(['/home']);
      expect(echoOf(response)).toMatchObject({ method: 'GET', path: '/home' });
    });

    it('gives up after maxRedirects', async () => {
      let url = `${base}/end`;
      for (let hop = 3; hop > 0; hop -= 1) url = setting(`/hop${hop}`, [], { to: url });
      await expect(new HttpAgent().follow(url, { maxRedirects: 2 })).rejects.toThrow(/more than 2 redirects, last to .*\/end$/);
      const { visited } = await new HttpAgent().follow(url, { maxRedirects: 3 });
      expect(visited).toHaveLength(4);
    });
  });

  describe('forms', () => {
    it('reads the forms of a served page and submits one with its values, decoded, and overrides', async () => {
      const agent = new HttpAgent();
      const page = await agent.get(`${base}/login`);
      const forms = parseForms(page.body, page.url);
      expect(forms.map((form) => form.id)).toEqual(['search', 'login']);
      const login = forms[1]!;
      expect(login.action.href).toBe(`${base}/submit?from=login&step=2`);
      expect(login.method).toBe('POST');
      expect(login.fields).toEqual({ state: 's&t"ate', login: '', identity: 'angela-dubois', note: 'ligne <1>' });
      expect(login.options).toEqual({ identity: ['angela-dubois', 'pierre-mercier'] });

      const submitted = echoOf(await agent.submitForm(login, { identity: 'pierre-mercier', remember: 'on' }));
      expect(submitted).toMatchObject({ method: 'POST', path: '/submit?from=login&step=2', contentType: 'application/x-www-form-urlencoded' });
      expect(Object.fromEntries(new URLSearchParams(submitted.body))).toEqual({
        state: 's&t"ate',
        login: '',
        identity: 'pierre-mercier',
        note: 'ligne <1>',
        remember: 'on',
      });
    });

    it('submits a GET form as the query string of its action', async () => {
      const agent = new HttpAgent();
      const page = await agent.get(`${base}/login`);
      const [search] = parseForms(page.body, page.url);
      const submitted = echoOf(await agent.submitForm(search!));
      expect(submitted.method).toBe('GET');
      expect(new URL(submitted.path, base).searchParams.get('q')).toBe('café & crème');
    });
  });
});
