import * as client from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';

import { completeEmulatorLogin } from '../support/emulator-login.js';
import { HttpAgent } from '../support/http-agent.js';
import {
  authorizationRequest,
  exchange,
  fcpClient,
  generateEncryptionKey,
  relyingParty,
  startEmulatorWithJwks,
  type EmulatorWithJwks,
} from './fixtures.js';

const CLIENT_ID = 'fcp-jwks-cache';

describe("FranceConnect+ emulator: fetching the service provider's JWKS", () => {
  let started: EmulatorWithJwks | undefined;

  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  /** Two complete sign-ins (token, then userinfo: two encryptions each); the JWKS requests they caused. */
  async function jwksRequestsOfTwoSignIns(cacheClientJwks: boolean | undefined): Promise<number> {
    const key = await generateEncryptionKey('RSA-OAEP-256');
    started = await startEmulatorWithJwks(
      [key.publicJwk],
      (jwksUrl) => [fcpClient(CLIENT_ID, 'RSA-OAEP-256', jwksUrl)],
      cacheClientJwks === undefined ? {} : { cacheClientJwks },
    );
    const { emulator, jwks } = started;
    const config = await relyingParty(emulator.fcp.issuer, CLIENT_ID, { decryptWith: key });
    const before = jwks.requests;
    for (let index = 0; index < 2; index++) {
      const request = await authorizationRequest(config, CLIENT_ID, { acr_values: 'eidas2' });
      const callback = await completeEmulatorLogin(new HttpAgent(), request.url, { identity: 'angela-dubois' });
      const tokens = await exchange(config, callback, request);
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub ?? '');
      expect(userinfo.family_name).toBe('DUBOIS');
    }
    return jwks.requests - before;
  }

  it('fetches it again for every encryption by default, so a key rotation shows at once', async () => {
    expect(await jwksRequestsOfTwoSignIns(undefined)).toBe(4);
  });

  it('keeps it between requests with cacheClientJwks, as FranceConnect+ does', async () => {
    expect(await jwksRequestsOfTwoSignIns(true)).toBe(1);
  });
});
