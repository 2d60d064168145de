import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/**
 * The member devices of `groupId` whose account blocks the account of `senderDeviceId`. A block
 * (recorded with a report, `blockSender`) means the blocked account's application messages are
 * not delivered to the blocker's devices, in any conversation; commits, proposals and Welcomes
 * still are (the MLS group state must stay the same for everyone), and the sender is not told.
 */
export async function devicesBlockingSender(db: Reader, groupId: string, senderDeviceId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('devices as s')
    .innerJoin('blocks as b', 'b.blocked_account_id', 's.account_id')
    .innerJoin('devices as r', 'r.account_id', 'b.blocker_account_id')
    .innerJoin('group_members as m', 'm.device_id', 'r.device_id')
    .select('r.device_id')
    .where('s.device_id', '=', senderDeviceId)
    .where('m.group_id', '=', groupId)
    .execute();
  return new Set(rows.map((r) => r.device_id));
}
