/**
 * A small browser stand-in for end-to-end tests: `fetch` with manual redirects, a cookie jar that
 * decides like a browser's ({@link CookieJar}), redirect following up to a URL prefix, and submitting the
 * HTML forms `parseForms` reads from a page.
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
import { CookieJar } from './cookie-jar.js';
import type { HtmlForm } from './html-page.js';

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
