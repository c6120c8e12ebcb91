import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import type { ArgumentsHost } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import express from 'express';
import type { Store } from 'express-session';
import { afterEach, describe, expect, it } from 'vitest';
import { FranceConnectPlusModule } from '../franceconnect.module.js';
import { generateEncryptionKey } from '../keys/index.js';
import { resolveFranceConnectOptions } from '../options/resolve-options.js';
import { franceConnectSession } from '../session/franceconnect-session.js';
import { errorPageContent, renderErrorPage, type ErrorPageContent, type ErrorPageLogger, type ErrorPageTemplate } from './error-page.js';
import { FranceConnectExceptionFilter } from './franceconnect-exception.filter.js';
import { CallbackError, FranceConnectConfigurationError, FranceConnectError, NotAuthenticatedError } from './franceconnect.errors.js';

const MARKUP = '<img src=x onerror=alert(1)>';

/** An error whose code carries markup: codes are the library's constants, but the page must not trust them. */
class MarkupCodeError extends FranceConnectError {
  override readonly code = MARKUP as FranceConnectError['code'];
  override get status(): number {
    return 400;
  }
}

/** A logger that keeps its lines. */
class RecordingLogger implements ErrorPageLogger {
  readonly lines: string[] = [];

  error(message: string): void {
    this.lines.push(message);
  }
}

/** A template in the application's layout, as a service writes it: the values inserted as they are. */
const siteTemplate: ErrorPageTemplate = ({ status, code, title, text, platform }) =>
  `<!doctype html><html lang="fr"><body class="site"><h1>${title}</h1><p>${text}</p><p data-status="${status}" data-platform="${platform ?? ''}">${code}</p></body></html>`;

/** A session store that cannot be reached, as Redis when it is down. */
function unreachableStore(): Store {
  const failing = (...args: unknown[]) => (args.at(-1) as (error: Error) => void)(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  return { get: failing, set: failing, destroy: failing, touch: failing, on: () => undefined } as unknown as Store;
}

let servers: Server[] = [];
let apps: INestApplication[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await Promise.all(apps.map((app) => app.close()));
  servers = [];
  apps = [];
});

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0);
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const asBrowser = { headers: { accept: 'text/html,application/xhtml+xml' } };

describe('errorPageContent', () => {
  it('gives the library French texts, never the platform own words', () => {
    const error = new CallbackError('access_denied', 'Texte de la plateforme <b>gras</b>', { platform: 'fcp' });
    const content = errorPageContent(error);
    expect(content).toEqual({
      status: 401,
      code: 'FC_CALLBACK_ERROR',
      title: 'Connexion annulée',
      text: 'La connexion n&#39;a pas abouti : vous l&#39;avez annulée ou votre identité n&#39;a pas pu être confirmée.',
      platform: 'fcp',
    });
    expect(JSON.stringify(content)).not.toContain('plateforme <b>');
    expect(Object.isFrozen(content)).toBe(true);
  });

  it('escapes every text for HTML', () => {
    const content = errorPageContent(new MarkupCodeError('x'));
    expect(content.code).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(content).not.toHaveProperty('platform');
  });
});

describe('renderErrorPage', () => {
  it('is the library own self-contained page without a template', () => {
    const html = renderErrorPage(new NotAuthenticatedError('sign in first'));
    expect(html).toMatch(/^<!doctype html>\n<html lang="fr">/);
    expect(html).toContain('<h1>Connexion requise</h1>');
    expect(html).toContain('<code>FC_NOT_AUTHENTICATED</code>');
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).not.toContain('sign in first');
  });

  it('sends what the template returns, given escaped values, so injected markup stays text', () => {
    const html = renderErrorPage(new MarkupCodeError('x'), siteTemplate);
    expect(html).toContain('<body class="site">');
    expect(html).toContain('data-status="400"');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain(MARKUP);
  });

  it('gives the template the platform involved', () => {
    const seen: ErrorPageContent[] = [];
    renderErrorPage(new CallbackError('server_error', undefined, { platform: 'fc' }), (page) => {
      seen.push(page);
      return '<p>ok</p>';
    });
    expect(seen).toEqual([expect.objectContaining({ status: 502, platform: 'fc', title: 'Erreur technique' })]);
  });

  it('falls back to the library page with one log line when the template throws', () => {
    const logger = new RecordingLogger();
    const html = renderErrorPage(
      new NotAuthenticatedError('x'),
      () => {
        throw new TypeError('layout is not defined\nforged line');
      },
      logger,
    );
    expect(html).toContain('<h1>Connexion requise</h1>');
    expect(logger.lines).toEqual([
      "error page template threw TypeError: layout is not defined forged line; sent the library's page instead code=FC_NOT_AUTHENTICATED",
    ]);
  });

  it('falls back to the library page when the template does not return a string (an async template)', () => {
    const logger = new RecordingLogger();
    const asyncTemplate = (async () => '<p>late</p>') as unknown as ErrorPageTemplate;
    const html = renderErrorPage(new NotAuthenticatedError('x'), asyncTemplate, logger);
    expect(html).toContain('<code>FC_NOT_AUTHENTICATED</code>');
    expect(logger.lines).toEqual([
      "error page template returned object instead of a string; sent the library's page instead code=FC_NOT_AUTHENTICATED",
    ]);
  });
});

describe('the renderErrorPage module option', () => {
  const plus = {
    // A closed local port: the background discovery fails quietly, nothing leaves the machine.
    issuer: 'http://127.0.0.1:9/api/v2',
    clientId: 'client',
    clientSecret: 'secret',
    redirectUri: 'http://127.0.0.1:9/auth/fcp/callback',
  };

  it('must be a function', () => {
    const resolving = () =>
      resolveFranceConnectOptions({ franceConnectPlus: plus, allowInsecureHttp: true, renderErrorPage: '<h1>Erreur</h1>' as unknown as ErrorPageTemplate }, {});
    expect(resolving).toThrow(FranceConnectConfigurationError);
    expect(resolving).toThrow(/renderErrorPage must be a function/);
    expect(resolveFranceConnectOptions({ franceConnectPlus: plus, allowInsecureHttp: true, renderErrorPage: siteTemplate }, {}).renderErrorPage).toBe(
      siteTemplate,
    );
  });

  it('renders the pages of the exception filter the module installs; API clients still get JSON', async () => {
    @Controller()
    class FailingController {
      @Get('fails')
      fails(): never {
        throw new CallbackError('access_denied', '<script>alert(1)</script>', { platform: 'fcp' });
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        FranceConnectPlusModule.forRoot({
          franceConnectPlus: plus,
          allowInsecureHttp: true,
          keys: { jwks: { keys: [await generateEncryptionKey('RSA-OAEP-256', { kid: 'enc-1' })] } },
          renderErrorPage: siteTemplate,
        }),
      ],
      controllers: [FailingController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();

    const page = await fetch(`${url}/fails`, asBrowser);
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<body class="site"><h1>Connexion annulée</h1>');
    expect(html).toContain('data-platform="fcp"');
    expect(html).not.toContain('<script>');

    const api = await fetch(`${url}/fails`, { headers: { accept: 'application/json' } });
    expect(await api.json()).toMatchObject({ code: 'FC_CALLBACK_ERROR', platform: 'fcp' });
  });

  it('leaves a filter built by hand on the library page', async () => {
    const filter = new FranceConnectExceptionFilter();
    const url = await listen(
      express().get('/fails', (req, res) => {
        const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
        filter.catch(new NotAuthenticatedError('x'), host);
      }),
    );
    const page = await fetch(`${url}/fails`, asBrowser);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain("Code de l'erreur : <code>FC_NOT_AUTHENTICATED</code>");
  });
});

describe('the renderErrorPage option of franceConnectSession', () => {
  const secrets = 'session-secret-0123456789abcdef0123456789';

  it('renders the 503 page when the session store cannot be reached', async () => {
    const url = await listen(
      express()
        .use(franceConnectSession({ secrets, secure: false, store: unreachableStore(), renderErrorPage: siteTemplate }))
        .get('/', (_req, res) => {
          res.send('not reached');
        }),
    );
    // A validly signed cookie, so that express-session asks the store for the session.
    const signature = createHmac('sha256', secrets).update('some-session').digest('base64').replace(/=+$/, '');
    const cookie = `fc.sid=${encodeURIComponent(`s:some-session.${signature}`)}`;
    const answer = await fetch(`${url}/`, { headers: { ...asBrowser.headers, cookie } });
    expect(answer.status).toBe(503);
    const html = await answer.text();
    expect(html).toContain('<body class="site"><h1>Service momentanément indisponible</h1>');
    expect(html).toContain('FC_SESSION_STORE_UNAVAILABLE');
    expect(html).not.toContain('ECONNREFUSED');
  });

  it('must be a function', () => {
    expect(() => franceConnectSession({ secrets, renderErrorPage: 'page' as unknown as ErrorPageTemplate })).toThrow(
      /renderErrorPage must be a function/,
    );
  });
});
