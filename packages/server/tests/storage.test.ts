/**
 * The storage suite: the same tests on SQLite and on PostgreSQL, straight against the store
 * functions and the group-commit writer (no HTTP). Each dialect gets storage of its own.
 */
import { randomBytes } from 'node:crypto';
import { type BusEvent, Database, InProcessBus, TABLE_NAMES, type Tx, WriteQueue } from '../src/index.js';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDevice, createAccount, getAccount, revokeDevice, type VerifiedDevice } from '../src/store/accounts.js';
import { applyCommit, createGroup, getGroup, sendMessage } from '../src/store/groups.js';
import { claimKeyPackages, countKeyPackages, storeKeyPackages } from '../src/store/key-packages.js';
import { deleteExpiredNonces, recordNonce, recordNonces } from '../src/store/nonces.js';
import { ackQueue, enqueue, fetchQueue } from '../src/store/queue.js';
import { expectCode, randomId, snapshot } from './helpers.js';

const NOW = 1_764_000_000_000;
const bytes = (n: number) => new Uint8Array(randomBytes(n));

function device(accountId: string): VerifiedDevice {
  return { deviceId: randomId(), accountId, certificate: bytes(120), requestKey: bytes(32) };
}

describe.each(['sqlite', 'postgres'] as const)('storage (%s)', (dialect) => {
  let p: TestPlatform;
  let db: Database;
  let writer: WriteQueue;
  const tx = <T>(fn: (tx: Tx) => Promise<T>) => db.transaction(fn);

  /** A fresh account with `n` devices. */
  async function account(n = 1): Promise<{ accountId: string; devices: string[] }> {
    const accountId = randomId();
    const devices = Array.from({ length: n }, () => device(accountId));
    await tx(async (t) => {
      await createAccount(t, {
        accountId,
        name: `u${randomId(6)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, 'x')}`,
        identityKey: bytes(32),
        device: devices[0]!,
        now: NOW,
      });
      for (const d of devices.slice(1)) await addDevice(t, d, NOW);
    });
    return { accountId, devices: devices.map((d) => d.deviceId) };
  }

  beforeAll(async () => {
    p = await startTestPlatform({ dialect });
    // A second, independent handle on the same storage, as a second process would have.
    db = await Database.open(p.storage, new InProcessBus());
    writer = new WriteQueue(db);
  });
  afterAll(async () => {
    await writer?.close();
    await db?.close();
    await p?.close();
  });

  it('applies migrations once (re-opening is a no-op) and has every table', async () => {
    const again = await Database.open(p.storage, new InProcessBus());
    for (const t of TABLE_NAMES) await again.kysely.selectFrom(t).selectAll().limit(1).execute();
    await again.close();
  });

  it('creates accounts and devices, refusing duplicates with stable codes', async () => {
    const a = await account(2);
    const rec = await getAccount(db.kysely, { accountId: a.accountId });
    expect(rec.devices.map((d) => d.deviceId).sort()).toEqual([...a.devices].sort());
    expect((await getAccount(db.kysely, { name: rec.name })).accountId).toBe(a.accountId);
    await expectCode(
      tx((t) =>
        createAccount(t, {
          accountId: randomId(),
          name: rec.name,
          identityKey: bytes(32),
          device: device('x'),
          now: NOW,
        }),
      ),
      'account.name_taken',
    );
    await expectCode(
      tx((t) =>
        createAccount(t, {
          accountId: a.accountId,
          name: 'other-name',
          identityKey: bytes(32),
          device: device('x'),
          now: NOW,
        }),
      ),
      'account.exists',
    );
    await expectCode(
      tx((t) => addDevice(t, { ...device(a.accountId), deviceId: a.devices[0]! }, NOW)),
      'device.exists',
    );
    await expectCode(getAccount(db.kysely, { accountId: randomId() }), 'account.not_found');
  });

  it('keeps each device queue FIFO with contiguous seqs; ack removes items ≤ upTo only', async () => {
    const { devices } = await account(2);
    const [d1, d2] = devices as [string, string];
    for (let i = 0; i < 3; i++) {
      await tx((t) =>
        enqueue(t, [d1, d2], {
          groupId: 'g',
          kind: 'application',
          senderDeviceId: null,
          payload: new Uint8Array([i]),
          serverTime: NOW,
        }),
      );
    }
    const items = await fetchQueue(db.kysely, d1, 0, 100);
    expect(items.map((i) => i.seq)).toEqual([1, 2, 3]);
    expect(items.map((i) => i.payload)).toEqual(['AA', 'AQ', 'Ag']);
    expect((await fetchQueue(db.kysely, d1, 1, 1)).map((i) => i.seq)).toEqual([2]);
    expect(await tx((t) => ackQueue(t, d1, 2))).toBe(2);
    expect((await fetchQueue(db.kysely, d1, 0, 100)).map((i) => i.seq)).toEqual([3]);
    expect(await tx((t) => ackQueue(t, d1, 2))).toBe(0);
    // Seqs are never reused after an ack.
    await tx((t) =>
      enqueue(t, [d1], { groupId: 'g', kind: 'application', senderDeviceId: null, payload: bytes(1), serverTime: NOW }),
    );
    expect((await fetchQueue(db.kysely, d1, 0, 100)).map((i) => i.seq)).toEqual([3, 4]);
    expect((await fetchQueue(db.kysely, d2, 0, 100)).map((i) => i.seq)).toEqual([1, 2, 3]);
  });

  it('stays FIFO and gap-free under 200 concurrent writes through the group-commit writer', async () => {
    const { devices } = await account(1);
    const d = devices[0]!;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        writer.submit(async (t) => {
          const seqs = await enqueue(t, [d], {
            groupId: 'g',
            kind: 'application',
            senderDeviceId: null,
            payload: new TextEncoder().encode(String(i)),
            serverTime: NOW,
          });
          return seqs.get(d);
        }),
      ),
    );
    expect([...results].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const items = await fetchQueue(db.kysely, d, 0, 500);
    expect(items.map((i) => i.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    // Each write's answer names the seq its payload got.
    for (const item of items) {
      const i = Number(Buffer.from(item.payload, 'base64url').toString());
      expect(results[i]).toBe(item.seq);
    }
  });

  it('batches concurrent writes into few transactions (group commit), each acknowledged after commit', async () => {
    const { devices } = await account(1);
    const before = { ...writer.stats };
    const commitsBefore = db.stats.commits;
    const n = 300;
    await Promise.all(
      Array.from({ length: n }, () =>
        writer.submit((t) =>
          enqueue(t, devices, {
            groupId: 'g',
            kind: 'application',
            senderDeviceId: null,
            payload: bytes(64),
            serverTime: NOW,
          }),
        ),
      ),
    );
    const batches = writer.stats.batches - before.batches;
    expect(writer.stats.operations - before.operations).toBe(n);
    expect(batches).toBeLessThanOrEqual(n / 10);
    expect(db.stats.commits - commitsBefore).toBe(batches);
    expect(writer.stats.largestBatch).toBeGreaterThan(10);
  });

  it('a refused operation in a batch undoes only itself', async () => {
    const { devices } = await account(1);
    const d = devices[0]!;
    const ok = writer.submit((t) =>
      enqueue(t, [d], { groupId: 'g', kind: 'application', senderDeviceId: null, payload: bytes(4), serverTime: NOW }),
    );
    const bad = writer.submit(async (t) => {
      await enqueue(t, [d], {
        groupId: 'g',
        kind: 'application',
        senderDeviceId: null,
        payload: bytes(4),
        serverTime: NOW,
      });
      throw new Error('refused');
    });
    const ok2 = writer.submit((t) =>
      enqueue(t, [d], { groupId: 'g', kind: 'application', senderDeviceId: null, payload: bytes(4), serverTime: NOW }),
    );
    await expect(bad).rejects.toThrow('refused');
    expect((await ok).get(d)).toBe(1);
    expect((await ok2).get(d)).toBe(2);
    expect((await fetchQueue(db.kysely, d, 0, 10)).map((i) => i.seq)).toEqual([1, 2]);
  });

  it('publishes bus events only after commit, never for a rolled-back transaction', async () => {
    const bus = new InProcessBus();
    const local = await Database.open(p.storage, bus);
    try {
      const { devices } = await account(1);
      const d = devices[0]!;
      const seen: { event: BusEvent; visible: Promise<number> }[] = [];
      bus.subscribe(d, (event) => {
        // Whoever gets the event must already be able to read what it announces.
        seen.push({ event, visible: fetchQueue(local.kysely, d, 0, 10).then((r) => r.length) });
      });
      await expect(
        local.transaction(async (t) => {
          await enqueue(t, [d], {
            groupId: 'g',
            kind: 'application',
            senderDeviceId: null,
            payload: bytes(4),
            serverTime: NOW,
          });
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      expect(seen).toHaveLength(0);
      await local.transaction((t) =>
        enqueue(t, [d], {
          groupId: 'g',
          kind: 'application',
          senderDeviceId: null,
          payload: bytes(4),
          serverTime: NOW,
        }),
      );
      expect(seen).toHaveLength(1);
      expect(seen[0]!.event).toMatchObject({ type: 'queue.appended', deviceId: d, lastSeq: 1 });
      expect(await seen[0]!.visible).toBe(1);
    } finally {
      await local.close();
    }
  });

  it('stores KeyPackages once, replaces the last-resort one, claims once, reuses and marks the last resort', async () => {
    const { devices } = await account(1);
    const d = devices[0]!;
    const kps = Array.from({ length: 3 }, () => ({ data: bytes(200), lastResort: false, ref: bytes(32) }));
    const lr1 = { data: bytes(200), lastResort: true, ref: bytes(32) };
    const lr2 = { data: bytes(200), lastResort: true, ref: bytes(32) };
    expect(await tx((t) => storeKeyPackages(t, d, [...kps, lr1], NOW))).toEqual({ stored: 4, available: 3 });
    expect(await tx((t) => storeKeyPackages(t, d, [kps[0]!, lr2], NOW))).toEqual({ stored: 1, available: 3 });
    expect(await countKeyPackages(db.kysely, d)).toEqual({ available: 3, lastResort: true });
    const handed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [c] = await tx((t) => claimKeyPackages(t, [d], NOW));
      expect(c).toMatchObject({ deviceId: d, lastResort: false });
      handed.push(c!.data);
    }
    expect(new Set(handed).size).toBe(3);
    expect(handed.sort()).toEqual(kps.map((k) => Buffer.from(k.data).toString('base64url')).sort());
    for (let i = 0; i < 2; i++) {
      const [c] = await tx((t) => claimKeyPackages(t, [d], NOW));
      expect(c).toEqual({ deviceId: d, lastResort: true, data: Buffer.from(lr2.data).toString('base64url') });
    }
    const row = await db.kysely
      .selectFrom('key_packages')
      .selectAll()
      .where('device_id', '=', d)
      .executeTakeFirstOrThrow();
    expect(row.claim_count).toBe(2);
    expect(row.last_claimed_at).toBe(NOW);
  });

  it('an exhausted claim changes nothing (not even the devices that had one)', async () => {
    const a = await account(2);
    const [d1, d2] = a.devices as [string, string];
    await tx((t) => storeKeyPackages(t, d1, [{ data: bytes(100), lastResort: false, ref: bytes(32) }], NOW));
    const before = await snapshot(db);
    const err = await expectCode(
      writer.submit((t) => claimKeyPackages(t, [d1, d2], NOW)),
      'keypackage.exhausted',
    );
    expect(err.detail).toEqual({ deviceId: d2 });
    expect(await snapshot(db)).toEqual(before);
  });

  // PostgreSQL: two independent pools, as two server processes would have. SQLite: one process
  // owns the database file (README), so the concurrent claims share its one connection.
  it('hands out each KeyPackage exactly once under 100 concurrent claims', async () => {
    const { devices } = await account(1);
    const d = devices[0]!;
    const normal = Array.from({ length: 40 }, () => ({ data: bytes(64), lastResort: false, ref: bytes(32) }));
    await tx((t) => storeKeyPackages(t, d, [...normal, { data: bytes(64), lastResort: true, ref: bytes(32) }], NOW));
    const other = dialect === 'postgres' ? await Database.open(p.storage, new InProcessBus()) : db;
    try {
      // 100 claims at once, each its own transaction (alternating between the two pools on PostgreSQL).
      const claims = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? db : other)
            .transaction((t) => claimKeyPackages(t, [d], NOW), { retries: 5 })
            .then((r) => r[0]!),
        ),
      );
      const normalHanded = claims.filter((c) => !c.lastResort).map((c) => c.data);
      expect(normalHanded).toHaveLength(40);
      expect(new Set(normalHanded).size).toBe(40);
      expect(claims.filter((c) => c.lastResort)).toHaveLength(60);
      expect(await countKeyPackages(db.kysely, d)).toEqual({ available: 0, lastResort: true });
      const lr = await db.kysely
        .selectFrom('key_packages')
        .select('claim_count')
        .where('device_id', '=', d)
        .executeTakeFirstOrThrow();
      expect(lr.claim_count).toBe(60);
    } finally {
      if (other !== db) await other.close();
    }
  });

  it('orders commits per group: only the current epoch advances it, atomically with roster and queues', async () => {
    const alice = await account(2);
    const bob = await account(1);
    const [a1, a2] = alice.devices as [string, string];
    const b1 = bob.devices[0]!;
    const groupId = randomId(32);
    await tx((t) => createGroup(t, { groupId, creatorDeviceId: a1, now: NOW }));
    await expectCode(
      tx((t) => createGroup(t, { groupId, creatorDeviceId: a1, now: NOW })),
      'group.exists',
    );
    expect(await getGroup(db.kysely, groupId, a1)).toEqual({ groupId, epoch: 0, members: [a1] });
    await expectCode(getGroup(db.kysely, groupId, b1), 'group.not_member');

    const commit = bytes(300);
    const welcome = bytes(500);
    const base = { groupId, senderDeviceId: a1, commit, welcome, now: NOW };
    const first = { ...base, clientMessageId: randomId(), commitEpoch: 0, addedDevices: [a2, b1], removedDevices: [] };
    expect(await tx((t) => applyCommit(t, first))).toEqual({ seq: 1, epoch: 1 });
    expect((await getGroup(db.kysely, groupId, a1)).members).toEqual([a1, a2, b1].sort());
    // The Welcome went to the added devices; the old roster minus the sender got nothing else.
    for (const d of [a2, b1]) {
      const items = await fetchQueue(db.kysely, d, 0, 10);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ kind: 'welcome', groupId, senderDeviceId: a1 });
      expect(Buffer.from(items[0]!.payload, 'base64url')).toEqual(Buffer.from(welcome));
    }
    expect(await fetchQueue(db.kysely, a1, 0, 10)).toEqual([]);

    // The same clientMessageId again: the first answer, nothing queued twice.
    const before = await snapshot(db);
    expect(await tx((t) => applyCommit(t, first))).toEqual({ seq: 1, epoch: 1 });
    expect(await snapshot(db)).toEqual(before);

    // A commit for epoch 0 (someone lost the race): stale, with the current epoch, nothing changed.
    const stale = {
      ...base,
      clientMessageId: randomId(),
      commitEpoch: 0,
      welcome: undefined,
      addedDevices: [],
      removedDevices: [b1],
    };
    const err = await expectCode(
      writer.submit((t) => applyCommit(t, { ...stale, senderDeviceId: a2 })),
      'group.stale_epoch',
    );
    expect(err.detail).toEqual({ epoch: 1 });
    expect(await snapshot(db)).toEqual(before);

    // Roster mismatches are refused and change nothing.
    const at1 = { ...stale, commitEpoch: 1 };
    await expectCode(
      writer.submit((t) => applyCommit(t, { ...at1, removedDevices: [randomId()] })),
      'group.roster_mismatch',
    );
    await expectCode(
      writer.submit((t) => applyCommit(t, { ...at1, removedDevices: [a1] })),
      'group.roster_mismatch',
    );
    await expectCode(
      writer.submit((t) => applyCommit(t, { ...at1, removedDevices: [], addedDevices: [b1], welcome: bytes(10) })),
      'group.roster_mismatch',
    );
    await expectCode(
      writer.submit((t) =>
        applyCommit(t, { ...at1, removedDevices: [], addedDevices: [randomId()], welcome: bytes(10) }),
      ),
      'device.not_found',
    );
    await expectCode(
      writer.submit((t) => applyCommit(t, { ...at1, welcome: bytes(10) })),
      'request.invalid',
    );
    await expectCode(
      writer.submit((t) => applyCommit(t, { ...at1, senderDeviceId: randomId() })),
      'group.not_member',
    );
    expect(await snapshot(db)).toEqual(before);

    // The current epoch: accepted; the commit reaches the old roster minus the sender, removed device included.
    expect(await tx((t) => applyCommit(t, at1))).toEqual({ seq: 2, epoch: 2 });
    expect((await getGroup(db.kysely, groupId, a1)).members).toEqual([a1, a2].sort());
    expect((await fetchQueue(db.kysely, b1, 1, 10)).map((i) => i.kind)).toEqual(['commit']);
    expect((await fetchQueue(db.kysely, a2, 1, 10)).map((i) => i.kind)).toEqual(['commit']);
    expect(await fetchQueue(db.kysely, a1, 0, 10)).toEqual([]);
  });

  it('relays messages of the current epoch to the other members, idempotently', async () => {
    const { devices } = await account(3);
    const [d1, d2, d3] = devices as [string, string, string];
    const groupId = randomId(32);
    await tx((t) => createGroup(t, { groupId, creatorDeviceId: d1, now: NOW }));
    await tx((t) =>
      applyCommit(t, {
        groupId,
        senderDeviceId: d1,
        clientMessageId: randomId(),
        commitEpoch: 0,
        commit: bytes(10),
        welcome: bytes(10),
        addedDevices: [d2, d3],
        removedDevices: [],
        now: NOW,
      }),
    );
    const msg = {
      groupId,
      senderDeviceId: d2,
      clientMessageId: randomId(),
      epoch: 1,
      kind: 'application' as const,
      message: bytes(50),
      now: NOW,
    };
    expect(await tx((t) => sendMessage(t, msg))).toEqual({ seq: 2 });
    expect(await tx((t) => sendMessage(t, msg))).toEqual({ seq: 2 });
    for (const d of [d1, d3]) {
      const items = (await fetchQueue(db.kysely, d, 0, 10)).filter((i) => i.kind === 'application');
      expect(items).toHaveLength(1);
      expect(Buffer.from(items[0]!.payload, 'base64url')).toEqual(Buffer.from(msg.message));
    }
    expect((await fetchQueue(db.kysely, d2, 0, 10)).filter((i) => i.kind === 'application')).toEqual([]);
    const err = await expectCode(
      tx((t) => sendMessage(t, { ...msg, clientMessageId: randomId(), epoch: 0 })),
      'group.stale_epoch',
    );
    expect(err.detail).toEqual({ epoch: 1 });
    await expectCode(
      tx((t) => sendMessage(t, { ...msg, clientMessageId: randomId(), groupId: randomId(32) })),
      'group.not_found',
    );
    await expectCode(
      tx((t) => sendMessage(t, { ...msg, clientMessageId: randomId(), senderDeviceId: randomId() })),
      'group.not_member',
    );
    // A clientMessageId reused for another group is refused, not silently answered.
    await expectCode(
      tx((t) => sendMessage(t, { ...msg, groupId: randomId(32) })),
      'group.not_found',
    );
  });

  it('revokes a device: its queue and KeyPackages go, co-members get a device_revoked event, it gets no more items', async () => {
    const alice = await account(2);
    const bob = await account(1);
    const [a1, a2] = alice.devices as [string, string];
    const b1 = bob.devices[0]!;
    const groupId = randomId(32);
    await tx((t) => createGroup(t, { groupId, creatorDeviceId: a1, now: NOW }));
    await tx((t) =>
      applyCommit(t, {
        groupId,
        senderDeviceId: a1,
        clientMessageId: randomId(),
        commitEpoch: 0,
        commit: bytes(10),
        welcome: bytes(10),
        addedDevices: [a2, b1],
        removedDevices: [],
        now: NOW,
      }),
    );
    await tx((t) => storeKeyPackages(t, a2, [{ data: bytes(10), lastResort: false, ref: bytes(32) }], NOW));
    await expectCode(
      tx((t) => revokeDevice(t, { callerAccountId: bob.accountId, deviceId: a2, revocation: bytes(100), now: NOW })),
      'auth.forbidden',
    );
    await expectCode(
      tx((t) =>
        revokeDevice(t, { callerAccountId: alice.accountId, deviceId: randomId(), revocation: bytes(100), now: NOW }),
      ),
      'device.not_found',
    );
    expect(
      await tx((t) =>
        revokeDevice(t, { callerAccountId: alice.accountId, deviceId: a2, revocation: bytes(100), now: NOW + 5 }),
      ),
    ).toEqual({ revokedAt: NOW + 5 });
    // Idempotent.
    expect(
      await tx((t) =>
        revokeDevice(t, { callerAccountId: alice.accountId, deviceId: a2, revocation: bytes(100), now: NOW + 9 }),
      ),
    ).toEqual({ revokedAt: NOW + 5 });
    expect(await fetchQueue(db.kysely, a2, 0, 10)).toEqual([]);
    expect(await countKeyPackages(db.kysely, a2)).toEqual({ available: 0, lastResort: false });
    for (const d of [a1, b1]) {
      const events = (await fetchQueue(db.kysely, d, 0, 10)).filter((i) => i.kind === 'event');
      expect(events).toHaveLength(1);
      expect(JSON.parse(Buffer.from(events[0]!.payload, 'base64url').toString())).toEqual({
        type: 'device_revoked',
        accountId: alice.accountId,
        deviceId: a2,
      });
      expect(events[0]!.senderDeviceId).toBeUndefined();
    }
    const rec = await getAccount(db.kysely, { accountId: alice.accountId });
    expect(rec.devices.find((d) => d.deviceId === a2)).toMatchObject({ revokedAt: NOW + 5 });
    // Still in the roster until a member commits its removal, but it gets nothing more.
    await tx((t) =>
      sendMessage(t, {
        groupId,
        senderDeviceId: a1,
        clientMessageId: randomId(),
        epoch: 1,
        kind: 'application',
        message: bytes(5),
        now: NOW,
      }),
    );
    expect(await fetchQueue(db.kysely, a2, 0, 10)).toEqual([]);
    expect(
      await tx((t) =>
        applyCommit(t, {
          groupId,
          senderDeviceId: b1,
          clientMessageId: randomId(),
          commitEpoch: 1,
          commit: bytes(10),
          welcome: undefined,
          addedDevices: [],
          removedDevices: [a2],
          now: NOW,
        }),
      ),
    ).toEqual({ seq: 3, epoch: 2 });
  });

  it('remembers request nonces for their window and forgets them after', async () => {
    const { devices } = await account(1);
    const d = devices[0]!;
    await tx((t) => recordNonce(t, { deviceId: d, nonce: 'n1', expiresAt: NOW + 10 }));
    await expectCode(
      tx((t) => recordNonce(t, { deviceId: d, nonce: 'n1', expiresAt: NOW + 10 })),
      'auth.replayed',
    );
    await tx((t) => recordNonce(t, { deviceId: d, nonce: 'n2', expiresAt: NOW + 1000 }));
    expect(await deleteExpiredNonces(db.kysely, NOW + 11)).toBeGreaterThanOrEqual(1);
    const left = await db.kysely.selectFrom('request_nonces').select('nonce').where('device_id', '=', d).execute();
    expect(left.map((r) => r.nonce)).toEqual(['n2']);
  });

  it('records a batch’s nonces in one statement: a used one, or one repeated in the batch, is a replay', async () => {
    const { devices } = await account(2);
    const [d1, d2] = [devices[0]!, devices[1]!];
    await tx((t) => recordNonce(t, { deviceId: d1, nonce: 'old', expiresAt: NOW + 1000 }));
    const fresh = await tx((t) =>
      recordNonces(t, [
        { deviceId: d1, nonce: 'a', expiresAt: NOW + 1000 },
        { deviceId: d1, nonce: 'old', expiresAt: NOW + 1000 }, // stored earlier
        { deviceId: d2, nonce: 'a', expiresAt: NOW + 1000 }, // another device's own nonce
        { deviceId: d1, nonce: 'a', expiresAt: NOW + 1000 }, // again in this batch
      ]),
    );
    expect(fresh).toEqual([true, false, true, false]);
    // Through the group-commit writer: the same nonce twice in one batch runs once, the other
    // gets auth.replayed; both nonces' operations settle after the same commit.
    const nonce = () => ({ deviceId: d2, nonce: 'twice', expiresAt: NOW + 1000 });
    const ran: number[] = [];
    const results = await Promise.allSettled([
      writer.submit(async () => ran.push(1), { nonce: nonce() }),
      writer.submit(async () => ran.push(2), { nonce: nonce() }),
    ]);
    expect(ran).toEqual([1]);
    expect(results[0]?.status).toBe('fulfilled');
    expect(results[1]?.status === 'rejected' && (results[1].reason as { code?: string }).code).toBe('auth.replayed');
  });
});
