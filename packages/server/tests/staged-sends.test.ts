/**
 * The send path's staged writes (store/queue.ts `StagedQueue`, store/groups.ts
 * `StagedSentMessages`): queue items, device counters and idempotency rows of a group-commit
 * batch are held back and written just before the commit. These tests put the interactions
 * inside ONE batch (a retry of the same send, an ack, a revocation, refused operations, a
 * staged-only operation that is refused) and check what the tables hold afterwards, on both
 * dialects.
 */
import { randomBytes } from 'node:crypto';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, InProcessBus, type Tx, WriteQueue } from '../src/index.js';
import { addDevice, createAccount, revokeDevice, type VerifiedDevice } from '../src/store/accounts.js';
import { applyCommit, createGroup, sendMessage } from '../src/store/groups.js';
import { ackQueue, ackQueueUncounted, enqueue, fetchQueue } from '../src/store/queue.js';
import { randomId } from './helpers.js';

const NOW = 1_764_000_000_000;
const bytes = (n: number) => new Uint8Array(randomBytes(n));

describe.each(['sqlite', 'postgres'] as const)('staged send writes (%s)', (dialect) => {
  let p: TestPlatform;
  let db: Database;

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    db = await Database.open(p.storage, new InProcessBus());
  });
  afterAll(async () => {
    await db?.close();
    await p?.close();
  });

  /** One batch: a writer that waits long enough for every submit of the test to join it. */
  const batchWriter = () => new WriteQueue(db, { maxBatch: 10_000, maxDelayMs: 50 });

  async function account(n = 1): Promise<{ accountId: string; devices: VerifiedDevice[] }> {
    const accountId = randomId();
    const devices = Array.from({ length: n }, () => ({
      deviceId: randomId(),
      accountId,
      certificate: bytes(120),
      requestKey: bytes(32),
    }));
    await db.transaction(async (t) => {
      await createAccount(t, {
        accountId,
        name: `u${randomId(6)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, 'x')}`,
        identityKey: bytes(32),
        device: devices[0] as VerifiedDevice,
        now: NOW,
      });
      for (const d of devices.slice(1)) await addDevice(t, d, NOW);
    });
    return { accountId, devices };
  }

  /** A group at epoch 1 of `a` (the creator) and `others`. */
  async function group(a: string, others: string[]): Promise<string> {
    const groupId = randomId(32);
    await db.transaction((t) => createGroup(t, { groupId, creatorDeviceId: a, now: NOW }));
    await db.transaction((t) =>
      applyCommit(t, {
        groupId,
        senderDeviceId: a,
        clientMessageId: randomId(),
        commitEpoch: 0,
        commit: bytes(10),
        welcome: bytes(10),
        addedDevices: others,
        removedDevices: [],
        now: NOW,
      }),
    );
    return groupId;
  }

  const send =
    (groupId: string, sender: string, clientMessageId = randomId(), epoch = 1) =>
    (t: Tx) =>
      sendMessage(t, {
        groupId,
        senderDeviceId: sender,
        clientMessageId,
        epoch,
        kind: 'proposal',
        message: bytes(40),
        now: NOW,
      });

  /** A queue item as `enqueue` takes it (an application message of 4 random bytes). */
  const queueItem = () => ({
    groupId: 'g',
    kind: 'application' as const,
    senderDeviceId: null,
    payload: bytes(4),
    serverTime: NOW,
  });
  const seqsOf = async (deviceId: string) => (await fetchQueue(db.kysely, deviceId, 0, 1000)).map((i) => i.seq);
  const sentRows = (sender: string) =>
    db.kysely
      .selectFrom('sent_messages')
      .select(['client_message_id', 'group_seq'])
      .where('sender_device_id', '=', sender)
      .execute();
  const queueSeq = async (deviceId: string) =>
    (
      await db.kysely
        .selectFrom('devices')
        .select('queue_seq')
        .where('device_id', '=', deviceId)
        .executeTakeFirstOrThrow()
    ).queue_seq;

  it('a retry of a send in the same batch gets the first answer and queues nothing', async () => {
    const a = (await account()).devices[0]!.deviceId;
    const b = (await account()).devices[0]!.deviceId;
    const groupId = await group(a, [b]);
    const welcomeSeqs = await seqsOf(b);
    const writer = batchWriter();
    const id = randomId();
    const [first, retry, other] = await Promise.all([
      writer.submit(send(groupId, a, id)),
      writer.submit(send(groupId, a, id)),
      writer.submit(send(groupId, a)),
    ]);
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    expect(retry).toEqual(first);
    expect(other.seq).toBe(first.seq + 1);
    expect(await seqsOf(b)).toEqual([...welcomeSeqs, welcomeSeqs.length + 1, welcomeSeqs.length + 2]);
    expect((await sentRows(a)).filter((r) => r.client_message_id === id)).toEqual([
      { client_message_id: id, group_seq: first.seq },
    ]);
  });

  it('refused operations between sends leave no item, no idempotency row and no gap', async () => {
    const a = (await account()).devices[0]!.deviceId;
    const b = (await account()).devices[0]!.deviceId;
    const groupId = await group(a, [b]);
    const base = await queueSeq(b);
    const writer = batchWriter();
    const ids = Array.from({ length: 12 }, () => randomId());
    const outcomes = await Promise.allSettled(
      ids.map((id, n) =>
        n % 3 === 1
          ? // Queues (and stages its idempotency row), then is refused: its savepoint rolls back.
            writer.submit(async (t) => {
              await send(groupId, a, id)(t);
              throw new Error(`refused ${n}`);
            })
          : n % 3 === 2
            ? writer.submit(send(groupId, a, id, 7)) // stale epoch: refused before writing
            : writer.submit(send(groupId, a, id)),
      ),
    );
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    const ok = outcomes.flatMap((o, n) => (o.status === 'fulfilled' ? [{ n, seq: o.value.seq }] : []));
    expect(ok.map((o) => o.n)).toEqual([0, 3, 6, 9]);
    for (const [n, o] of outcomes.entries()) {
      if (n % 3 === 2) expect(o).toMatchObject({ status: 'rejected', reason: { code: 'group.stale_epoch' } });
    }
    // Group seqs and the receiver's queue seqs are contiguous; only accepted sends are remembered.
    expect(ok.map((o) => o.seq)).toEqual([0, 1, 2, 3].map((k) => (ok[0] as { seq: number }).seq + k));
    expect((await seqsOf(b)).slice(-4)).toEqual([base + 1, base + 2, base + 3, base + 4]);
    expect(await queueSeq(b)).toBe(base + 4);
    const remembered = (await sentRows(a)).map((r) => r.client_message_id);
    expect(ids.filter((id) => remembered.includes(id))).toEqual([ids[0], ids[3], ids[6], ids[9]]);
  });

  it('an ack in the same batch drops staged items up to its seq; a revocation drops them all', async () => {
    const a = (await account()).devices[0]!.deviceId;
    const acct = await account(2);
    const [b, c] = acct.devices.map((d) => d.deviceId) as [string, string];
    const groupId = await group(a, [b, c]);
    const [bBase, cBase] = [await queueSeq(b), await queueSeq(c)];
    await db.transaction((t) => ackQueue(t, b, bBase)); // an empty queue to start from
    const writer = batchWriter();
    const results = await Promise.all([
      writer.submit(send(groupId, a)), // b: bBase+1, c: cBase+1
      writer.submit(send(groupId, a)), // b: bBase+2, c: cBase+2
      writer.submit((t) => ackQueue(t, b, bBase + 1)), // drops b's first (staged)
      // c's staged items go; b gets the device_revoked event: bBase+3.
      writer.submit((t) =>
        revokeDevice(t, { callerAccountId: acct.accountId, deviceId: c, revocation: bytes(64), now: NOW }),
      ),
      writer.submit(send(groupId, a)), // b: bBase+4; c is revoked: nothing
    ]);
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    expect(results[2]).toBe(1);
    expect(await seqsOf(b)).toEqual([bBase + 2, bBase + 3, bBase + 4]);
    expect(await seqsOf(c)).toEqual([]);
    expect(await queueSeq(b)).toBe(bBase + 4);
    expect(await queueSeq(c)).toBe(cBase + 2);
  });

  it('a refused operation that sent before and after taking its savepoint (a Kysely write) leaves nothing and no gap', async () => {
    const a = (await account()).devices[0]!.deviceId;
    const b = (await account()).devices[0]!.deviceId;
    const [g1, g2] = [await group(a, [b]), await group(a, [b])];
    const seqOf = async (groupId: string) =>
      (
        await db.kysely
          .selectFrom('groups')
          .select('group_seq')
          .where('group_id', '=', groupId)
          .executeTakeFirstOrThrow()
      ).group_seq;
    const [s1, s2, q] = [await seqOf(g1), await seqOf(g2), await queueSeq(b)];
    const marker = randomId();
    const writer = batchWriter();
    const outcomes = await Promise.allSettled([
      writer.submit(async (t) => {
        await send(g1, a)(t); // first touch of g1 and b: counter statements, no savepoint yet
        await t.db.insertInto('request_nonces').values({ device_id: a, nonce: marker, expires_at: NOW }).execute();
        await send(g2, a)(t); // first touch of g2 inside the savepoint
        await send(g1, a)(t);
        throw new Error('refused');
      }),
      writer.submit(send(g2, a)),
      writer.submit(send(g1, a)),
    ]);
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { message: 'refused' } });
    expect(outcomes.slice(1).map((o) => (o.status === 'fulfilled' ? o.value.seq : o.reason))).toEqual([s2 + 1, s1 + 1]);
    expect([await seqOf(g1), await seqOf(g2), await queueSeq(b)]).toEqual([s1 + 1, s2 + 1, q + 2]);
    expect((await seqsOf(b)).slice(-2)).toEqual([q + 1, q + 2]);
    const nonce = await db.kysely.selectFrom('request_nonces').select('nonce').where('nonce', '=', marker).execute();
    expect(nonce).toEqual([]);
  });

  it('acks of one device in a batch count what each removed, and the deletes happen once, at the commit', async () => {
    const d = (await account()).devices[0]!.deviceId;
    const item = queueItem();
    const base = await queueSeq(d);
    for (let i = 0; i < 5; i++) await db.transaction((t) => enqueue(t, [d], item));
    const writer = batchWriter();
    const acked = await Promise.allSettled([
      writer.submit((t) => ackQueue(t, d, base + 1)),
      writer.submit((t) => ackQueue(t, d, base + 3)),
      writer.submit((t) => ackQueue(t, d, base + 2)), // already covered
      writer.submit(async (t) => {
        await ackQueue(t, d, base + 4);
        throw new Error('refused'); // its ack is undone
      }),
      writer.submit((t) => ackQueue(t, d, base + 4)),
      writer.submit((t) => enqueue(t, [d], item)), // base+6, after the acks: kept
      writer.submit((t) => ackQueue(t, d, base + 100)), // base+5 and the staged base+6
    ]);
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    expect(acked.map((o) => (o.status === 'fulfilled' ? o.value : 'refused'))).toEqual([
      1,
      2,
      0,
      'refused',
      1,
      new Map([[d, base + 6]]),
      2,
    ]);
    expect(await seqsOf(d)).toEqual([]);
    await db.transaction((t) => enqueue(t, [d], item));
    expect(await seqsOf(d)).toEqual([base + 7]);
  });

  it('uncounted acks (WebSocket ack frames) remove exactly what counted ones do, without the read', async () => {
    const d = (await account()).devices[0]!.deviceId;
    const item = queueItem();
    const base = await queueSeq(d);
    for (let i = 0; i < 4; i++) await db.transaction((t) => enqueue(t, [d], item));
    const writer = batchWriter();
    const done = await Promise.allSettled([
      writer.submit((t) => ackQueueUncounted(t, d, base + 2)),
      writer.submit(async (t) => {
        await ackQueueUncounted(t, d, base + 4);
        throw new Error('refused'); // its ack is undone
      }),
      writer.submit((t) => enqueue(t, [d], item)), // base+5: staged, kept
      writer.submit((t) => ackQueueUncounted(t, d, base + 1)), // already covered
    ]);
    await writer.close();
    expect(writer.stats.batches).toBe(1);
    expect(done.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await seqsOf(d)).toEqual([base + 3, base + 4, base + 5]);
    // A later counted ack sees exactly what is left.
    expect(await db.transaction((t) => ackQueue(t, d, base + 5))).toBe(3);
  });

  it('a refused staged-only operation keeps its counter lock and the counter is set back at the flush', async () => {
    const d = (await account()).devices[0]!.deviceId;
    const base = await queueSeq(d);
    const writer = batchWriter();
    const item = queueItem();
    const outcomes = await Promise.allSettled([
      // First append to d in the transaction (takes the counter's lock, which stays), then refused.
      writer.submit(
        async (t) => {
          await enqueue(t, [d], item);
          throw new Error('refused');
        },
        { stagedOnly: true },
      ),
      writer.submit((t) => enqueue(t, [d], item), { stagedOnly: true }),
      writer.submit(
        async (t) => {
          await enqueue(t, [d], item);
          throw new Error('refused');
        },
        { stagedOnly: true },
      ),
    ]);
    await writer.close();
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect(outcomes[1]).toMatchObject({ value: new Map([[d, base + 1]]) });
    expect(await seqsOf(d)).toEqual([base + 1]);
    expect(await queueSeq(d)).toBe(base + 1);
    // Nothing at all kept: the counter goes back to where it was.
    const only = batchWriter();
    await expect(
      only.submit(
        async (t) => {
          await enqueue(t, [d], item);
          throw new Error('refused');
        },
        { stagedOnly: true },
      ),
    ).rejects.toThrow('refused');
    await only.close();
    expect(await queueSeq(d)).toBe(base + 1);
  });
});
