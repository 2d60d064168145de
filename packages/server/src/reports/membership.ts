import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/**
 * Whether some device of `accountId` was a member of `groupId` when the message at `seq` was
 * sent, i.e. could have received it: added by a commit before it (joined_seq < seq) and not
 * removed by a commit before it (left_seq null or > seq). The sender's own messages count as
 * received (the sender's other devices get them). `group_membership_history` is written by
 * `store/groups.ts` in the same transaction as the roster change.
 */
export async function accountWasMemberAt(
  db: Reader,
  groupId: string,
  accountId: string,
  seq: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('group_membership_history as h')
    .innerJoin('devices as d', 'd.device_id', 'h.device_id')
    .select('h.device_id')
    .where('h.group_id', '=', groupId)
    .where('d.account_id', '=', accountId)
    .where('h.joined_seq', '<', seq)
    .where((eb) => eb.or([eb('h.left_seq', 'is', null), eb('h.left_seq', '>', seq)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
