import { encodeBase64Url } from '@fulcrum/common';
import type { FrankingStamp, QueueItem, QueueItemKind } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import { insertRows, type StagedWrites, Statement, setColumn, type Tx, toDbBytes, UndoLog } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { QueueItemsTable } from '../db/tables/queue-items.js';

/** One payload to append to several devices' queues. */
export interface Enqueue {
  groupId: string;
  kind: QueueItemKind;
  senderDeviceId: string | null;
  payload: Uint8Array;
  serverTime: number;
  /** An application message's franking stamp, the same for every recipient (`tag` raw bytes). */
  franking?: { keyId: string; tag: Uint8Array; epoch: number; seq: number };
}

/** Items carried inline in a bus event (larger fan-outs send only the notification). */
const INLINE_PAYLOAD_MAX = 64 * 1024;
// Devices per counter statement: far below SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 400;

const ITEM_COLUMNS = [
  'device_id',
  'seq',
  'group_id',
  'kind',
  'sender_device_id',
  'payload',
  'server_time',
  'franking_key_id',
  'franking_tag',
  'franking_epoch',
  'franking_seq',
] as const satisfies readonly (keyof QueueItemsTable)[];

/** A device whose counter this transaction holds: the seq it last handed out, and what the table has. */
interface Counter {
  seq: number;
  stored: number;
  /** Revoked in this transaction: no more items. */
  revoked: boolean;
}

interface StagedItem {
  row: QueueItemsTable;
  dropped: boolean;
}

/**
 * A transaction's queue appends, held back and written just before it commits (`StagedWrites`),
 * so the operations of a group-commit batch share statements: the first append to a device in
 * the transaction bumps its `queue_seq` under its row lock (decision 0001 §3; the lock is held to
 * the commit) and reads it; later appends to that device take the following seqs in memory; at
 * the end, ONE statement sets every counter that moved further and one multi-row insert writes
 * the items. Seqs stay gap-free and commit in order. A rolled-back savepoint undoes what was
 * staged inside it (an undo log, since acks and revocations drop staged items too).
 */
class StagedQueue implements StagedWrites {
  readonly counters = new Map<string, Counter>();
  readonly items: StagedItem[] = [];
  /** Devices that acked in this transaction: the highest `upTo`, deleted at flush. */
  readonly acks = new Map<string, number>();
  readonly #undo = new UndoLog();

  /** Records how to undo a change made after the latest `mark`. */
  undoable(undo: (statements: 'undone' | 'kept') => void): void {
    this.#undo.push(undo);
  }

  mark(): number {
    return this.#undo.mark();
  }

  rollbackTo(mark: unknown, statements: 'undone' | 'kept'): void {
    this.#undo.rollbackTo(mark, statements);
  }

  async flush(tx: Tx): Promise<void> {
    const moved = [...this.counters].flatMap(([d, c]) => (c.seq === c.stored ? [] : [[d, c.seq] as const]));
    await setColumn(tx, 'devices', 'device_id', 'queue_seq', moved);
    // Acks before the inserts: an ack removes what was stored when it ran (staged items it
    // covered were dropped then), not an item appended after it.
    for (const [deviceId, upTo] of this.acks) await ACK.runCount(tx, { deviceId, upTo });
    const rows = this.items.filter((i) => !i.dropped).map((i) => ITEM_COLUMNS.map((c) => i.row[c]));
    if (rows.length > 0) await insertRows(tx, 'queue_items', ITEM_COLUMNS, rows);
  }
}

const QUEUE = {};
const queueStaged = (tx: Tx) => tx.staged(QUEUE, () => new StagedQueue());

const bumpStatements = new Map<number, Statement<Record<string, string>, { device_id: string; queue_seq: number }>>();
/** Bumps the counters of `n` devices that are not revoked, under their row locks, and returns them. */
function bumpStatement(n: number) {
  let statement = bumpStatements.get(n);
  if (statement === undefined) {
    statement = new Statement(
      (db, p: Record<string, string>) =>
        db
          .updateTable('devices')
          .set((eb) => ({ queue_seq: eb('queue_seq', '+', 1) }))
          .where(
            'device_id',
            'in',
            Array.from({ length: n }, (_, i) => p[`d${i}`] as string),
          )
          .where('revoked_at', 'is', null)
          .returning(['device_id', 'queue_seq']),
      // Corrected at flush: appends without a savepoint of their own (`Tx.savepoint`).
      { counter: true },
    );
    bumpStatements.set(n, statement);
  }
  return statement;
}

/**
 * Appends `entry` to the queue of each non-revoked device in `deviceIds`. Each device's seq
 * comes from its `queue_seq` counter, bumped under its row lock the first time this transaction
 * appends to it (then counted in memory), so each device's seqs commit in order and without
 * gaps. The items are written with the transaction's other appends just before it commits
 * (`StagedQueue`): they are not readable inside the transaction. Returns the devices that got
 * the item, with its seq.
 */
export async function enqueue(tx: Tx, deviceIds: readonly string[], entry: Enqueue): Promise<Map<string, number>> {
  const assigned = new Map<string, number>();
  if (deviceIds.length === 0) return assigned;
  const staged = queueStaged(tx);
  // A fixed lock order (sorted ids) keeps concurrent writers on PostgreSQL from deadlocking.
  const sorted = [...new Set(deviceIds)].sort();
  const fresh = sorted.filter((d) => !staged.counters.has(d));
  for (let i = 0; i < fresh.length; i += CHUNK) {
    const chunk = fresh.slice(i, i + CHUNK);
    const params: Record<string, string> = {};
    chunk.forEach((d, k) => {
      params[`d${k}`] = d;
    });
    for (const b of await bumpStatement(chunk.length).run(tx, params)) {
      // The bump counted this append already: the counter's stored value is its seq.
      staged.counters.set(b.device_id, { seq: b.queue_seq - 1, stored: b.queue_seq, revoked: false });
      // A rolled-back savepoint undid the bump and released the lock: take it again next time.
      // A staged-only operation's statements stand (`Tx.stagedOnly`): keep the lock; `flush`
      // sets the counter back to the last seq handed out.
      staged.undoable((statements) => {
        if (statements === 'undone') staged.counters.delete(b.device_id);
      });
    }
  }
  const payload = toDbBytes(entry.payload);
  const wirePayload = entry.payload.length <= INLINE_PAYLOAD_MAX ? payload.toString('base64url') : undefined;
  const f = entry.franking;
  const stamp: FrankingStamp | undefined =
    f === undefined
      ? undefined
      : { keyId: f.keyId, tag: encodeBase64Url(f.tag), serverTime: entry.serverTime, epoch: f.epoch, seq: f.seq };
  const frankingTag = f === undefined ? null : toDbBytes(f.tag);
  for (const deviceId of sorted) {
    const counter = staged.counters.get(deviceId);
    if (counter === undefined || counter.revoked) continue; // revoked (or no such device)
    const seq = ++counter.seq;
    staged.undoable(() => {
      counter.seq--;
    });
    staged.items.push({
      row: {
        device_id: deviceId,
        seq,
        group_id: entry.groupId,
        kind: entry.kind,
        sender_device_id: entry.senderDeviceId,
        payload,
        server_time: entry.serverTime,
        franking_key_id: f?.keyId ?? null,
        franking_tag: frankingTag,
        franking_epoch: f?.epoch ?? null,
        franking_seq: f?.seq ?? null,
      },
      dropped: false,
    });
    staged.undoable(() => staged.items.pop());
    assigned.set(deviceId, seq);
    const item: QueueItem | undefined =
      wirePayload === undefined
        ? undefined
        : {
            seq,
            groupId: entry.groupId,
            kind: entry.kind,
            ...(entry.senderDeviceId === null ? {} : { senderDeviceId: entry.senderDeviceId }),
            payload: wirePayload,
            serverTime: entry.serverTime,
            ...(stamp === undefined ? {} : { franking: stamp }),
          };
    tx.publish({
      type: 'queue.appended',
      deviceId,
      lastSeq: seq,
      ...(item === undefined ? {} : { items: [item] }),
    });
  }
  return assigned;
}

/** Drops the items of `deviceId` staged in this transaction with `seq <= upTo`; returns how many. */
function dropStaged(tx: Tx, deviceId: string, upTo: number): number {
  const staged = queueStaged(tx);
  if (!staged.counters.has(deviceId)) return 0;
  let n = 0;
  for (const item of staged.items) {
    if (item.dropped || item.row.device_id !== deviceId || item.row.seq > upTo) continue;
    item.dropped = true;
    staged.undoable(() => {
      item.dropped = false;
    });
    n++;
  }
  return n;
}

/**
 * For a device revoked in this transaction (`revokeDevice`, which deletes its stored queue):
 * drops the items staged for it and appends nothing more to it.
 */
export function revokeStagedQueue(tx: Tx, deviceId: string): void {
  dropStaged(tx, deviceId, Number.POSITIVE_INFINITY);
  const counter = queueStaged(tx).counters.get(deviceId);
  if (counter !== undefined && !counter.revoked) {
    counter.revoked = true;
    queueStaged(tx).undoable(() => {
      counter.revoked = false;
    });
  }
}

type Reader = Kysely<DatabaseSchema> | Tx['db'];

const FETCH = new Statement((db, p: { deviceId: string; after: number; limit: number }) =>
  db
    .selectFrom('queue_items')
    .select([
      'seq',
      'group_id',
      'kind',
      'sender_device_id',
      'payload',
      'server_time',
      'franking_key_id',
      'franking_tag',
      'franking_epoch',
      'franking_seq',
    ])
    .where('device_id', '=', p.deviceId)
    .where('seq', '>', p.after)
    .orderBy('seq')
    .limit(p.limit),
);

/** A device's items with `seq > after`, oldest first (committed items: not those staged by a transaction). */
export async function fetchQueue(db: Reader, deviceId: string, after: number, limit: number): Promise<QueueItem[]> {
  const rows = await FETCH.runOn(db, { deviceId, after, limit });
  return rows.map((r) => ({
    seq: r.seq,
    groupId: r.group_id,
    kind: r.kind,
    ...(r.sender_device_id === null ? {} : { senderDeviceId: r.sender_device_id }),
    payload: toDbBytes(r.payload).toString('base64url'),
    serverTime: r.server_time,
    ...(r.franking_key_id === null || r.franking_tag === null || r.franking_epoch === null || r.franking_seq === null
      ? {}
      : {
          franking: {
            keyId: r.franking_key_id,
            tag: encodeBase64Url(r.franking_tag),
            serverTime: r.server_time,
            epoch: r.franking_epoch,
            seq: r.franking_seq,
          },
        }),
  }));
}

const ACK = new Statement((db, p: { deviceId: string; upTo: number }) =>
  db.deleteFrom('queue_items').where('device_id', '=', p.deviceId).where('seq', '<=', p.upTo),
);

const COUNT_BETWEEN = new Statement((db, p: { deviceId: string; after: number; upTo: number }) =>
  db
    .selectFrom('queue_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('device_id', '=', p.deviceId)
    .where('seq', '>', p.after)
    .where('seq', '<=', p.upTo),
);

/**
 * Removes a device's items with `seq <= upTo` (stored ones, and any staged by this transaction);
 * returns how many left the queue. The delete itself is staged: the acks of a device in one
 * group-commit batch become one statement just before the commit (an ack per push frame is the
 * common case), and an ack needs no savepoint (`Tx.savepoint`): what it returns is counted
 * here, by a read of the items between the batch's previous ack of the device and `upTo`.
 */
export async function ackQueue(tx: Tx, deviceId: string, upTo: number): Promise<number> {
  return stageAck(tx, deviceId, upTo, true);
}

/**
 * `ackQueue` for a caller that does not need the count (a WebSocket `ack` frame has no answer):
 * the same staged delete, without the read.
 */
export async function ackQueueUncounted(tx: Tx, deviceId: string, upTo: number): Promise<void> {
  await stageAck(tx, deviceId, upTo, false);
}

async function stageAck(tx: Tx, deviceId: string, upTo: number, count: boolean): Promise<number> {
  const staged = queueStaged(tx);
  const dropped = dropStaged(tx, deviceId, upTo);
  const before = staged.acks.get(deviceId);
  if (before !== undefined && upTo <= before) return dropped;
  const [row] = count ? await COUNT_BETWEEN.run(tx, { deviceId, after: before ?? Number.MIN_SAFE_INTEGER, upTo }) : [];
  staged.acks.set(deviceId, upTo);
  staged.undoable(() => {
    if (before === undefined) staged.acks.delete(deviceId);
    else staged.acks.set(deviceId, before);
  });
  return Number(row?.n ?? 0) + dropped;
}
