/**
 * One person per session. A level proven by one person must never open a route to the identity of
 * another: someone holding a victim's FranceConnect password and any FranceConnect+ identity signs in
 * with both in one browser, then asks for an eidas2 route. A second sign-in keeps what the session held
 * only when it is provably the same person (the same account through identity linking, or without
 * linking an equal pivot identity); otherwise the session starts over with the new person alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAgent } from '../support/http-agent.js';
import { getJson, signIn, startDemoStack, type DemoStack } from '../support/demo-stack.js';

const ATTACKER_FCP = { identity: 'eric-mercier', acr: 'eidas2' } as const;
const VICTIM_FC = { identity: 'angela-dubois' } as const;

describe.each([
  ['with identity linking', 'true'],
  ['without identity linking', 'false'],
])('one person per session, %s', (_label, linking) => {
  let stack: DemoStack;
  beforeAll(async () => {
    stack = await startDemoStack({ env: { IDENTITY_LINKING: linking } });
  });
  afterAll(async () => stack?.stop());

  const identitiesOf = async (agent: HttpAgent): Promise<Array<{ provider: string; claims: { family_name: string } }>> =>
    (await getJson(agent, `${stack.appUrl}/me`)).body.identities as Array<{ provider: string; claims: { family_name: string } }>;

  it("FranceConnect+ as one person, then FranceConnect as another: the eidas2 route is refused to the second", async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', ATTACKER_FCP);
    await signIn(agent, stack.appUrl, '/auth/fc/login', VICTIM_FC);

    const me = await getJson(agent, `${stack.appUrl}/me`);
    expect(me.body).toMatchObject({ provider: 'fc', acr: 'eidas1', claims: { family_name: 'DUBOIS' } });
    expect(await identitiesOf(agent)).toHaveLength(1);
    const route = await getJson(agent, `${stack.appUrl}/protected/eidas2`);
    expect(route).toMatchObject({ status: 403, body: { code: 'FC_EIDAS_LEVEL_TOO_LOW', required_acr: 'eidas2', current_acr: 'eidas1' } });
    // A browser is sent to step up, not let through.
    const page = await agent.request(`${stack.appUrl}/protected/eidas2`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(303);
    expect(page.location?.href).toContain('/authorize');
  });

  it('FranceConnect as one person, then FranceConnect+ as another: only the second is left in the session', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fc/login', VICTIM_FC);
    await signIn(agent, stack.appUrl, '/auth/fcp/login', ATTACKER_FCP);

    const identities = await identitiesOf(agent);
    expect(identities.map((identity) => [identity.provider, identity.claims.family_name])).toEqual([['fcp', 'MERCIER']]);
    const route = await getJson(agent, `${stack.appUrl}/protected/eidas2`);
    expect(route.status).toBe(200);
    expect(JSON.stringify(route.body)).not.toContain('DUBOIS');
  });

  it('FranceConnect then FranceConnect+ as the same person: both identities stay, the level is the higher one', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fc/login', VICTIM_FC);
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois', acr: 'eidas2' });

    const identities = await identitiesOf(agent);
    expect(identities.map((identity) => identity.provider).toSorted()).toEqual(['fc', 'fcp']);
    expect((await getJson(agent, `${stack.appUrl}/protected/eidas2`)).status).toBe(200);
  });

  it('a second person on the same platform replaces the first one and everything the session held for them', async () => {
    const agent = new HttpAgent();
    await signIn(agent, stack.appUrl, '/auth/fcp/login', { identity: 'angela-dubois', acr: 'eidas2' });
    await signIn(agent, stack.appUrl, '/auth/fc/login', VICTIM_FC);
    expect(await identitiesOf(agent)).toHaveLength(2);
    // A step-up to eidas3 (no single sign-on on FranceConnect+ at that level), where another person signs in.
    await signIn(agent, stack.appUrl, '/protected/eidas3', { identity: 'eric-mercier', acr: 'eidas3' });
    const identities = await identitiesOf(agent);
    expect(identities.map((identity) => [identity.provider, identity.claims.family_name])).toEqual([['fcp', 'MERCIER']]);
  });
});
