import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

interface Me {
  sub: string;
  account?: { status: string; accountId?: string; reason?: string; links?: { platform: string; sub: string }[] };
}

async function me(agent: HttpAgent, stack: DemoStack): Promise<Me> {
  return (await getJson(agent, `${stack.appUrl}/me`)).body as unknown as Me;
}

describe('identity linking, pairwise subjects (the default)', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => stack?.stop());

  it('signing in with FranceConnect then FranceConnect+ as the same person gives one account with two links', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'angela-dubois' });
    const afterFc = await me(agent, stack);
    expect(afterFc.account).toMatchObject({ status: 'linked' });
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    const afterFcp = await me(agent, stack);
    expect(afterFcp.sub).not.toBe(afterFc.sub);
    expect(afterFcp.account?.accountId).toBe(afterFc.account?.accountId);
    expect(afterFcp.account?.links?.map((link) => link.platform).sort()).toEqual(['fc', 'fcp']);

    // Later, in another browser, FranceConnect+ alone finds the same account.
    const later = new HttpAgent();
    await signIn(later, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois' });
    expect((await me(later, stack)).account?.accountId).toBe(afterFc.account?.accountId);
  });

  it('keeps apart two people who share a name, even in one browser', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fc/login', { identity: 'jean-martin-1980' });
    const first = await me(agent, stack);
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'jean-martin-1975' });
    const second = await me(agent, stack);
    expect(second.account).toEqual({ status: 'ambiguous', reason: 'session-identity-mismatch', links: [] });

    const other = new HttpAgent();
    await signIn(other, stack.appUrl, '/auth/fcp/login', { identity: 'jean-martin-1975' });
    const third = await me(other, stack);
    expect(third.account?.status).toBe('linked');
    expect(third.account?.accountId).not.toBe(first.account?.accountId);
  });

  it('creates one account when the same person signs in for the first time in two browsers at once', async () => {
    const agents = Array.from({ length: 4 }, () => new HttpAgent());
    await Promise.all(agents.map((agent) => signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'hugo-vingtsix' })));
    const accounts = await Promise.all(agents.map(async (agent) => (await me(agent, stack)).account?.accountId));
    expect(accounts.every((account) => account !== undefined)).toBe(true);
    expect(new Set(accounts).size).toBe(1);
  });
});

describe('identity linking with the common identifier', () => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack({ emulator: { sameSubject: true }, env: { FC_COMMON_IDENTIFIER: 'true' } });
  });
  afterAll(async () => stack?.stop());

  it('treats an equal sub on both platforms as one person, across browsers', async () => {
    const first = new HttpAgent();
    await signIn(first, stack.appUrl, '/auth/fc/login', { identity: 'eric-mercier' });
    const fc = await me(first, stack);
    const second = new HttpAgent();
    await signIn(second, stack.appUrl, '/auth/fcp/login', { identity: 'eric-mercier' });
    const fcp = await me(second, stack);
    expect(fcp.sub).toBe(fc.sub);
    expect(fcp.account?.accountId).toBe(fc.account?.accountId);
  });
});
