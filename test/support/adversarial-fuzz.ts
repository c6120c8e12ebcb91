/**
 * Property-based attacks shared by the security suite (a few seconds, `test/security/fuzz.e2e.ts`) and
 * the long run (`test/security/fuzz.long.ts`): the callback endpoint's query string, the encrypted ID
 * token FranceConnect+ answers with (decrypted by openid-client with the keys `KeyService` owns, as in
 * every sign-in), and the pivot-identity normaliser's claims. Each property counts what it tried in a
 * {@link FuzzTally}, so a long run can print what it covered.
 */
import fc from 'fast-check';
import { normalisePivotIdentity } from '../../libs/franceconnect/src/identity/pivot-identity.js';
import type { AdversaryPlatform } from './adversarial-provider.js';
import { attack, type AdversarialStack } from './adversarial-stack.js';
import { HttpAgent } from './http-agent.js';

/** Outcomes seen by a property, by label, for the report of a long run. */
export class FuzzTally {
  readonly counts = new Map<string, number>();

  add(label: string): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + 1);
  }

  /** `label: count` lines, most frequent first. */
  lines(): string[] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).map(([label, count]) => `${label}: ${count}`);
  }
}

/** Runs per property: `FUZZ_RUNS` when set, `fallback` otherwise. */
export function fuzzRuns(fallback: number): number {
  const runs = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(runs) && runs > 0 ? runs : fallback;
}

// ---- Callback query strings ---------------------------------------------------------------------

/** A value of the sign-in in progress, substituted when the request is sent. */
type Live = { readonly live: 'state' | 'code' | 'iss' | 'otherIss' };
type QueryValue = string | Live;

const CALLBACK_NAMES = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri', 'response', 'id_token', 'token', 'returnTo'];

const awkward = fc.constantFrom(
  '',
  ' ',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '\u0000',
  '\r\n',
  '\u2028',
  '\u001b[2J',
  '\ud800',
  '__proto__',
  'constructor',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'eidas3',
  '<script>alert(1)</script>',
  'https://auth.evil.example/api/v2',
  '[]',
  '{"a":1}',
);

const queryValue: fc.Arbitrary<QueryValue> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: awkward },
  { weight: 4, arbitrary: fc.constantFrom<Live>({ live: 'state' }, { live: 'code' }, { live: 'iss' }, { live: 'otherIss' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1000, maxLength: 5000 }) },
);

const queryName = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...CALLBACK_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('state[]', 'code[0]', 'iss[foo]', 'state[__proto__]', '__proto__', 'hasOwnProperty', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
);

/** One fuzzed callback: which platform, whether a sign-in was started first, and the query. */
export interface FuzzedCallback {
  readonly platform: AdversaryPlatform;
  readonly startFirst: boolean;
  /** Name–value pairs, repeats allowed, in order. */
  readonly params: readonly (readonly [string, QueryValue])[];
  /** Appended as is, without encoding (`&`, `=`, `%`, brackets…). */
  readonly raw: string;
}

/** The platform's genuine answer (`code`, `state`, `iss`), some of it dropped, some of it added to. */
const nearlyGenuine: fc.Arbitrary<(readonly [string, QueryValue])[]> = fc
  .record({
    keep: fc.subarray(['code', 'state', 'iss'] as const, { minLength: 1 }),
    extra: fc.array(fc.tuple(queryName, queryValue), { maxLength: 3 }),
    extraFirst: fc.boolean(),
  })
  .map(({ keep, extra, extraFirst }) => {
    const genuine = keep.map((name): [string, QueryValue] => [name, { live: name }]);
    return extraFirst ? [...extra, ...genuine] : [...genuine, ...extra];
  });

export const fuzzedCallback: fc.Arbitrary<FuzzedCallback> = fc.record({
  platform: fc.constantFrom<AdversaryPlatform>('fc', 'fcp'),
  startFirst: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  params: fc.oneof(
    { weight: 2, arbitrary: nearlyGenuine },
    { weight: 1, arbitrary: fc.array(fc.tuple(queryName, queryValue), { maxLength: 8 }) },
  ),
  raw: fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('&', '=', '%', '[', ']', '+', ';', 'a', '0', '.', '#'), maxLength: 30 }) },
  ),
});

/** Percent-encodes every byte but the unreserved ones, as UTF-8 (a lone surrogate becomes U+FFFD). */
function encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Codes a fuzzed callback may legitimately end in, with a 5xx status. */
const ALLOWED_5XX_CODES = new Set(['FC_CALLBACK_ERROR', 'FC_PROVIDER_UNAVAILABLE']);

/**
 * Sends a fuzzed callback to the app and checks it is answered: within 5 s, never with a 500 or our
 * `FC_INTERNAL_ERROR`, a 5xx only for the platform's own `server_error`/`temporarily_unavailable` or its
 * unavailability, and a redirect only to this site.
 *
 * @throws {Error} describing the first broken expectation.
 */
export async function sendFuzzedCallback(stack: AdversarialStack, input: FuzzedCallback, tally?: FuzzTally): Promise<void> {
  const agent = new HttpAgent();
  const adversary = stack.adversaries[input.platform];
  const live: Record<Live['live'], string> = {
    state: 'no-state',
    code: 'no-code',
    iss: adversary.issuer,
    otherIss: stack.adversaries[input.platform === 'fc' ? 'fcp' : 'fc'].issuer,
  };
  if (input.startFirst) {
    const started = await agent.get(`${stack.appUrl}/auth/${input.platform}/login`);
    const back = await agent.get(started.location!);
    live.state = back.location?.searchParams.get('state') ?? live.state;
    live.code = back.location?.searchParams.get('code') ?? live.code;
  }
  const query = input.params
    .map(([name, value]) => `${encode(name)}=${encode(typeof value === 'string' ? value : live[value.live])}`)
    .join('&');
  const url = `${stack.appUrl}/auth/${input.platform}/callback?${query}${input.raw}`;

  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within 5 s to ${url.slice(0, 300)}`)), 5000).unref());
  const response = await Promise.race([agent.request(url, { headers: { accept: 'application/json' } }), timeout]);
  let code: unknown;
  if (response.headers.get('content-type')?.includes('application/json')) code = (JSON.parse(response.body) as { code?: unknown }).code;
  const redirect = response.location?.href.startsWith(`${stack.appUrl}/`) ? 'signed in' : 'sign-in started';
  tally?.add(`${response.status} ${typeof code === 'string' ? code : response.status === 303 ? redirect : '-'}`);

  if (response.status === 500 || code === 'FC_INTERNAL_ERROR') {
    throw new Error(`internal error (${response.status} ${String(code)}) for ${url.slice(0, 500)}`);
  }
  if (response.status >= 500 && !ALLOWED_5XX_CODES.has(String(code))) {
    throw new Error(`unexpected ${response.status} ${String(code)} for ${url.slice(0, 500)}`);
  }
  // A redirect goes back to this site (signed in), or to the platform's authorization endpoint: without
  // `code` or `error` the callback route starts a sign-in, as the login route does.
  const location = response.location?.href ?? '';
  const allowed = location.startsWith(`${stack.appUrl}/`) || location.startsWith(`${adversary.issuer}/authorize?`);
  if (response.status >= 300 && response.status < 400 && !allowed) {
    throw new Error(`redirect off site to ${location} for ${url.slice(0, 500)}`);
  }
}

// ---- Encrypted ID tokens ------------------------------------------------------------------------

const b64u = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

/** Ways to damage a compact JWE. */
type Mutation =
  | { kind: 'flip'; segment: number; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'replaceSegment'; segment: number; text: string }
  | { kind: 'header'; header: Record<string, unknown> };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), segment: fc.nat(4), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(4), b: fc.nat(4) }),
  fc.record({ kind: fc.constant('replaceSegment' as const), segment: fc.nat(4), text: fc.string({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant('header' as const),
    header: fc.record(
      {
        alg: fc.oneof(fc.constantFrom('RSA-OAEP', 'RSA-OAEP-256', 'ECDH-ES', 'ECDH-ES+A256KW', 'dir', 'none', 'RSA1_5', 'A256KW', 'PBES2-HS512+A256KW'), fc.anything()),
        enc: fc.oneof(fc.constantFrom('A256GCM', 'A128GCM', 'A256CBC-HS512', ''), fc.anything()),
        kid: fc.anything(),
        zip: fc.constantFrom('DEF', undefined),
        crit: fc.oneof(fc.constant(['exp']), fc.anything()),
        epk: fc.oneof(
          fc.record({ kty: fc.constantFrom('EC', 'OKP', 'RSA'), crv: fc.constantFrom('P-256', 'P-384', 'X25519', 'nope'), x: fc.string(), y: fc.string() }),
          fc.anything(),
        ),
        p2c: fc.oneof(fc.integer(), fc.constant(1e9)),
      },
      { requiredKeys: [] },
    ),
  }),
);

/** Applies `change` to a valid compact JWE; the result may or may not still be valid. */
export function mutate(jwe: string, change: Mutation): string {
  const parts = jwe.split('.');
  switch (change.kind) {
    case 'flip': {
      const bytes = Buffer.from(parts[change.segment] ?? '', 'base64url');
      if (bytes.length === 0) return jwe;
      const at = change.at % bytes.length;
      bytes[at] = (bytes[at] ?? 0) ^ (1 << change.bit);
      parts[change.segment] = b64u(bytes);
      return parts.join('.');
    }
    case 'truncate':
      return jwe.slice(0, change.at % (jwe.length + 1));
    case 'insert': {
      const at = change.at % (jwe.length + 1);
      return `${jwe.slice(0, at)}${change.text}${jwe.slice(at)}`;
    }
    case 'swap': {
      [parts[change.a], parts[change.b]] = [parts[change.b] ?? '', parts[change.a] ?? ''];
      return parts.join('.');
    }
    case 'replaceSegment':
      parts[change.segment] = change.text;
      return parts.join('.');
    case 'header': {
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        header = {};
      }
      parts[0] = b64u(JSON.stringify({ ...header, ...change.header }) ?? '');
      return parts.join('.');
    }
  }
}

/**
 * An ID token for FranceConnect+ to answer with: any string, compact-looking parts, or the honest token
 * (signed, then encrypted to the service's published key) damaged by one to three changes.
 */
export interface FuzzedIdToken {
  readonly label: string;
  /** The whole token, or the changes to make to the honest one. */
  readonly token?: string;
  readonly changes?: readonly Mutation[];
}

export const fuzzedIdToken: fc.Arbitrary<FuzzedIdToken> = (() => {
  const segment = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), maxLength: 60 });
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }).map((token) => ({ token, label: 'any string' })),
    fc.array(segment, { minLength: 1, maxLength: 7 }).map((parts) => ({ token: parts.join('.'), label: 'compact-looking' })),
    fc
      .array(mutation, { minLength: 1, maxLength: 3 })
      .map((changes) => ({ changes, label: `mutated (${changes.map((change) => change.kind).join('+')})` })),
  );
})();

/**
 * Signs in on FranceConnect+ with a fuzzed ID token: the service must refuse it with
 * `FC_ID_TOKEN_INVALID` (401) or, for damage that changed nothing that matters (a bit of base64url
 * padding), sign the person in; never a 500, a crash or another error.
 *
 * @throws {Error} for any other answer.
 */
export async function sendFuzzedIdToken(stack: AdversarialStack, input: FuzzedIdToken, tally?: FuzzTally): Promise<void> {
  const result = await attack(stack, 'fcp', {
    idToken: async (claims, forge) => input.token ?? (input.changes ?? []).reduce(mutate, await forge.seal(claims)),
  });
  const kind = input.label.replace(/ \(.*\)$/, '');
  if (result.status === 401 && result.body['code'] === 'FC_ID_TOKEN_INVALID') {
    tally?.add(`${kind}: FC_ID_TOKEN_INVALID`);
    return;
  }
  if (result.status === 303 && input.changes) {
    // Damage that changed nothing that matters: the person is signed in, as with the honest token.
    const me = await result.agent.request(`${stack.appUrl}/me`, { headers: { accept: 'application/json' } });
    if (me.status === 200 && (JSON.parse(me.body) as { provider?: string }).provider === 'fcp') {
      tally?.add(`${kind}: still valid`);
      return;
    }
  }
  const token = input.token ?? JSON.stringify(input.changes);
  throw new Error(`the callback answered ${result.status} ${result.response.body.slice(0, 200)} for ${input.label}: ${token.slice(0, 200)}`);
}

// ---- Pivot identity ------------------------------------------------------------------------------

const claimValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', ' ', 'Angela Claire Louise', 'DUBOIS', '1962-08-24', '1962-02-30', 'female', 'male', '75107', '2A004', '99100', '\u0000', 'Œ', '\ud800'),
  fc.string({ unit: 'grapheme', minLength: 1000, maxLength: 5000 }),
  fc.anything(),
);

const name = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.constantFrom('Angela Claire Louise', 'DUBOIS', "d'Œuvray", 'Éloïse-Marie', 'ÆSIR', 'Jean\u00a0Pierre', 'O’Neil', 'İlhan', 'ß', 'ǅ', '\u0301e'),
);
const date = fc
  .record({ year: fc.integer({ min: 1000, max: 2999 }), month: fc.integer({ min: 0, max: 13 }), day: fc.integer({ min: 0, max: 32 }) })
  .map(({ year, month, day }) => `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`);

/** A pivot identity that is nearly always well formed, with names and codes at their edges. */
const plausibleIdentity = fc.record({
  given_name: name,
  family_name: name,
  birthdate: fc.oneof({ weight: 4, arbitrary: date }, { weight: 1, arbitrary: claimValue }),
  gender: fc.constantFrom('male', 'female', ' Female ', 'other', 'x'),
  birthplace: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('75107', '2A004', '2b004', ' 75056 ', '') },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom('7510', '9A123'), claimValue) },
  ),
  birthcountry: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('99100', '99134', ' 99100 ') },
    { weight: 1, arbitrary: fc.constantFrom('9910', '99100x', '') },
  ),
});

/** Claims objects: plausible identities, the pivot names with any values, or any object at all. */
export const pivotClaims: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  plausibleIdentity,
  fc.record(
    {
      given_name: claimValue,
      family_name: claimValue,
      birthdate: claimValue,
      gender: claimValue,
      birthplace: claimValue,
      birthcountry: claimValue,
      email: claimValue,
      preferred_username: claimValue,
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string(), fc.anything()),
  fc.object(),
);

/**
 * Normalises fuzzed claims: must return a string or `undefined`, never throw.
 *
 * @throws {Error} when the normaliser throws or returns something else.
 */
export function normaliseFuzzed(claims: Record<string, unknown>, tally?: FuzzTally): void {
  let result: unknown;
  try {
    result = normalisePivotIdentity(claims);
  } catch (error) {
    throw new Error(`normalisePivotIdentity threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
  if (result !== undefined && typeof result !== 'string') throw new Error(`normalisePivotIdentity returned ${typeof result}`);
  tally?.add(result === undefined ? 'not matchable' : 'normalised');
}
