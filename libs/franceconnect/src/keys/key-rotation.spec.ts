import { describe, expect, it } from 'vitest';
import { addKey, orderKeysByState, pruneRetiredKeys, retireKey, rotateKeys } from './key-rotation.js';
import type { PrivateJwksDocument } from './key-rotation.js';
import { KeyRotationError } from './keys.errors.js';

const NOW = 1_800_000_000;
const DAY = 86_400;

/** Key stand-ins: the rotation functions only read kid, use, alg and the state members. */
function key(kid: string, alg = 'RSA-OAEP-256', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { kid, use: 'enc', alg, kty: alg === 'ECDH-ES' ? 'EC' : 'RSA', d: `private-${kid}`, ...extra };
}

function states(jwks: PrivateJwksDocument): string[] {
  return jwks.keys.map((jwk) => `${String(jwk['kid'])}:${String(jwk['fc:state'] ?? '(none)')}${jwk['fc:retiredAt'] === undefined ? '' : `@${String(jwk['fc:retiredAt'])}`}`);
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyRotationError);
    expect((error as KeyRotationError).code).toBe('FC_KEY_ROTATION_REFUSED');
    return (error as Error).message;
  }
  throw new Error('expected a KeyRotationError');
}

describe('addKey', () => {
  it('makes the first key of an alg current', () => {
    const { jwks, changes } = addKey({ keys: [] }, key('a'));
    expect(states(jwks)).toEqual(['a:current']);
    expect(changes).toEqual([{ kid: 'a', use: 'enc', alg: 'RSA-OAEP-256', from: 'absent', to: 'current' }]);
  });

  it('adds a key as next when its alg already has a published key, after the current keys', () => {
    const start = { keys: [key('old', 'RSA-OAEP-256', { 'fc:state': 'retired', 'fc:retiredAt': NOW }), key('a')] };
    const { jwks } = addKey(start, key('b'));
    expect(states(jwks)).toEqual(['a:(none)', 'b:next', 'old:retired@1800000000']);
  });

  it('makes a key current when its alg only has retired keys, and keys of other algs do not count', () => {
    const start = { keys: [key('ec', 'ECDH-ES'), key('old', 'RSA-OAEP-256', { 'fc:state': 'retired', 'fc:retiredAt': NOW })] };
    expect(states(addKey(start, key('new')).jwks)).toEqual(['ec:(none)', 'new:current', 'old:retired@1800000000']);
  });

  it('keeps the other top-level members and does not modify its input', () => {
    const start = { keys: [key('a')], comment: 'kept' };
    const before = JSON.stringify(start);
    const { jwks } = addKey(start, key('b'));
    expect(jwks['comment']).toBe('kept');
    expect(JSON.stringify(start)).toBe(before);
  });

  it('refuses a kid already used, and a key without kid, use or alg', () => {
    expect(refusal(() => addKey({ keys: [key('a')] }, key('a')))).toMatch(/already has a key with kid "a"/);
    expect(refusal(() => addKey({ keys: [] }, { kid: 'x' }))).toMatch(/needs a "kid", a "use" and an "alg"/);
  });
});

describe('rotateKeys', () => {
  it('promotes the next key and retires the current one at the time given', () => {
    const { jwks, changes } = rotateKeys({ keys: [key('a'), key('b', 'RSA-OAEP-256', { 'fc:state': 'next' })] }, { now: NOW });
    expect(states(jwks)).toEqual(['b:current', 'a:retired@1800000000']);
    expect(changes).toEqual([
      { kid: 'a', use: 'enc', alg: 'RSA-OAEP-256', from: 'current', to: 'retired' },
      { kid: 'b', use: 'enc', alg: 'RSA-OAEP-256', from: 'next', to: 'current' },
    ]);
  });

  it('rotates every alg that has a next key, and only that alg with --alg', () => {
    const start = {
      keys: [
        key('rsa'),
        key('ec', 'ECDH-ES'),
        key('rsa-2', 'RSA-OAEP-256', { 'fc:state': 'next' }),
        key('ec-2', 'ECDH-ES', { 'fc:state': 'next' }),
      ],
    };
    expect(states(rotateKeys(start, { now: NOW }).jwks)).toEqual([
      'rsa-2:current',
      'ec-2:current',
      'rsa:retired@1800000000',
      'ec:retired@1800000000',
    ]);
    expect(states(rotateKeys(start, { now: NOW, alg: 'ECDH-ES' }).jwks)).toEqual([
      'rsa:(none)',
      'ec-2:current',
      'rsa-2:next',
      'ec:retired@1800000000',
    ]);
  });

  it('promotes one next key at a time, the first one', () => {
    const start = { keys: [key('a'), key('b', 'RSA-OAEP-256', { 'fc:state': 'next' }), key('c', 'RSA-OAEP-256', { 'fc:state': 'next' })] };
    expect(states(rotateKeys(start, { now: NOW }).jwks)).toEqual(['b:current', 'c:next', 'a:retired@1800000000']);
  });

  it('refuses when there is no next key to promote', () => {
    expect(refusal(() => rotateKeys({ keys: [key('a')] }, { now: NOW }))).toMatch(/no next key to promote: add one first/);
    expect(refusal(() => rotateKeys({ keys: [key('a'), key('b', 'RSA-OAEP-256', { 'fc:state': 'next' })] }, { now: NOW, alg: 'ECDH-ES' }))).toMatch(
      /no next ECDH-ES key.*keys generate --alg ECDH-ES/,
    );
  });
});

describe('retireKey', () => {
  const start = {
    keys: [key('a'), key('ec', 'ECDH-ES'), key('b', 'RSA-OAEP-256', { 'fc:state': 'next' })],
  };

  it('retires a next key', () => {
    expect(states(retireKey(start, 'b', { now: NOW }).jwks)).toEqual(['a:(none)', 'ec:(none)', 'b:retired@1800000000']);
  });

  it('refuses to retire the only published key of an alg, unless forced', () => {
    expect(refusal(() => retireKey(start, 'ec', { now: NOW }))).toMatch(/only published "enc" key for ECDH-ES/);
    expect(states(retireKey(start, 'ec', { now: NOW, force: true }).jwks)).toContain('ec:retired@1800000000');
  });

  it('sends the current key with a next key waiting to rotate, and when forced makes the next key current', () => {
    expect(refusal(() => retireKey(start, 'a', { now: NOW }))).toMatch(/use keys rotate --alg RSA-OAEP-256/);
    const { jwks, changes } = retireKey(start, 'a', { now: NOW, force: true });
    expect(states(jwks)).toEqual(['ec:(none)', 'b:current', 'a:retired@1800000000']);
    expect(changes.map((change) => `${change.kid} ${change.from}→${change.to}`)).toEqual(['a current→retired', 'b next→current']);
  });

  it('refuses an unknown kid and a key already retired', () => {
    expect(refusal(() => retireKey(start, 'zz', { now: NOW }))).toMatch(/No key has kid "zz" \(the key set holds "a", "ec", "b"\)/);
    const retired = retireKey(start, 'b', { now: NOW }).jwks;
    expect(refusal(() => retireKey(retired, 'b', { now: NOW }))).toMatch(/already retired/);
  });
});

describe('pruneRetiredKeys', () => {
  it('removes retired keys whose grace period has ended, and only those', () => {
    const start = {
      keys: [
        key('a'),
        key('recent', 'RSA-OAEP-256', { 'fc:state': 'retired', 'fc:retiredAt': NOW - DAY + 1 }),
        key('old', 'RSA-OAEP-256', { 'fc:state': 'retired', 'fc:retiredAt': NOW - DAY }),
      ],
    };
    const { jwks, changes } = pruneRetiredKeys(start, { now: NOW, gracePeriodSeconds: DAY });
    expect(states(jwks)).toEqual(['a:(none)', 'recent:retired@1799913601']);
    expect(changes).toEqual([{ kid: 'old', use: 'enc', alg: 'RSA-OAEP-256', from: 'retired', to: 'removed' }]);
    expect(pruneRetiredKeys(start, { now: NOW, gracePeriodSeconds: 2 * DAY }).changes).toEqual([]);
  });
});

describe('orderKeysByState', () => {
  it('orders current, next, retired, keeping the order within each state', () => {
    const keys = [
      key('r1', 'RSA-OAEP-256', { 'fc:state': 'retired', 'fc:retiredAt': NOW }),
      key('n1', 'RSA-OAEP-256', { 'fc:state': 'next' }),
      key('c1'),
      key('n2', 'ECDH-ES', { 'fc:state': 'next' }),
      key('c2', 'ECDH-ES', { 'fc:state': 'current' }),
    ];
    expect(orderKeysByState(keys).map((jwk) => jwk['kid'])).toEqual(['c1', 'c2', 'n1', 'n2', 'r1']);
  });
});
