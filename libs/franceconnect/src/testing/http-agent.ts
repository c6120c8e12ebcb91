/**
 * A small browser stand-in for end-to-end tests: `fetch` with manual redirects, a cookie jar that
 * behaves like a browser's (cookies are per host name, not per port; `Path`, `Max-Age` and `Expires`
 * are honoured), redirect following up to a URL prefix, and parsing and submitting simple HTML forms.
 *
 * It runs no JavaScript: pages that auto-submit a form with a script are completed by submitting the
 * form with {@link HttpAgent.submitForm}.
 *
 * @example
 * ```ts
 * const agent = new HttpAgent();
 * const { stoppedAt } = await agent.follow(authorizationUrl, { stopAt: 'http://localhost:3000/callback' });
 * ```
 */

/** One stored cookie. */
export interface StoredCookie {
  name: string;
  value: string;
  /** Host name the cookie belongs to (a `Domain` attribute widens it to subdomains). */
  domain: string;
  /** Whether only `domain` itself matches (no `Domain` attribute was given). */
  hostOnly: boolean;
  path: string;
  /** Epoch milliseconds, or `undefined` for a session cookie. */
  expiresAt?: number;
}

/** The path a cookie defaults to when `Set-Cookie` has no `Path` (RFC 6265 §5.1.4). */
function defaultPath(url: URL): string {
  const path = url.pathname;
  if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
  return path.slice(0, path.lastIndexOf('/'));
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}

function domainMatches(host: string, cookie: StoredCookie): boolean {
  if (cookie.hostOnly) return host === cookie.domain;
  return host === cookie.domain || host.endsWith(`.${cookie.domain}`);
}

/**
 * Cookie storage keyed like a browser's: by host name (ports share cookies), then path and name.
 * `Secure` is ignored, as browsers do for `localhost`.
 */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /** Stores the `Set-Cookie` header values of a response to `url`. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) this.#storeOne(url, header);
  }

  #storeOne(url: URL, header: string): void {
    const [pair = '', ...attributes] = header.split(';');
    const separator = pair.indexOf('=');
    if (separator <= 0) return;
    const cookie: StoredCookie = {
      name: pair.slice(0, separator).trim(),
      value: pair.slice(separator + 1).trim(),
      domain: url.hostname,
      hostOnly: true,
      path: defaultPath(url),
    };
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const attribute of attributes) {
      const [rawName = '', ...rest] = attribute.split('=');
      const name = rawName.trim().toLowerCase();
      const value = rest.join('=').trim();
      if (name === 'path' && value.startsWith('/')) cookie.path = value;
      else if (name === 'domain' && value) {
        cookie.domain = value.replace(/^\./, '').toLowerCase();
        cookie.hostOnly = false;
      } else if (name === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
      else if (name === 'expires' && !Number.isNaN(Date.parse(value))) expires = Date.parse(value);
    }
    // Max-Age wins over Expires (RFC 6265 §5.3 step 3).
    if (maxAge !== undefined) cookie.expiresAt = Date.now() + maxAge * 1000;
    else if (expires !== undefined) cookie.expiresAt = expires;

    this.#cookies = this.#cookies.filter(
      (existing) => !(existing.name === cookie.name && existing.domain === cookie.domain && existing.path === cookie.path),
    );
    if (cookie.expiresAt === undefined || cookie.expiresAt > Date.now()) this.#cookies.push(cookie);
  }

  /** Cookies a browser would send to `url`, longest path first. */
  cookiesFor(url: URL): StoredCookie[] {
    const now = Date.now();
    this.#cookies = this.#cookies.filter((cookie) => cookie.expiresAt === undefined || cookie.expiresAt > now);
    return this.#cookies
      .filter((cookie) => domainMatches(url.hostname, cookie) && pathMatches(url.pathname, cookie.path))
      .toSorted((a, b) => b.path.length - a.path.length);
  }

  /** The `Cookie` request header for `url`, or `undefined` when no cookie applies. */
  header(url: URL): string | undefined {
    const cookies = this.cookiesFor(url);
    return cookies.length === 0 ? undefined : cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
  }

  /** Value of the cookie `name` a request to `url` would carry, for assertions. */
  get(url: URL | string, name: string): string | undefined {
    return this.cookiesFor(new URL(url)).find((cookie) => cookie.name === name)?.value;
  }

  /** Forgets every cookie, like closing a private window. */
  clear(): void {
    this.#cookies = [];
  }
}

/** A response with its body read, so that connections are always released. */
export interface AgentResponse {
  /** URL that was requested. */
  url: URL;
  status: number;
  headers: Headers;
  body: string;
  /** Absolute `Location` of a redirect, if any. */
  location?: URL;
}

/** How a request is made. */
export interface AgentRequestInit {
  /** Default `GET`, or `POST` when `form` is given. */
  method?: string;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string> | URLSearchParams;
  headers?: Record<string, string>;
}

/** Where {@link HttpAgent.follow} stops. */
export interface FollowOptions {
  /**
   * Stop, without requesting it, at the first redirect whose location starts with this prefix at a path,
   * query or fragment boundary (or satisfies this predicate): typically the client's redirect_uri, which
   * no server answers in a test.
   */
  stopAt?: string | ((url: URL) => boolean);
  /** Redirects followed at most. Default 20. */
  maxRedirects?: number;
}

/** Outcome of {@link HttpAgent.follow}. */
export interface FollowResult {
  /** The redirect location that matched `stopAt`, when one did. */
  stoppedAt?: URL;
  /** The last response received: the matching redirect, or the first non-redirect page. */
  response: AgentResponse;
  /** Every URL requested, in order. */
  visited: URL[];
}

/** A parsed HTML form with the values a browser would submit (submit buttons excepted). */
export interface HtmlForm {
  id?: string;
  /** Absolute action URL (the page URL when the form has no action). */
  action: URL;
  method: 'GET' | 'POST';
  /** Hidden, text-like, checked radio and checkbox inputs, and textareas, by name. */
  fields: Record<string, string>;
  /** Every value offered per radio group, checked or not, for assertions. */
  options: Record<string, string[]>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Browser stand-in with a cookie jar; see the module documentation. */
export class HttpAgent {
  /** The agent's cookies; share one jar between agents to share a "browser". */
  readonly jar: CookieJar;
  readonly #headers: Record<string, string>;

  constructor(options: { jar?: CookieJar; headers?: Record<string, string> } = {}) {
    this.jar = options.jar ?? new CookieJar();
    this.#headers = { 'user-agent': 'e2e-http-agent', accept: 'text/html,application/json;q=0.9,*/*;q=0.8', ...options.headers };
  }

  /** Sends one request without following redirects, storing cookies and reading the body. */
  async request(target: string | URL, init: AgentRequestInit = {}): Promise<AgentResponse> {
    const url = new URL(target);
    const headers = new Headers({ ...this.#headers, ...init.headers });
    const cookie = this.jar.header(url);
    if (cookie !== undefined) headers.set('cookie', cookie);
    let body: string | undefined;
    if (init.form !== undefined) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      redirect: 'manual',
    });
    this.jar.store(url, response.headers.getSetCookie());
    const text = await response.text();
    const location = response.headers.get('location');
    return {
      url,
      status: response.status,
      headers: response.headers,
      body: text,
      location: location === null ? undefined : new URL(location, url),
    };
  }

  /** GET `url` without following redirects. */
  get(url: string | URL): Promise<AgentResponse> {
    return this.request(url);
  }

  /** POST `fields` as a form to `url` without following redirects. */
  postForm(url: string | URL, fields: Record<string, string> | URLSearchParams): Promise<AgentResponse> {
    return this.request(url, { method: 'POST', form: fields });
  }

  /**
   * Follows redirects from `start` (a URL to GET, or a response already received) with GET requests,
   * as a browser does after 301/302/303, until a location matches `stopAt` or a page is not a redirect.
   *
   * @throws {Error} after `maxRedirects` redirects.
   */
  async follow(start: string | URL | AgentResponse, options: FollowOptions = {}): Promise<FollowResult> {
    const { stopAt, maxRedirects = 20 } = options;
    const matches = (url: URL): boolean =>
      stopAt === undefined ? false : typeof stopAt === 'string' ? startsAtBoundary(url.href, stopAt) : stopAt(url);
    const visited: URL[] = [];
    let response: AgentResponse;
    if (typeof start === 'string' || start instanceof URL) {
      const first = new URL(start);
      visited.push(first);
      response = await this.get(first);
    } else {
      response = start;
    }
    for (let hops = 0; ; hops += 1) {
      if (!REDIRECT_STATUSES.has(response.status) || response.location === undefined) return { response, visited };
      if (matches(response.location)) return { stoppedAt: response.location, response, visited };
      if (hops >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects, last to ${response.location.href}`);
      visited.push(response.location);
      response = await this.get(response.location);
    }
  }

  /**
   * Submits `form` with its current values, `overrides` replacing or adding fields. Does not follow
   * the response's redirects.
   */
  submitForm(form: HtmlForm, overrides: Record<string, string> = {}): Promise<AgentResponse> {
    const fields = { ...form.fields, ...overrides };
    if (form.method === 'GET') {
      const url = new URL(form.action);
      url.search = new URLSearchParams(fields).toString();
      return this.get(url);
    }
    return this.postForm(form.action, fields);
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decodes the HTML character references found in attribute values and text. */
export function decodeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, ref: string) => {
    if (ref.startsWith('#x') || ref.startsWith('#X')) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref.toLowerCase()] ?? match;
  });
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const match of source.matchAll(pattern)) {
    const [, name = '', doubleQuoted, singleQuoted, bare] = match;
    attributes.set(name.toLowerCase(), decodeHtml(doubleQuoted ?? singleQuoted ?? bare ?? ''));
  }
  return attributes;
}

/**
 * Parses the `<form>` elements of a page, resolving actions against `pageUrl`. Handles the simple
 * server-rendered forms of identity providers and `form_post` pages (inputs and textareas), not
 * scripts, `<select>` or `form=` attributes.
 */
export function parseForms(html: string, pageUrl: URL | string): HtmlForm[] {
  const base = new URL(pageUrl);
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi)) {
    const attributes = parseAttributes(match[1] ?? '');
    const content = match[2] ?? '';
    const fields: Record<string, string> = {};
    const options: Record<string, string[]> = {};
    for (const input of content.matchAll(/<input\b([^>]*)>/gi)) {
      const attrs = parseAttributes(input[1] ?? '');
      const name = attrs.get('name');
      if (name === undefined || attrs.has('disabled')) continue;
      const type = (attrs.get('type') ?? 'text').toLowerCase();
      const value = attrs.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
      if (type === 'submit' || type === 'button' || type === 'reset' || type === 'image' || type === 'file') continue;
      if (type === 'radio') (options[name] ??= []).push(value);
      if ((type === 'radio' || type === 'checkbox') && !attrs.has('checked')) continue;
      fields[name] = value;
    }
    for (const textarea of content.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea\s*>/gi)) {
      const name = parseAttributes(textarea[1] ?? '').get('name');
      if (name !== undefined) fields[name] = decodeHtml(textarea[2] ?? '');
    }
    const action = attributes.get('action');
    forms.push({
      id: attributes.get('id'),
      action: new URL(action === undefined || action === '' ? base.href : action, base),
      method: (attributes.get('method') ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET',
      fields,
      options,
    });
  }
  return forms;
}

/**
 * Whether `href` is `prefix` or goes on from it at a path, query or fragment boundary: `http://localhost:3999`
 * matches `http://localhost:3999/callback`, not `http://localhost:39993/…` (another server on a port that
 * happens to begin with the same digits).
 */
function startsAtBoundary(href: string, prefix: string): boolean {
  if (!href.startsWith(prefix)) return false;
  const next = href.charAt(prefix.length);
  return next === '' || prefix.endsWith('/') || next === '/' || next === '?' || next === '#';
}
