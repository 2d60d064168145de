/**
 * Blocks (`GET /v1/blocks`, `POST /v1/blocks`, `POST /v1/blocks/remove`, docs/protocol.md
 * §Blocking) on SQLite and PostgreSQL, by signed requests of real devices against the real
 * server: a block stops the blocked account's application messages reaching every device of the
 * blocker and nothing else; an unblock restores delivery from the next message on; both are
 * idempotent; no one can see or lift another account's block; refusals have stable codes.
 * Messages are relayed through the real store (group order, rosters), as in reports.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { encodeBase64Url } from '@fulcrum/common';
import {
  addTestDevice,
  rawRequest,
  registerTestAccount,
  startTestPlatform,
  type TestDevice,
  type TestPlatform,
} from '@fulcrum/testkit';
import { BLOCK_LIMITS } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBlock, isBlocked } from '../src/reports/blocks.js';
import { applyCommit, createGroup, sendMessage } from '../src/store/groups.js';
import { fetchQueue } from '../src/store/queue.js';

const b64 = (b: Uint8Array) => encodeBase64Url(b);

interface BlocksBody {
  blocks?: { accountId: string; name: string; blockedAt: number }[];
  accountId?: string;
  blockedAt?: number;
  created?: boolean;
  removed?: boolean;
  error?: { code: string; detail?: Record<string, unknown> };
}

describe.each(['sqlite', 'postgres'] as const)('blocks (%s)', (dialect) => {
  let p: TestPlatform;
  let alice: TestDevice; // the blocked sender
  let bob: TestDevice; // the blocker
  let bob2: TestDevice; // bob's second device
  let carol: TestDevice; // another member, who blocks no one
  let groupId: string;
  let epoch = 0;

  const call = (signer: TestDevice, method: 'GET' | 'POST', path: string, body?: unknown) =>
    rawRequest<BlocksBody>(p.url, method, path, { signer, ...(body === undefined ? {} : { body }) });
  const block = (signer: TestDevice, accountId: string) => call(signer, 'POST', '/v1/blocks', { accountId });
  const unblock = (signer: TestDevice, accountId: string) => call(signer, 'POST', '/v1/blocks/remove', { accountId });
  const list = async (signer: TestDevice) => {
    const res = await call(signer, 'GET', '/v1/blocks');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.blocks ?? [];
  };

  /** An application message (or a commit) from `sender`, relayed by the real store. */
  async function relay(sender: TestDevice, kind: 'application' | 'commit' = 'application'): Promise<void> {
    if (kind === 'commit') {
      await p.db.transaction((tx) =>
        applyCommit(tx, {
          groupId,
          senderDeviceId: sender.deviceId,
          clientMessageId: b64(randomBytes(16)),
          commitEpoch: epoch,
          commit: new Uint8Array(randomBytes(64)),
          welcome: undefined,
          addedDevices: [],
          removedDevices: [],
          now: Date.now(),
        }),
      );
      epoch += 1;
      return;
    }
    await p.db.transaction((tx) =>
      sendMessage(tx, {
        groupId,
        senderDeviceId: sender.deviceId,
        clientMessageId: b64(randomBytes(16)),
        epoch,
        kind: 'application',
        message: new Uint8Array(randomBytes(100)),
        now: Date.now(),
      }),
    );
  }

  /** How many items wait in each device's queue. */
  async function queued(...devices: TestDevice[]): Promise<number[]> {
    const out: number[] = [];
    for (const d of devices) out.push((await fetchQueue(p.db.kysely, d.deviceId, 0, 500)).length);
    return out;
  }
  /** `queued` for bob's two devices and carol's. */
  async function queuedThree(): Promise<[number, number, number]> {
    const [b1 = -1, b2 = -1, c = -1] = await queued(bob, bob2, carol);
    return [b1, b2, c];
  }

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    const run = randomBytes(3).toString('hex');
    alice = await registerTestAccount(p.url, `alice-${run}`);
    bob = await registerTestAccount(p.url, `bob-${run}`);
    bob2 = await addTestDevice(p.url, bob);
    carol = await registerTestAccount(p.url, `carol-${run}`);
    groupId = b64(randomBytes(32));
    await p.db.transaction((tx) => createGroup(tx, { groupId, creatorDeviceId: alice.deviceId, now: Date.now() }));
    await p.db.transaction((tx) =>
      applyCommit(tx, {
        groupId,
        senderDeviceId: alice.deviceId,
        clientMessageId: b64(randomBytes(16)),
        commitEpoch: 0,
        commit: new Uint8Array(randomBytes(64)),
        welcome: new Uint8Array(randomBytes(64)),
        addedDevices: [bob.deviceId, bob2.deviceId, carol.deviceId],
        removedDevices: [],
        now: Date.now(),
      }),
    );
    epoch = 1;
  }, 60_000);
  afterAll(async () => {
    await p?.close();
  });

  it('blocks, lists, and unblocks; an unblock restores delivery to every device of the blocker', async () => {
    expect(await list(bob)).toEqual([]);
    let [b1, b2, c] = await queuedThree();
    await relay(alice);
    expect(await queued(bob, bob2, carol)).toEqual([b1 + 1, b2 + 1, c + 1]);

    const first = await block(bob, alice.accountId);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ accountId: alice.accountId, created: true });
    const blockedAt = first.body.blockedAt as number;
    // Idempotent: the same block again changes nothing and answers the first time.
    const again = await block(bob2, alice.accountId);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ accountId: alice.accountId, blockedAt, created: false });
    // Both of bob's devices see it; alice and carol see no block of theirs.
    const expected = [{ accountId: alice.accountId, name: alice.name, blockedAt }];
    expect(await list(bob)).toEqual(expected);
    expect(await list(bob2)).toEqual(expected);
    expect(await list(alice)).toEqual([]);
    expect(await list(carol)).toEqual([]);

    // Blocked: alice's application messages reach neither of bob's devices; carol's do, and so
    // do alice's commits (the MLS state stays shared).
    [b1, b2, c] = await queuedThree();
    await relay(alice);
    expect(await queued(bob, bob2, carol)).toEqual([b1, b2, c + 1]);
    await relay(carol);
    expect(await queued(bob, bob2)).toEqual([b1 + 1, b2 + 1]);
    await relay(alice, 'commit');
    expect(await queued(bob, bob2)).toEqual([b1 + 2, b2 + 2]);

    // Unblocked from the other device: delivery as before the block, from the next message on
    // (what was withheld meanwhile was never queued and does not come back).
    [b1, b2, c] = await queuedThree();
    const lifted = await unblock(bob2, alice.accountId);
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body).toEqual({ accountId: alice.accountId, removed: true });
    expect(await list(bob)).toEqual([]);
    expect(await queued(bob, bob2, carol)).toEqual([b1, b2, c]);
    await relay(alice);
    expect(await queued(bob, bob2, carol)).toEqual([b1 + 1, b2 + 1, c + 1]);

    // Idempotent: unblocking again (or an account never blocked) is 200 with removed: false.
    expect((await unblock(bob, alice.accountId)).body).toEqual({ accountId: alice.accountId, removed: false });
    expect((await unblock(bob, carol.accountId)).body).toEqual({ accountId: carol.accountId, removed: false });
    const nobody = b64(randomBytes(16));
    const unknown = await unblock(bob, nobody);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ accountId: nobody, removed: false });
  });

  it("no one can lift or see another account's block", async () => {
    expect((await block(bob, alice.accountId)).status).toBe(200);
    // carol (a member of the same group) and alice herself try to lift bob's block of alice:
    // each request names only the caller's own block, so nothing is removed.
    expect((await unblock(carol, alice.accountId)).body).toEqual({ accountId: alice.accountId, removed: false });
    expect((await unblock(alice, alice.accountId)).body).toEqual({ accountId: alice.accountId, removed: false });
    expect((await unblock(alice, bob.accountId)).body).toEqual({ accountId: bob.accountId, removed: false });
    expect(await isBlocked(p.db.kysely, bob.accountId, alice.accountId)).toBe(true);
    expect(await list(carol)).toEqual([]);
    expect(await list(alice)).toEqual([]);
    const [b1] = await queued(bob);
    await relay(alice);
    expect(await queued(bob)).toEqual([b1]);
    // Only bob lifts it.
    expect((await unblock(bob, alice.accountId)).body.removed).toBe(true);
    expect(await isBlocked(p.db.kysely, bob.accountId, alice.accountId)).toBe(false);
  });

  it('refuses with stable codes: self, unknown account, bad id, unsigned, replayed nonce', async () => {
    const self = await block(bob, bob.accountId);
    expect([self.status, self.body.error?.code]).toEqual([400, 'block.self']);
    const unknown = await block(bob, b64(randomBytes(16)));
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'account.not_found']);
    for (const bad of [{ accountId: 'short' }, {}, { accountId: alice.accountId, extra: 1 }]) {
      const res = await call(bob, 'POST', '/v1/blocks', bad);
      expect([res.status, res.body.error?.code], JSON.stringify(bad)).toEqual([400, 'request.invalid']);
      const res2 = await call(bob, 'POST', '/v1/blocks/remove', bad);
      expect([res2.status, res2.body.error?.code], JSON.stringify(bad)).toEqual([400, 'request.invalid']);
    }
    for (const [method, path] of [
      ['GET', '/v1/blocks'],
      ['POST', '/v1/blocks'],
      ['POST', '/v1/blocks/remove'],
    ] as const) {
      const res = await rawRequest<BlocksBody>(p.url, method, path, {
        ...(method === 'POST' ? { body: { accountId: alice.accountId } } : {}),
      });
      expect([res.status, res.body.error?.code], path).toEqual([401, 'auth.missing']);
    }
    // A replayed signed block request is refused and changes nothing.
    const nonce = b64(randomBytes(16));
    const timestamp = Date.now();
    const signed = (path: string) =>
      rawRequest<BlocksBody>(p.url, 'POST', path, {
        signer: bob,
        body: { accountId: alice.accountId },
        sign: { nonce, timestamp },
      });
    expect((await signed('/v1/blocks')).status).toBe(200);
    expect((await unblock(bob, alice.accountId)).body.removed).toBe(true);
    const replay = await signed('/v1/blocks');
    expect([replay.status, replay.body.error?.code]).toEqual([401, 'auth.replayed']);
    expect(await isBlocked(p.db.kysely, bob.accountId, alice.accountId)).toBe(false);
  });

  it(`an account blocks at most ${BLOCK_LIMITS.perAccount} accounts (block.too_many); a report's block then is not added`, async () => {
    // Fill carol's list to the limit with rows for accounts that need not exist (the count is of rows).
    const now = Date.now();
    const fillers = Array.from({ length: BLOCK_LIMITS.perAccount }, () => b64(randomBytes(16)));
    await p.db.transaction(async (tx) => {
      const rows = fillers.map((id, i) => ({
        blocker_account_id: carol.accountId,
        blocked_account_id: id,
        created_at: now - i,
      }));
      for (let i = 0; i < rows.length; i += 200) {
        await tx.db
          .insertInto('blocks')
          .values(rows.slice(i, i + 200))
          .execute();
      }
    });
    const full = await block(carol, alice.accountId);
    expect([full.status, full.body.error?.code]).toEqual([409, 'block.too_many']);
    expect(full.body.error?.detail).toEqual({ limit: BLOCK_LIMITS.perAccount });
    // What report intake calls with blockSender: nothing written, and intake answers blocked: false.
    const viaReport = await p.db.transaction((tx) =>
      insertBlock(tx, { blockerAccountId: carol.accountId, blockedAccountId: alice.accountId, now }),
    );
    expect(viaReport).toBeUndefined();
    expect(await isBlocked(p.db.kysely, carol.accountId, alice.accountId)).toBe(false);
    // Freeing one place lets the block in.
    expect((await unblock(carol, fillers[0] as string)).body.removed).toBe(true);
    expect((await block(carol, alice.accountId)).body.created).toBe(true);
  });
});
