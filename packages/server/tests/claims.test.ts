/**
 * KeyPackage claims over HTTP under concurrency. On PostgreSQL two server instances share one
 * schema (as two processes would) and the claims are spread over both.
 */
import { type RunningServer, startServer } from '@fulcrum/server';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, type Member, publishKeyPackages, registerMember } from './mls-fixtures.js';

describe.each(['sqlite', 'postgres'] as const)('concurrent KeyPackage claims over HTTP (%s)', (dialect) => {
  let p: TestPlatform;
  let second: RunningServer | undefined;
  let bob: Member;
  const claimers: Member[] = [];

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    if (dialect === 'postgres') {
      second = await startServer({ storage: p.storage, host: '127.0.0.1', port: 0, log: { level: 'silent' } });
    }
    bob = await registerMember(p.url, 'bob');
    for (let i = 0; i < 4; i++) claimers.push(await registerMember(p.url, `claimer${i}`));
    expect((await publishKeyPackages(bob, 30)).body).toEqual({ stored: 30, available: 30 });
    expect((await publishKeyPackages(bob, 1, true)).status).toBe(200);
  });
  afterAll(async () => {
    await second?.close();
    await p?.close();
  });

  it('hands each KeyPackage out once, then the last-resort one to everyone else', async () => {
    const urls = second === undefined ? [p.url] : [p.url, second.url];
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const m = claimers[i % claimers.length]!;
        return claim({ ...m, url: urls[i % urls.length]! }, bob.device.accountId);
      }),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const handed = results.map((r) => r.body.keyPackages[0]!);
    const normal = handed.filter((k) => !k.lastResort).map((k) => k.data);
    expect(normal).toHaveLength(30);
    expect(new Set(normal).size).toBe(30);
    const lastResort = handed.filter((k) => k.lastResort);
    expect(lastResort).toHaveLength(30);
    expect(new Set(lastResort.map((k) => k.data)).size).toBe(1);
    const row = await p.db.kysely
      .selectFrom('key_packages')
      .select(['claim_count', 'last_resort'])
      .where('device_id', '=', bob.device.deviceId)
      .execute();
    expect(row).toEqual([{ claim_count: 30, last_resort: 1 }]);
  });
});
