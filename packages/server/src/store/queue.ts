import { encodeBase64Url } from '@fulcrum/common';
import type { FrankingStamp, QueueItem, QueueItemKind } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import { type Tx, toDbBytes } from '../db/database.js';
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

// Stay well under SQLite's and PostgreSQL's bound-parameter limits.
const CHUNK = 400;
/** Items carried inline in a bus event (larger fan-outs send only the notification). */
const INLINE_PAYLOAD_MAX = 64 * 1024;

/**
 * Appends `entry` to the queue of each non-revoked device in `deviceIds`, in one statement per
 * chunk: the devices' `queue_seq` counters are bumped under their row locks, so each device's
 * seqs commit in order and without gaps. Returns the devices that got the item, with its seq.
 */
export async function enqueue(tx: Tx, deviceIds: readonly string[], entry: Enqueue): Promise<Map<string, number>> {
  const assigned = new Map<string, number>();
  if (deviceIds.length === 0) return assigned;
  // A fixed lock order (sorted ids) keeps concurrent writers on PostgreSQL from deadlocking.
  const sorted = [...new Set(deviceIds)].sort();
  const payload = toDbBytes(entry.payload);
  const wirePayload = entry.payload.length <= INLINE_PAYLOAD_MAX ? encodeBase64Url(entry.payload) : undefined;
  const f = entry.franking;
  const stamp: FrankingStamp | undefined =
    f === undefined
      ? undefined
      : { keyId: f.keyId, tag: encodeBase64Url(f.tag), serverTime: entry.serverTime, epoch: f.epoch, seq: f.seq };
  const frankingTag = f === undefined ? null : toDbBytes(f.tag);
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK);
    const bumped = await tx.db
      .updateTable('devices')
      .set((eb) => ({ queue_seq: eb('queue_seq', '+', 1) }))
      .where('device_id', 'in', chunk)
      .where('revoked_at', 'is', null)
      .returning(['device_id', 'queue_seq'])
      .execute();
    if (bumped.length === 0) continue;
    const rows: QueueItemsTable[] = bumped.map((b) => ({
      device_id: b.device_id,
      seq: b.queue_seq,
      group_id: entry.groupId,
      kind: entry.kind,
      sender_device_id: entry.senderDeviceId,
      payload,
      server_time: entry.serverTime,
      franking_key_id: f?.keyId ?? null,
      franking_tag: frankingTag,
      franking_epoch: f?.epoch ?? null,
      franking_seq: f?.seq ?? null,
    }));
    await tx.db.insertInto('queue_items').values(rows).execute();
    for (const b of bumped) {
      assigned.set(b.device_id, b.queue_seq);
      const item: QueueItem | undefined =
        wirePayload === undefined
          ? undefined
          : {
              seq: b.queue_seq,
              groupId: entry.groupId,
              kind: entry.kind,
              ...(entry.senderDeviceId === null ? {} : { senderDeviceId: entry.senderDeviceId }),
              payload: wirePayload,
              serverTime: entry.serverTime,
              ...(stamp === undefined ? {} : { franking: stamp }),
            };
      tx.publish({
        type: 'queue.appended',
        deviceId: b.device_id,
        lastSeq: b.queue_seq,
        ...(item === undefined ? {} : { items: [item] }),
      });
    }
  }
  return assigned;
}

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** A device's items with `seq > after`, oldest first. */
export async function fetchQueue(db: Reader, deviceId: string, after: number, limit: number): Promise<QueueItem[]> {
  const rows = await db
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
    .where('device_id', '=', deviceId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    groupId: r.group_id,
    kind: r.kind,
    ...(r.sender_device_id === null ? {} : { senderDeviceId: r.sender_device_id }),
    payload: encodeBase64Url(r.payload),
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

/** Removes a device's items with `seq <= upTo`; returns how many left the queue. */
export async function ackQueue(tx: Tx, deviceId: string, upTo: number): Promise<number> {
  const result = await tx.db
    .deleteFrom('queue_items')
    .where('device_id', '=', deviceId)
    .where('seq', '<=', upTo)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
