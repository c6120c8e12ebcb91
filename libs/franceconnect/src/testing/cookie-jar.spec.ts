import { afterEach, describe, expect, it, vi } from 'vitest';
import { CookieJar } from './cookie-jar.js';

// The jar decides from URLs alone: these specs use the host names of a deployment (no request is made);
// http-agent.spec.ts drives the same jar through a real server on the loopback interface.
const SITE = new URL('https://service.example/');
const HTTP_SITE = new URL('http://service.example/');

function jarWith(url: URL, ...setCookie: string[]): CookieJar {
  const jar = new CookieJar();
  jar.store(url, setCookie);
  return jar;
}

describe('CookieJar', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a stored cookie back to its host, and says when no cookie applies', () => {
    const jar = jarWith(SITE, 'sid=abc; Path=/; HttpOnly');
    expect(jar.header(new URL('https://service.example/account'))).toBe('sid=abc');
    expect(jar.get(SITE, 'sid')).toBe('abc');
    expect(jar.header(new URL('https://other.example/'))).toBeUndefined();
    expect(jar.get(SITE, 'missing')).toBeUndefined();
  });

  it('keeps cookies per host name, not per port', () => {
    const jar = jarWith(new URL('http://localhost:3000/'), 'sid=abc');
    expect(jar.get('http://localhost:4000/', 'sid')).toBe('abc');
    expect(jar.get('http://127.0.0.1:3000/', 'sid')).toBeUndefined();
  });

  it('refuses a Secure cookie set over http by a host that is not loopback', () => {
    const jar = jarWith(HTTP_SITE, 'sid=abc; Secure; Path=/', 'plain=1; Path=/');
    expect(jar.get(SITE, 'sid')).toBeUndefined();
    expect(jar.get(SITE, 'plain')).toBe('1');
  });

  it('sends a Secure cookie over https only', () => {
    const jar = jarWith(SITE, 'sid=abc; Secure; Path=/');
    expect(jar.get(SITE, 'sid')).toBe('abc');
    expect(jar.header(HTTP_SITE)).toBeUndefined();
  });

  it('treats loopback hosts as secure, as browsers do', () => {
    for (const origin of ['http://localhost:3000/', 'http://app.localhost/', 'http://127.0.0.1:3000/', 'http://[::1]:3000/']) {
      const jar = jarWith(new URL(origin), 'sid=abc; Secure; Path=/');
      expect(jar.get(origin, 'sid'), origin).toBe('abc');
    }
  });

  it('applies the __Host- rules: Secure, Path=/, no Domain', () => {
    const jar = jarWith(
      SITE,
      '__Host-ok=1; Secure; Path=/',
      '__Host-no-secure=1; Path=/',
      '__Host-domain=1; Secure; Path=/; Domain=service.example',
      '__Host-path=1; Secure; Path=/account',
      '__Host-default-path=1; Secure',
    );
    const names = jar.cookiesFor(new URL('https://service.example/account/x')).map((cookie) => cookie.name);
    expect(names).toEqual(['__Host-ok']);
  });

  it('applies the __Secure- rule: Secure', () => {
    const jar = jarWith(SITE, '__Secure-ok=1; Secure', '__Secure-no=1');
    expect(jar.get(SITE, '__Secure-ok')).toBe('1');
    expect(jar.get(SITE, '__Secure-no')).toBeUndefined();
  });

  it('keeps a cookie without Domain to its host, and widens one with Domain to subdomains', () => {
    const jar = jarWith(new URL('https://app.service.example/'), 'host=1', 'wide=2; Domain=.service.example');
    expect(jar.header(new URL('https://app.service.example/'))).toBe('host=1; wide=2');
    expect(jar.header(new URL('https://service.example/'))).toBe('wide=2');
    expect(jar.header(new URL('https://api.service.example/'))).toBe('wide=2');
    expect(jar.header(new URL('https://evilservice.example/'))).toBeUndefined();

    const [host, wide] = jar.cookiesFor(new URL('https://app.service.example/'));
    expect(host).toMatchObject({ name: 'host', domain: 'app.service.example', hostOnly: true, path: '/' });
    expect(wide).toMatchObject({ name: 'wide', domain: 'service.example', hostOnly: false });
  });

  it('refuses a Domain the host is not in, or a public suffix', () => {
    const jar = jarWith(new URL('https://demarches.service.gouv.fr/'), 'other=1; Domain=other.example', 'suffix=1; Domain=gouv.fr', 'ok=1');
    expect(jar.header(new URL('https://demarches.service.gouv.fr/'))).toBe('ok=1');
    expect(jar.header(new URL('https://impots.gouv.fr/'))).toBeUndefined();
  });

  it('scopes a cookie to its Path, and to the directory of the URL that set it when it has none', () => {
    const jar = jarWith(new URL('https://service.example/account/settings'), 'dir=1', 'api=2; Path=/api', 'root=3; Path=/');
    expect(jar.cookiesFor(new URL('https://service.example/account/settings'))).toMatchObject([{ name: 'dir', path: '/account' }, { name: 'root' }]);
    expect(jar.header(new URL('https://service.example/account'))).toBe('dir=1; root=3');
    expect(jar.header(new URL('https://service.example/accounts'))).toBe('root=3');
    expect(jar.header(new URL('https://service.example/api/v1'))).toBe('api=2; root=3');
    expect(jar.header(new URL('https://service.example/apiary'))).toBe('root=3');
  });

  it('lists the cookie of the longest path first', () => {
    const jar = jarWith(SITE, 'a=root; Path=/', 'a=deep; Path=/account/settings', 'a=mid; Path=/account');
    expect(jar.header(new URL('https://service.example/account/settings/x'))).toBe('a=deep; a=mid; a=root');
  });

  it('replaces a cookie of the same name, domain and path', () => {
    const jar = jarWith(SITE, 'sid=old; Path=/', 'sid=new; Path=/');
    expect(jar.header(SITE)).toBe('sid=new');
  });

  it('deletes a cookie with Max-Age=0 or an Expires in the past', () => {
    const jar = jarWith(SITE, 'a=1; Path=/', 'b=2; Path=/', 'c=3; Path=/');
    jar.store(SITE, ['a=; Path=/; Max-Age=0', 'b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
    expect(jar.header(SITE)).toBe('c=3');
  });

  it('lets Max-Age win over Expires', () => {
    const jar = jarWith(SITE, 'a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'b=2; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT');
    expect(jar.header(SITE)).toBe('a=1');
  });

  it('expires a cookie Max-Age seconds after it was received, however often it is sent', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const jar = jarWith(SITE, 'sid=abc; Max-Age=60');
    expect(jar.cookiesFor(SITE)[0]?.expiresAt).toBe(Date.parse('2030-01-01T00:01:00Z'));
    for (let second = 10; second < 60; second += 10) {
      vi.setSystemTime(new Date(Date.parse('2030-01-01T00:00:00Z') + second * 1000));
      expect(jar.get(SITE, 'sid'), `${second} s after`).toBe('abc');
    }
    vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
    expect(jar.get(SITE, 'sid')).toBeUndefined();
  });

  it('expires a cookie at its Expires date, and keeps a session cookie', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const jar = jarWith(SITE, 'dated=1; Expires=Tue, 01 Jan 2030 01:00:00 GMT', 'session=2');
    expect(jar.cookiesFor(SITE)).toMatchObject([{ name: 'dated', expiresAt: Date.parse('2030-01-01T01:00:00Z') }, { name: 'session' }]);
    expect(jar.cookiesFor(SITE)[1]).not.toHaveProperty('expiresAt');
    vi.setSystemTime(new Date('2030-01-01T01:00:01Z'));
    expect(jar.header(SITE)).toBe('session=2');
  });

  it('ignores a header that is not a cookie', () => {
    const jar = jarWith(SITE, 'no-equals-sign', '=nameless', '', 'ok=1');
    expect(jar.header(SITE)).toBe('ok=1');
  });

  it('forgets every cookie on clear()', () => {
    const jar = jarWith(SITE, 'a=1', 'b=2; Domain=service.example');
    jar.clear();
    expect(jar.header(SITE)).toBeUndefined();
  });
});
