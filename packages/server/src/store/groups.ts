import { encodeBase64Url } from '@fulcrum/common';
import type { ServerFrankingKey } from '@fulcrum/franking';
import type { FrankingStamp, GroupRecord } from '@fulcrum/wire';
import { wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import { insertRows, type StagedWrites, Statement, setColumn, type Tx, UndoLog } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { SentMessagesTable } from '../db/tables/sent-messages.js';
import { FrankingKeys, loadFrankingKeyring } from '../franking/franking-keys.js';
import { enqueue } from './queue.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** Creates a group at epoch 0 whose roster is the creating device. `group.exists`. */
export async function createGroup(
  tx: Tx,
  input: { groupId: string; creatorDeviceId: string; now: number },
): Promise<void> {
  const inserted = await tx.db
    .insertInto('groups')
    .values({
      group_id: input.groupId,
      epoch: 0,
      group_seq: 0,
      created_by: input.creatorDeviceId,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('group_id')
    .executeTakeFirst();
  if (inserted === undefined) throw wireError('group.exists', 'a group with this id exists');
  await tx.db
    .insertInto('group_members')
    .values({ group_id: input.groupId, device_id: input.creatorDeviceId, joined_at: input.now })
    .execute();
  await tx.db
    .insertInto('group_membership_history')
    .values({ group_id: input.groupId, device_id: input.creatorDeviceId, joined_seq: 0, left_seq: null })
    .execute();
}

/**
 * The devices a message of `senderDeviceId` is queued to, in one statement: the roster but the
 * sender, and for an application message without the devices of accounts that block the
 * sender's account (docs/protocol.md §Blocking; reports/blocks.ts writes and deletes the rows
 * this NOT EXISTS reads, so an unblock takes effect with the next message).
 */
async function messageRecipients(
  tx: Tx,
  groupId: string,
  senderDeviceId: string,
  applyBlocks: boolean,
): Promise<string[]> {
  const rows = await (applyBlocks ? RECIPIENTS_UNBLOCKED : RECIPIENTS).run(tx, { groupId, senderDeviceId });
  return rows.map((r) => r.device_id);
}

type RecipientParams = { groupId: string; senderDeviceId: string };
const recipientsQuery = (db: Kysely<DatabaseSchema>, p: RecipientParams) =>
  db
    .selectFrom('group_members as m')
    .select('m.device_id')
    .where('m.group_id', '=', p.groupId)
    .where('m.device_id', '<>', p.senderDeviceId);
const RECIPIENTS = new Statement((db, p: RecipientParams) => recipientsQuery(db, p).orderBy('m.device_id'));
const RECIPIENTS_UNBLOCKED = new Statement((db, p: RecipientParams) =>
  recipientsQuery(db, p)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('devices as r')
            .innerJoin('blocks as b', 'b.blocker_account_id', 'r.account_id')
            .innerJoin('devices as s', 's.account_id', 'b.blocked_account_id')
            .select('r.device_id')
            .whereRef('r.device_id', '=', 'm.device_id')
            .where('s.device_id', '=', p.senderDeviceId),
        ),
      ),
    )
    .orderBy('m.device_id'),
);

async function roster(db: Reader, groupId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('group_members')
    .select('device_id')
    .where('group_id', '=', groupId)
    .orderBy('device_id')
    .execute();
  return rows.map((r) => r.device_id);
}

/** The group's epoch and roster, for a member device. `group.not_found`, `group.not_member`. */
export async function getGroup(db: Reader, groupId: string, callerDeviceId: string): Promise<GroupRecord> {
  const group = await db.selectFrom('groups').select('epoch').where('group_id', '=', groupId).executeTakeFirst();
  if (group === undefined) throw wireError('group.not_found', 'no such group');
  const members = await roster(db, groupId);
  if (!members.includes(callerDeviceId)) throw wireError('group.not_member', 'this device is not in the group');
  return { groupId, epoch: group.epoch, members };
}

const PRECHECK = new Statement((db, p: { groupId: string; senderDeviceId: string; clientMessageId: string }) =>
  db
    .selectFrom('groups as g')
    .leftJoin('sent_messages as s', (join) =>
      join.on('s.sender_device_id', '=', p.senderDeviceId).on('s.client_message_id', '=', p.clientMessageId),
    )
    .leftJoin('group_members as m', (join) =>
      join.onRef('m.group_id', '=', 'g.group_id').on('m.device_id', '=', p.senderDeviceId),
    )
    .select([
      's.group_id as previous_group_id',
      's.kind as previous_kind',
      's.group_seq as previous_seq',
      's.epoch as previous_epoch',
      's.created_at as previous_created_at',
      'm.device_id as member_device_id',
    ])
    .where('g.group_id', '=', p.groupId),
);

/** Checks existence, then a previous answer to this clientMessageId, then membership. */
async function precheck(
  tx: Tx,
  input: { groupId: string; senderDeviceId: string; clientMessageId: string },
  kind: SentMessagesTable['kind'] | 'message',
): Promise<{ seq: number; epoch: number | null; createdAt: number } | undefined> {
  // One statement for what used to be three (group, previous answer, membership): the group row
  // with the sender's earlier send of this clientMessageId (at most one: the primary key) and
  // the sender's membership left-joined to it. Checked in the same order as before. A send of
  // this batch not yet written (staged: `StagedSentMessages`) counts as an earlier send too.
  const [row] = await PRECHECK.run(tx, input);
  const staged = sentStaged(tx).get(input.senderDeviceId, input.clientMessageId);
  if (row !== undefined && staged !== undefined) {
    row.previous_group_id = staged.group_id;
    row.previous_kind = staged.kind;
    row.previous_seq = staged.group_seq;
    row.previous_epoch = staged.epoch;
    row.previous_created_at = staged.created_at;
  }
  if (row === undefined) throw wireError('group.not_found', 'no such group');
  if (row.previous_group_id !== null) {
    const previousKind = row.previous_kind;
    const sameKind = kind === 'commit' ? previousKind === 'commit' : previousKind !== 'commit';
    if (row.previous_group_id !== input.groupId || !sameKind) {
      throw wireError('request.invalid', 'this clientMessageId was already used for another send', {
        path: '/clientMessageId',
      });
    }
    return {
      seq: row.previous_seq as number,
      epoch: row.previous_epoch,
      createdAt: row.previous_created_at as number,
    };
  }
  if (row.member_device_id === null) throw wireError('group.not_member', 'this device is not in the group');
  return undefined;
}

async function staleEpoch(tx: Tx, groupId: string): Promise<never> {
  const held = groupsStaged(tx).groups.get(groupId);
  if (held !== undefined) return staleAt(held.epoch);
  const [group] = await GROUP_EPOCH.run(tx, { groupId });
  if (group === undefined) throw wireError('group.not_found', 'no such group');
  return staleAt(group.epoch);
}

const GROUP_EPOCH = new Statement((db, p: { groupId: string }) =>
  db.selectFrom('groups').select('epoch').where('group_id', '=', p.groupId),
);

export interface CommitInput {
  groupId: string;
  senderDeviceId: string;
  clientMessageId: string;
  /** The epoch the commit was made in, as read from the MLS PublicMessage. */
  commitEpoch: number;
  commit: Uint8Array;
  welcome: Uint8Array | undefined;
  addedDevices: readonly string[];
  removedDevices: readonly string[];
  now: number;
}

/**
 * Accepts a commit made in the group's current epoch, atomically: the epoch advances by one
 * (a compare-and-set on the group row, which also serialises concurrent committers), the roster
 * changes, the commit is queued to every device of the old roster except the sender (removed
 * devices included, so they learn of their removal) and the Welcome to the added devices.
 * A retry with the same clientMessageId returns the first answer.
 */
export async function applyCommit(tx: Tx, input: CommitInput): Promise<{ seq: number; epoch: number }> {
  const previous = await precheck(tx, input, 'commit');
  if (previous !== undefined) return { seq: previous.seq, epoch: previous.epoch ?? 0 };

  if (input.addedDevices.length > 0 !== (input.welcome !== undefined)) {
    throw wireError('request.invalid', 'a Welcome goes with added devices, and only with them', { path: '/welcome' });
  }
  // A send of this transaction may hold the group's seq in memory (`StagedGroups`): the commit
  // takes the next one after it, and the staged counter follows the commit.
  const held = groupsStaged(tx).groups.get(input.groupId);
  const advanced = await tx.db
    .updateTable('groups')
    .set((eb) => ({
      epoch: eb('epoch', '+', 1),
      group_seq: held === undefined ? eb('group_seq', '+', 1) : held.seq + 1,
      updated_at: input.now,
    }))
    .where('group_id', '=', input.groupId)
    .where('epoch', '=', input.commitEpoch)
    .returning(['epoch', 'group_seq'])
    .executeTakeFirst();
  if (advanced === undefined) return staleEpoch(tx, input.groupId);
  if (held !== undefined) groupsStaged(tx).committed(held, advanced);

  const oldRoster = await roster(tx.db, input.groupId);
  const members = new Set(oldRoster);
  const added = new Set(input.addedDevices);
  for (const d of input.removedDevices) {
    if (!members.has(d) || added.has(d) || d === input.senderDeviceId) {
      throw wireError('group.roster_mismatch', 'a removed device is not a member, is also added, or is the committer', {
        deviceId: d,
      });
    }
  }
  if (input.addedDevices.length > 0) {
    const known = await tx.db
      .selectFrom('devices')
      .select(['device_id', 'revoked_at'])
      .where('device_id', 'in', [...input.addedDevices])
      .execute();
    const byId = new Map(known.map((k) => [k.device_id, k.revoked_at]));
    for (const d of input.addedDevices) {
      if (!byId.has(d)) throw wireError('device.not_found', 'an added device does not exist', { deviceId: d });
      if (byId.get(d) !== null || members.has(d)) {
        throw wireError('group.roster_mismatch', 'an added device is revoked or already a member', { deviceId: d });
      }
    }
    await tx.db
      .insertInto('group_members')
      .values(input.addedDevices.map((d) => ({ group_id: input.groupId, device_id: d, joined_at: input.now })))
      .execute();
    // Report intake checks a reported message's seq against these (src/reports/membership.ts).
    await tx.db
      .insertInto('group_membership_history')
      .values(
        input.addedDevices.map((d) => ({
          group_id: input.groupId,
          device_id: d,
          joined_seq: advanced.group_seq,
          left_seq: null,
        })),
      )
      .execute();
  }
  if (input.removedDevices.length > 0) {
    await tx.db
      .deleteFrom('group_members')
      .where('group_id', '=', input.groupId)
      .where('device_id', 'in', [...input.removedDevices])
      .execute();
    await tx.db
      .updateTable('group_membership_history')
      .set({ left_seq: advanced.group_seq })
      .where('group_id', '=', input.groupId)
      .where('device_id', 'in', [...input.removedDevices])
      .where('left_seq', 'is', null)
      .execute();
  }

  await enqueue(
    tx,
    oldRoster.filter((d) => d !== input.senderDeviceId),
    {
      groupId: input.groupId,
      kind: 'commit',
      senderDeviceId: input.senderDeviceId,
      payload: input.commit,
      serverTime: input.now,
    },
  );
  if (input.welcome !== undefined) {
    await enqueue(tx, input.addedDevices, {
      groupId: input.groupId,
      kind: 'welcome',
      senderDeviceId: input.senderDeviceId,
      payload: input.welcome,
      serverTime: input.now,
    });
  }
  await tx.db
    .insertInto('sent_messages')
    .values({
      sender_device_id: input.senderDeviceId,
      client_message_id: input.clientMessageId,
      group_id: input.groupId,
      kind: 'commit',
      group_seq: advanced.group_seq,
      epoch: advanced.epoch,
      created_at: input.now,
    })
    .execute();
  return { seq: advanced.group_seq, epoch: advanced.epoch };
}

export interface MessageInput {
  groupId: string;
  senderDeviceId: string;
  clientMessageId: string;
  /** The epoch read from the MLS message. */
  epoch: number;
  kind: 'application' | 'proposal';
  message: Uint8Array;
  now: number;
  /**
   * For an application message: the sender's commitment (from the authenticated data), the
   * group id's bytes, and the server key to tag with (`now` must lie in its lifetime).
   */
  franking?: { commitment: Uint8Array; groupIdBytes: Uint8Array; key: ServerFrankingKey };
}

/** The server's tag over the commitment and the context it authenticates (docs/protocol.md §Franking). */
function frankingStamp(
  f: NonNullable<MessageInput['franking']>,
  ctx: { epoch: number; senderDeviceId: string; seq: number; serverTime: number },
): { keyId: string; tag: Uint8Array; epoch: number; seq: number } {
  const { keyId, tag } = FrankingKeys.tag(f.key, f.commitment, {
    conversationId: f.groupIdBytes,
    epoch: ctx.epoch,
    senderDeviceId: ctx.senderDeviceId,
    serverSeq: ctx.seq,
    serverTime: ctx.serverTime,
  });
  return { keyId, tag, epoch: ctx.epoch, seq: ctx.seq };
}

/**
 * Queues an application message or proposal of the current epoch to every other member device.
 * An application message is tagged once (franking) and every recipient's item carries that stamp.
 * A retry with the same clientMessageId returns the first answer and queues nothing; its stamp is
 * recomputed from the retry's commitment and the first send's seq and time (no per-message state).
 */
export async function sendMessage(tx: Tx, input: MessageInput): Promise<{ seq: number; franking?: FrankingStamp }> {
  const previous = await precheck(tx, input, 'message');
  if (previous !== undefined) {
    if (input.franking === undefined) return { seq: previous.seq };
    // The first send's time may lie in an older key's lifetime: tag with the key that covered it.
    const key = await keyActiveAt(tx, input.franking.key, previous.createdAt);
    if (key === undefined) return { seq: previous.seq };
    const stamp = frankingStamp(
      { ...input.franking, key },
      {
        epoch: input.epoch,
        senderDeviceId: input.senderDeviceId,
        seq: previous.seq,
        serverTime: previous.createdAt,
      },
    );
    return { seq: previous.seq, franking: wireStamp(stamp, previous.createdAt) };
  }
  const advanced = await nextGroupSeq(tx, input.groupId, input.epoch);
  const recipients = await messageRecipients(tx, input.groupId, input.senderDeviceId, input.kind === 'application');
  const stamp =
    input.franking === undefined
      ? undefined
      : frankingStamp(input.franking, {
          epoch: input.epoch,
          senderDeviceId: input.senderDeviceId,
          seq: advanced.group_seq,
          serverTime: input.now,
        });
  await enqueue(tx, recipients, {
    groupId: input.groupId,
    kind: input.kind,
    senderDeviceId: input.senderDeviceId,
    payload: input.message,
    serverTime: input.now,
    ...(stamp === undefined ? {} : { franking: stamp }),
  });
  // Written with the batch's other sends, in one statement, just before the commit.
  sentStaged(tx).add({
    sender_device_id: input.senderDeviceId,
    client_message_id: input.clientMessageId,
    group_id: input.groupId,
    kind: input.kind,
    group_seq: advanced.group_seq,
    epoch: null,
    created_at: input.now,
  });
  return stamp === undefined
    ? { seq: advanced.group_seq }
    : { seq: advanced.group_seq, franking: wireStamp(stamp, input.now) };
}

/** The group's seq bumped, if `epoch` is still its epoch (compare-and-set on the group row: decision 0001 §4). */
const BUMP_GROUP_SEQ = new Statement(
  (db, p: { groupId: string; epoch: number }) =>
    db
      .updateTable('groups')
      .set((eb) => ({ group_seq: eb('group_seq', '+', 1) }))
      .where('group_id', '=', p.groupId)
      .where('epoch', '=', p.epoch)
      .returning('group_seq'),
  // Corrected at flush (`StagedGroups`): a send needs no savepoint of its own (`Tx.savepoint`).
  { counter: true },
);

/** A group whose row this transaction has locked: its epoch, the seq it last handed out, and what the table has. */
interface GroupCounter {
  epoch: number;
  seq: number;
  stored: number;
}

/**
 * The group seqs of a transaction's sends (decision 0001 §4): the first send to a group in the
 * transaction bumps `group_seq` under a compare-and-set on its epoch, which takes the row's lock
 * (held to the commit: on PostgreSQL across processes) and counts that send; later sends to the
 * group take the following seqs in memory, after checking their epoch against the one held (a
 * commit of the same transaction moves it: `committed`). One statement sets every seq that moved
 * further, just before the commit. A rolled-back savepoint undoes what was counted inside it.
 */
class StagedGroups implements StagedWrites {
  readonly groups = new Map<string, GroupCounter>();
  readonly #undo = new UndoLog();

  /** The next seq of a group this transaction holds; `group.stale_epoch` for another epoch. */
  next(g: GroupCounter, epoch: number): { group_seq: number } {
    if (g.epoch !== epoch) staleAt(g.epoch);
    g.seq++;
    this.#undo.push(() => {
      g.seq--;
    });
    return { group_seq: g.seq };
  }

  /** The first send to `groupId` in this transaction bumped the row to `stored` (it counts that send). */
  hold(groupId: string, epoch: number, stored: number): void {
    const g: GroupCounter = { epoch, seq: stored - 1, stored };
    this.groups.set(groupId, g);
    // A rolled-back savepoint undid the bump and released the lock: take it again next time. A
    // kept statement (no savepoint) stands: `flush` sets the seq back to the last one handed out.
    this.#undo.push((statements) => {
      if (statements === 'undone') this.groups.delete(groupId);
    });
  }

  /** A commit of this transaction (`applyCommit`, in a savepoint) advanced a held group to `advanced`. */
  committed(g: GroupCounter, advanced: { epoch: number; group_seq: number }): void {
    const before = { ...g };
    g.epoch = advanced.epoch;
    g.seq = advanced.group_seq;
    g.stored = advanced.group_seq;
    this.#undo.push((statements) => {
      if (statements === 'undone') Object.assign(g, before);
    });
  }

  mark(): number {
    return this.#undo.mark();
  }

  rollbackTo(mark: unknown, statements: 'undone' | 'kept'): void {
    this.#undo.rollbackTo(mark, statements);
  }

  async flush(tx: Tx): Promise<void> {
    const moved = [...this.groups].flatMap(([id, g]) => (g.seq === g.stored ? [] : [[id, g.seq] as const]));
    await setColumn(tx, 'groups', 'group_id', 'group_seq', moved);
  }
}

const GROUPS = {};
const groupsStaged = (tx: Tx) => tx.staged(GROUPS, () => new StagedGroups());

function staleAt(epoch: number): never {
  throw wireError('group.stale_epoch', 'the message is not for the group’s current epoch', { epoch });
}

/** The next seq of a group for a message of `epoch`, or `group.stale_epoch`. */
async function nextGroupSeq(tx: Tx, groupId: string, epoch: number): Promise<{ group_seq: number }> {
  const staged = groupsStaged(tx);
  const held = staged.groups.get(groupId);
  if (held === undefined) {
    const [bumped] = await BUMP_GROUP_SEQ.run(tx, { groupId, epoch });
    if (bumped === undefined) return staleEpoch(tx, groupId);
    staged.hold(groupId, epoch, bumped.group_seq);
  }
  return staged.next(staged.groups.get(groupId) as GroupCounter, epoch);
}

const SENT_COLUMNS = [
  'sender_device_id',
  'client_message_id',
  'group_id',
  'kind',
  'group_seq',
  'epoch',
  'created_at',
] as const satisfies readonly (keyof SentMessagesTable)[];

/**
 * The idempotency rows (`sent_messages`) of a transaction's sends, held back and written in one
 * multi-row insert just before it commits (`StagedWrites`). `precheck` looks here as well as in
 * the table, so a retry in the same batch sees the first send. A rolled-back savepoint drops the
 * rows staged inside it.
 */
class StagedSentMessages implements StagedWrites {
  readonly #rows: SentMessagesTable[] = [];
  readonly #byKey = new Map<string, SentMessagesTable>();

  get(senderDeviceId: string, clientMessageId: string): SentMessagesTable | undefined {
    return this.#byKey.size === 0 ? undefined : this.#byKey.get(`${senderDeviceId}\u0000${clientMessageId}`);
  }

  add(row: SentMessagesTable): void {
    this.#rows.push(row);
    this.#byKey.set(`${row.sender_device_id}\u0000${row.client_message_id}`, row);
  }

  mark(): number {
    return this.#rows.length;
  }

  rollbackTo(mark: unknown): void {
    for (const row of this.#rows.splice((mark as number | undefined) ?? 0)) {
      this.#byKey.delete(`${row.sender_device_id}\u0000${row.client_message_id}`);
    }
  }

  async flush(tx: Tx): Promise<void> {
    if (this.#rows.length === 0) return;
    await insertRows(
      tx,
      'sent_messages',
      SENT_COLUMNS,
      this.#rows.map((r) => SENT_COLUMNS.map((c) => r[c])),
    );
  }
}

const SENT = {};
const sentStaged = (tx: Tx) => tx.staged(SENT, () => new StagedSentMessages());

async function keyActiveAt(tx: Tx, current: ServerFrankingKey, time: number): Promise<ServerFrankingKey | undefined> {
  const covers = (k: ServerFrankingKey) => k.createdAt <= time && (k.retiredAt === undefined || time <= k.retiredAt);
  if (covers(current)) return current;
  for (const k of (await loadFrankingKeyring(tx)).values()) if (covers(k)) return k;
  return undefined;
}

function wireStamp(
  s: { keyId: string; tag: Uint8Array; epoch: number; seq: number },
  serverTime: number,
): FrankingStamp {
  return { keyId: s.keyId, tag: encodeBase64Url(s.tag), serverTime, epoch: s.epoch, seq: s.seq };
}

/** Deletes idempotency records older than `before` (a retry after that long is a new send). */
export async function deleteOldSentMessages(db: Reader, before: number): Promise<number> {
  const r = await db.deleteFrom('sent_messages').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
