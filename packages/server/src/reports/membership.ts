import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** When one device of an account was in a group, in group_seq terms (`left` null: still in). */
export interface MembershipInterval {
  joined: number;
  left: number | null;
}

/**
 * Every interval during which some device of `accountId` was a member of `groupId`
 * (`group_membership_history`, written by `store/groups.ts` in the same transaction as the roster
 * change). One query, whatever the number of messages checked against it.
 */
export async function accountMembership(db: Reader, groupId: string, accountId: string): Promise<MembershipInterval[]> {
  const rows = await db
    .selectFrom('group_membership_history as h')
    .innerJoin('devices as d', 'd.device_id', 'h.device_id')
    .select(['h.joined_seq', 'h.left_seq'])
    .where('h.group_id', '=', groupId)
    .where('d.account_id', '=', accountId)
    .execute();
  return rows.map((r) => ({ joined: r.joined_seq, left: r.left_seq }));
}

/**
 * Whether the message at `seq` could have been received under these intervals: a device added by
 * a commit before it (joined < seq) and not removed by a commit before it (left null or > seq).
 * The sender's own messages count (the sender's other devices get them).
 */
export function receivedAt(intervals: readonly MembershipInterval[], seq: number): boolean {
  return intervals.some((i) => i.joined < seq && (i.left === null || i.left > seq));
}

/** `receivedAt` for one message, straight from storage. */
export async function accountWasMemberAt(
  db: Reader,
  groupId: string,
  accountId: string,
  seq: number,
): Promise<boolean> {
  return receivedAt(await accountMembership(db, groupId, accountId), seq);
}
