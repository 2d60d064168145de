/**
 * Blocks (docs/protocol.md §Blocking): one row per (blocker account, blocked account). What a block
 * does is one join in the delivery path (`messageRecipients` in store/groups.ts): the blocked
 * account's *application* messages are not queued to any device of the blocker, in any
 * conversation; commits, proposals and Welcomes still are (the MLS group state must stay the same
 * for everyone), and the sender is not told. Deleting the row is all an unblock needs on the
 * server: the next message is queued as before the block (what was withheld meanwhile was never
 * queued and does not come back).
 */
import { BLOCK_LIMITS, wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** One account the blocker blocks. */
export interface BlockRecord {
  readonly accountId: string;
  readonly name: string;
  readonly blockedAt: number;
}

/**
 * Records that `blocker` blocks `blocked`, idempotently: `created` false and the first
 * `blockedAt` when the block existed. `undefined` (nothing written) when the blocker already
 * blocks `BLOCK_LIMITS.perAccount` accounts; the caller decides whether that is an error.
 * The limit is counted in the write's transaction (the single writer serialises blocks).
 */
export async function insertBlock(
  tx: Tx,
  input: { blockerAccountId: string; blockedAccountId: string; now: number },
): Promise<{ blockedAt: number; created: boolean } | undefined> {
  const existing = await blockedAt(tx.db, input.blockerAccountId, input.blockedAccountId);
  if (existing !== undefined) return { blockedAt: existing, created: false };
  const { n } = await tx.db
    .selectFrom('blocks')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('blocker_account_id', '=', input.blockerAccountId)
    .executeTakeFirstOrThrow();
  if (Number(n) >= BLOCK_LIMITS.perAccount) return undefined;
  await tx.db
    .insertInto('blocks')
    .values({
      blocker_account_id: input.blockerAccountId,
      blocked_account_id: input.blockedAccountId,
      created_at: input.now,
    })
    .onConflict((oc) => oc.columns(['blocker_account_id', 'blocked_account_id']).doNothing())
    .execute();
  return { blockedAt: input.now, created: true };
}

/**
 * The explicit block (`POST /v1/blocks`): `block.self` for the caller's own account,
 * `account.not_found` for an unknown one, `block.too_many` at the limit; idempotent.
 */
export async function blockAccount(
  tx: Tx,
  input: { blockerAccountId: string; blockedAccountId: string; now: number },
): Promise<{ blockedAt: number; created: boolean }> {
  if (input.blockerAccountId === input.blockedAccountId) {
    throw wireError('block.self', 'an account cannot block itself');
  }
  const target = await tx.db
    .selectFrom('accounts')
    .select('account_id')
    .where('account_id', '=', input.blockedAccountId)
    .executeTakeFirst();
  if (target === undefined) throw wireError('account.not_found', 'no such account');
  const result = await insertBlock(tx, input);
  if (result === undefined) {
    throw wireError('block.too_many', 'this account blocks too many accounts: unblock one first', {
      limit: BLOCK_LIMITS.perAccount,
    });
  }
  return result;
}

/**
 * Lifts `blocker`'s block of `blocked`: `true` if there was one. Only the blocker's own row can
 * be named (the blocker is always the caller's account), so no one lifts another's block.
 * Idempotent: unblocking an account not blocked (or not existing) changes nothing.
 */
export async function deleteBlock(
  tx: Tx,
  input: { blockerAccountId: string; blockedAccountId: string },
): Promise<boolean> {
  const rows = await tx.db
    .deleteFrom('blocks')
    .where('blocker_account_id', '=', input.blockerAccountId)
    .where('blocked_account_id', '=', input.blockedAccountId)
    .returning('blocked_account_id')
    .execute();
  return rows.length > 0;
}

/** When `blocker` blocked `blocked`, if it does. */
async function blockedAt(db: Reader, blockerAccountId: string, blockedAccountId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('blocks')
    .select('created_at')
    .where('blocker_account_id', '=', blockerAccountId)
    .where('blocked_account_id', '=', blockedAccountId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.created_at);
}

/** Whether `blocker` blocks `blocked`. */
export async function isBlocked(db: Reader, blockerAccountId: string, blockedAccountId: string): Promise<boolean> {
  return (await blockedAt(db, blockerAccountId, blockedAccountId)) !== undefined;
}

/** The accounts `blocker` blocks, with their names, most recent first (at most `BLOCK_LIMITS.perAccount`). */
export async function listBlocks(db: Reader, blockerAccountId: string): Promise<BlockRecord[]> {
  const rows = await db
    .selectFrom('blocks as b')
    .innerJoin('accounts as a', 'a.account_id', 'b.blocked_account_id')
    .select(['b.blocked_account_id', 'a.name', 'b.created_at'])
    .where('b.blocker_account_id', '=', blockerAccountId)
    .orderBy('b.created_at', 'desc')
    .orderBy('b.blocked_account_id')
    .limit(BLOCK_LIMITS.perAccount)
    .execute();
  return rows.map((r) => ({ accountId: r.blocked_account_id, name: r.name, blockedAt: Number(r.created_at) }));
}
