import type { Request } from 'express';
import { describe, expect, it, vi } from 'vitest';
import { Logger } from '@nestjs/common';
import { SignInRateLimiter } from './sign-in-rate-limit.js';

const request = (ip: string, headers: Record<string, string> = {}, trustProxy = false) =>
  ({ ip, headers, socket: {}, app: { get: () => trustProxy } }) as unknown as Request;

describe('SignInRateLimiter', () => {
  it('refuses a client past its limit, with the seconds to wait, and counts other clients apart', async () => {
    const limiter = new SignInRateLimiter({ limit: 3, ttlSeconds: 30 });
    for (let i = 0; i < 3; i++) expect(await limiter.count(request('192.0.2.1'))).toBeUndefined();
    const wait = await limiter.count(request('192.0.2.1'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(30);
    await expect(limiter.count(request('192.0.2.2'))).resolves.toBeUndefined();
    limiter.close();
  });

  it('counts an IPv6 /64 as one client, and an IPv4-mapped address as its IPv4 one', async () => {
    const limiter = new SignInRateLimiter({ limit: 2, ttlSeconds: 60 });
    await limiter.count(request('2001:db8:1:2::1'));
    await limiter.count(request('2001:db8:1:2:ffff::9'));
    expect(await limiter.count(request('2001:db8:1:2::42'))).toBeGreaterThan(0);
    await expect(limiter.count(request('2001:db8:1:3::1'))).resolves.toBeUndefined();
    await limiter.count(request('198.51.100.7'));
    await limiter.count(request('::ffff:198.51.100.7'));
    expect(await limiter.count(request('198.51.100.7'))).toBeGreaterThan(0);
    limiter.close();
  });

  it('says once that requests come through a proxy Express does not trust', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const limiter = new SignInRateLimiter({ limit: 60, ttlSeconds: 60 });
      await limiter.count(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.9' }));
      await limiter.count(request('10.0.0.1', { 'x-forwarded-for': '203.0.113.10' }));
      expect(warn.mock.calls.filter(([line]) => String(line).includes('trust proxy'))).toHaveLength(1);
      const trusting = new SignInRateLimiter({ limit: 60, ttlSeconds: 60 });
      await trusting.count(request('203.0.113.9', { 'x-forwarded-for': '203.0.113.9' }, true));
      expect(warn.mock.calls.filter(([line]) => String(line).includes('trust proxy'))).toHaveLength(1);
      limiter.close();
      trusting.close();
    } finally {
      warn.mockRestore();
    }
  });
});
