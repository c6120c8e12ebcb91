import 'reflect-metadata';
import { Controller, Get, Param, Res, type INestApplication, type LoggerService } from '@nestjs/common';
import type { Response } from 'express';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FranceConnectExceptionFilter } from './franceconnect-exception.filter.js';
import {
  CallbackError,
  EidasLevelTooLowError,
  InternalSignInError,
  NotAuthenticatedError,
  ProviderUnavailableError,
  StateMismatchError,
  TooManySignInsError,
  type FranceConnectError,
} from './franceconnect.errors.js';
import { SignInRedirect } from './sign-in-redirect.js';

/** What must never reach a client: a token, personal data, an internal address. */
const ID_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhYmMiLCJnaXZlbl9uYW1lIjoiQW5nZWxhIn0.c2lnbmF0dXJl';
const SECRET_CAUSE = new Error(`token endpoint at 10.12.0.7:443 refused id_token=${ID_TOKEN} for Angela DUBOIS`);

/** A Nest logger that keeps its lines, by level. */
class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }
  error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }
  warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  debug(message: unknown): void {
    this.lines.push({ level: 'debug', message: String(message) });
  }
  verbose(message: unknown): void {
    this.lines.push({ level: 'verbose', message: String(message) });
  }
}

/** The errors the routes below throw, by path. */
const THROWN: Readonly<Record<string, () => FranceConnectError | SignInRedirect | Error>> = {
  'not-authenticated': () => new NotAuthenticatedError('Sign in with FranceConnect+ first', { details: { required_acr: 'eidas2', current_acr: null } }),
  'too-low': () => new EidasLevelTooLowError('This route requires eidas3; the session is at eidas2', { platform: 'fcp', details: { required_acr: 'eidas3', current_acr: 'eidas2' } }),
  unavailable: () => new ProviderUnavailableError('The platform did not answer in time', { platform: 'fcp', cause: SECRET_CAUSE }),
  'too-many': () => new TooManySignInsError('Too many sign-ins from this client', { retryAfterSeconds: 12.2 }),
  'too-many-soon': () => new TooManySignInsError('Too many sign-ins from this client', { retryAfterSeconds: 0.2 }),
  internal: () => new InternalSignInError('The sign-in failed unexpectedly', { platform: 'fc', cause: SECRET_CAUSE }),
  callback: () => new CallbackError('access_denied', 'Angela DUBOIS cancelled', { platform: 'fcp' }),
  state: () => new StateMismatchError('The callback carries no state', { platform: 'fc' }),
  'details-named-code': () => new NotAuthenticatedError('Sign in first', { details: { code: 'FORGED', error: 'forged', platform: 'fc', required_acr: 'eidas2' } }),
  redirect: () => new SignInRedirect('https://auth.example.fr/api/v2/authorize?state=s&acr_values=eidas2'),
  unknown: () => SECRET_CAUSE,
};

/** Throws, on `/throw/:kind`, what {@link THROWN} names. */
@Controller('throw')
class ThrowingController {
  /** A response already started when the error comes. */
  @Get('after-writing')
  afterWriting(@Res() res: Response): never {
    res.status(200).write('partial');
    throw new NotAuthenticatedError('Sign in with FranceConnect+ first');
  }

  @Get(':kind')
  throw(@Param('kind') kind: string): never {
    throw (THROWN[kind] ?? (() => new Error(`no failure named ${kind}`)))();
  }
}

const logger = new RecordingLogger();
let app: INestApplication;
let url: string;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({ controllers: [ThrowingController] }).compile();
  app = moduleRef.createNestApplication({ logger });
  app.useGlobalFilters(new FranceConnectExceptionFilter());
  await app.listen(0, '127.0.0.1');
  url = await app.getUrl();
});
afterAll(async () => app?.close());
beforeEach(() => {
  logger.lines.length = 0;
});

const asBrowser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const asApi = { accept: 'application/json' };

async function failure(kind: string, headers: Record<string, string> = asApi) {
  const answer = await fetch(`${url}/throw/${kind}`, { headers, redirect: 'manual' });
  return { status: answer.status, headers: answer.headers, body: await answer.text() };
}

describe('FranceConnectExceptionFilter', () => {
  it('answers an API client with an OAuth-style JSON body, the status and the details of the error', async () => {
    const answer = await failure('too-low');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'This route requires eidas3; the session is at eidas2',
      code: 'FC_EIDAS_LEVEL_TOO_LOW',
      platform: 'fcp',
      required_acr: 'eidas3',
      current_acr: 'eidas2',
    });
  });

  it('leaves platform out of the JSON body when no platform is involved', async () => {
    const body = JSON.parse((await failure('not-authenticated')).body) as Record<string, unknown>;
    expect(body).toEqual({
      error: 'login_required',
      error_description: 'Sign in with FranceConnect+ first',
      code: 'FC_NOT_AUTHENTICATED',
      required_acr: 'eidas2',
      current_acr: null,
    });
  });

  it('answers a browser with the French page of the error, at the same status', async () => {
    const answer = await failure('callback', asBrowser);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.body).toContain('<html lang="fr">');
    expect(answer.body).toContain('Connexion annulée');
    expect(answer.body).toContain('<code>FC_CALLBACK_ERROR</code>');
    // The platform's own words and the error's message stay out of the page.
    expect(answer.body).not.toContain('Angela');
    expect(answer.body).not.toContain('The platform answered');
  });

  it('answers JSON to a client that accepts anything or sends no Accept', async () => {
    for (const headers of [{ accept: '*/*' }, { accept: '' }]) {
      const answer = await failure('state', headers);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'FC_STATE_INVALID', error: 'invalid_request' });
    }
  });

  it('shows neither a stack trace nor what the cause carried, as JSON or as a page', async () => {
    for (const headers of [asApi, asBrowser]) {
      for (const kind of ['unavailable', 'internal']) {
        const { body } = await failure(kind, headers);
        expect(body).not.toMatch(/\bat .*:\d+:\d+/);
        expect(body).not.toMatch(/\.(ts|js):\d+/);
        expect(body).not.toContain(ID_TOKEN);
        expect(body).not.toContain('10.12.0.7');
        expect(body).not.toContain('DUBOIS');
      }
    }
  });

  it('keeps the failures out of shared caches', async () => {
    expect((await failure('not-authenticated')).headers.get('cache-control')).toBe('no-store');
    expect((await failure('not-authenticated', asBrowser)).headers.get('cache-control')).toBe('no-store');
    expect((await failure('redirect', asBrowser)).headers.get('cache-control')).toBe('no-store');
  });

  it('tells a client when to try again: 5 seconds when the platform is down, the limiter delay rounded up otherwise', async () => {
    const unavailable = await failure('unavailable');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('5');
    const limited = await failure('too-many', asBrowser);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('13');
    expect((await failure('too-many-soon')).headers.get('retry-after')).toBe('1');
    expect((await failure('not-authenticated')).headers.get('retry-after')).toBeNull();
  });

  it('turns a SignInRedirect into a 303 to its location, with no body', async () => {
    for (const headers of [asApi, asBrowser]) {
      const answer = await failure('redirect', headers);
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('https://auth.example.fr/api/v2/authorize?state=s&acr_values=eidas2');
      expect(answer.body).toBe('');
    }
  });

  it("never lets details replace the error's own fields", async () => {
    const answer = await failure('details-named-code');
    expect(JSON.parse(answer.body)).toEqual({ error: 'login_required', error_description: 'Sign in first', code: 'FC_NOT_AUTHENTICATED', required_acr: 'eidas2' });
  });

  it('ends a response already started instead of leaving the client waiting', async () => {
    const answer = await fetch(`${url}/throw/after-writing`, { headers: asApi, signal: AbortSignal.timeout(5000) });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('partial');
  });

  it('leaves any other error to Nest: a generic 500 that says nothing of it', async () => {
    for (const headers of [asApi, asBrowser]) {
      const answer = await failure('unknown', headers);
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.body)).toEqual({ statusCode: 500, message: 'Internal server error' });
    }
  });

  it('logs one line per failure with the code, status, platform and path, never the cause', async () => {
    await failure('unavailable');
    await failure('internal');
    await failure('not-authenticated');
    await failure('too-many');
    const lines = logger.lines.filter((line) => line.message.startsWith('sign-in rejected'));
    expect(lines).toEqual([
      { level: 'warn', message: 'sign-in rejected code=FC_PROVIDER_UNAVAILABLE status=503 platform=fcp path=/throw/unavailable: The platform did not answer in time' },
      { level: 'error', message: 'sign-in rejected code=FC_INTERNAL_ERROR status=500 platform=fc path=/throw/internal: The sign-in failed unexpectedly' },
      { level: 'warn', message: 'sign-in rejected code=FC_NOT_AUTHENTICATED status=401 platform=- path=/throw/not-authenticated: Sign in with FranceConnect+ first' },
      // A flood of refusals would flood the log: the limiter warns once per window instead.
      { level: 'debug', message: 'sign-in rejected code=FC_TOO_MANY_SIGN_INS status=429 platform=- path=/throw/too-many: Too many sign-ins from this client' },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain(ID_TOKEN);
  });

  it('logs nothing for a redirect', async () => {
    await failure('redirect');
    expect(logger.lines.filter((line) => line.message.startsWith('sign-in rejected'))).toEqual([]);
  });
});
