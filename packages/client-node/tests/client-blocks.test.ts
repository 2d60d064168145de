/**
 * Blocking and unblocking through the client SDK and the real server (docs/protocol.md §Blocking),
 * on SQLite and PostgreSQL, with real MLS clients: `block` (without a report), `blockedAccounts`,
 * `unblock`; while blocked the sender's messages do not reach the blocker (in a 1:1 and in a
 * group, where the third member still gets them); after `unblock` they arrive again — also after
 * the sender ran its message ratchet more than ts-mls's 200 forward steps ahead unseen, which is
 * why `unblock` commits an MLS update first (the second test shows what happens without it).
 */
import type { MessageRecord } from '@fulcrum/client';
import { isFulcrumError } from '@fulcrum/common';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupDirs, openDevice, type TestDevice, unique } from './helpers.js';

/** More than ts-mls's `maximumForwardRatchetSteps` (200): the skip a blocker could not follow. */
const WITHHELD = 205;

function textOf(m: MessageRecord): string {
  return m.content.type === 'text' ? m.content.text : m.content.type;
}

describe.each(['sqlite', 'postgres'] as const)('client blocks (%s)', (dialect) => {
  let platform: TestPlatform;
  const open: TestDevice[] = [];
  let a: TestDevice; // the blocked sender
  let b: TestDevice; // the blocker
  let c: TestDevice; // a third member
  let names: string[];
  let oneToOne: string;
  let group: string;

  const texts = async (d: TestDevice, groupId: string) =>
    (await d.client.history(groupId, { limit: 1000 })).map(textOf);
  const id = (d: TestDevice) => d.client.self?.accountId as string;

  beforeAll(async () => {
    platform = await startTestPlatform({ dialect });
    a = await openDevice(platform.url);
    b = await openDevice(platform.url);
    c = await openDevice(platform.url);
    open.push(a, b, c);
    names = [unique('alice'), unique('bob'), unique('carol')];
    await a.client.register(names[0] as string);
    await b.client.register(names[1] as string);
    await c.client.register(names[2] as string);
    oneToOne = (await a.client.createConversation({ members: [names[1] as string] })).groupId;
    group = (await a.client.createConversation({ members: names.slice(1) })).groupId;
    await b.client.sync();
    await c.client.sync();
  }, 60_000);
  afterAll(async () => {
    for (const d of open) await d.client.close().catch(() => {});
    await platform?.close();
    cleanupDirs();
  });

  it('block, list, unblock: messages withheld while blocked, delivered again after', async () => {
    expect(await b.client.blockedAccounts()).toEqual([]);
    const first = await b.client.block(id(a));
    expect(first).toMatchObject({ accountId: id(a), created: true });
    // Idempotent: the same block again.
    expect(await b.client.block(id(a))).toEqual({ ...first, created: false });
    expect(await b.client.blockedAccounts()).toEqual([
      { accountId: id(a), name: names[0], blockedAt: first.blockedAt },
    ]);
    expect(await a.client.blockedAccounts()).toEqual([]);

    // While blocked: more than 200 messages in the 1:1 (one epoch), one in the group.
    for (let i = 0; i < WITHHELD; i++) await a.client.sendText(oneToOne, `withheld ${i}`);
    await a.client.sendText(group, 'group while blocked');
    await b.client.sync();
    await c.client.sync();
    expect((await texts(b, oneToOne)).filter((t) => t.startsWith('withheld'))).toEqual([]);
    expect(await texts(b, group)).not.toContain('group while blocked');
    expect(await texts(c, group)).toContain('group while blocked');

    // Someone else cannot lift bob's block: carol's unblock names only carol's own (none).
    expect(await c.client.unblock(id(a))).toEqual({ accountId: id(a), removed: false, refreshed: 0 });
    expect((await b.client.blockedAccounts()).map((x) => x.accountId)).toEqual([id(a)]);

    // Unblock: an MLS update in both shared conversations, then the server lifts the block.
    const errorsBefore = b.events.error.length;
    const lifted = await b.client.unblock(id(a));
    expect(lifted).toEqual({ accountId: id(a), removed: true, refreshed: 2 });
    expect(await b.client.blockedAccounts()).toEqual([]);
    // alice has not seen the update commits yet: her sends rebase onto the new epoch.
    const r1 = await a.client.sendText(oneToOne, 'after unblock 1:1');
    const r2 = await a.client.sendText(group, 'after unblock group');
    expect([r1.status, r2.status]).toEqual(['sent', 'sent']);
    await b.client.sync();
    await c.client.sync();
    expect((await texts(b, oneToOne)).at(-1)).toBe('after unblock 1:1');
    expect((await texts(b, group)).at(-1)).toBe('after unblock group');
    expect((await texts(c, group)).at(-1)).toBe('after unblock group');
    expect(b.events.error.slice(errorsBefore)).toEqual([]);
    // The withheld messages do not come back.
    expect((await texts(b, oneToOne)).filter((t) => t.startsWith('withheld'))).toEqual([]);
    // bob can still write to alice, and she reads him.
    await b.client.sendText(oneToOne, 'bob again');
    await a.client.sync();
    expect((await texts(a, oneToOne)).at(-1)).toBe('bob again');

    // Idempotent: unblocking again, or an account never blocked, changes nothing.
    expect(await b.client.unblock(id(a))).toEqual({ accountId: id(a), removed: false, refreshed: 0 });
    expect(await b.client.unblock(id(c))).toEqual({ accountId: id(c), removed: false, refreshed: 0 });
  }, 240_000);

  it('refusals: blocking oneself or an unknown account', async () => {
    const self = await b.client.block(id(b)).catch((e: unknown) => e);
    expect(isFulcrumError(self, 'block.self')).toBe(true);
    const unknown = await b.client.block('AAAAAAAAAAAAAAAAAAAAAA').catch((e: unknown) => e);
    expect(isFulcrumError(unknown, 'account.not_found')).toBe(true);
    expect(await b.client.blockedAccounts()).toEqual([]);
  });

  it('without the MLS update, a sender more than 200 messages ahead could not be read after an unblock', async () => {
    // Why unblock() commits first: the same block, lifted by the bare endpoint instead.
    const fresh = (await a.client.createConversation({ members: [names[1] as string] })).groupId;
    await b.client.sync();
    await b.client.block(id(a));
    for (let i = 0; i < WITHHELD; i++) await a.client.sendText(fresh, `withheld ${i}`);
    expect(await b.client.callApi('unblock', { body: { accountId: id(a) } })).toEqual({
      accountId: id(a),
      removed: true,
    });
    const errorsBefore = b.events.error.length;
    await a.client.sendText(fresh, 'unreadable');
    await b.client.sync();
    expect(await texts(b, fresh)).not.toContain('unreadable');
    expect(b.events.error.length).toBeGreaterThan(errorsBefore);
    // A commit (a new epoch) restarts the ratchets: later messages are read again.
    await b.client.block(id(a));
    expect((await b.client.unblock(id(a))).refreshed).toBeGreaterThanOrEqual(1);
    await a.client.sendText(fresh, 'readable again');
    await b.client.sync();
    expect((await texts(b, fresh)).at(-1)).toBe('readable again');
  }, 240_000);
});
