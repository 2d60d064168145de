import { rawRequest, registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe.each(['sqlite', 'postgres'] as const)('smoke (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
  });
  afterAll(() => p?.close());

  it('registers and reads back an account', async () => {
    expect((await rawRequest(p.url, 'GET', '/v1/health')).body).toEqual({ status: 'ok', protocol: 'fulcrum-v1' });
    const alice = await registerTestAccount(p.url, 'alice');
    const res = await rawRequest(p.url, 'GET', '/v1/accounts/by-name/alice', { signer: alice });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accountId: alice.accountId, name: 'alice' });
  });
});
