import { wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

/** A signed request's (device, nonce), remembered until `expiresAt` (docs/protocol.md §Signed requests). */
export interface NonceRecord {
  deviceId: string;
  nonce: string;
  expiresAt: number;
  /** Set by the writer once a transaction holding this nonce committed (whatever the request's fate). */
  spent?: boolean;
}

/** Records a nonce; throws `auth.replayed` if this device already used it inside the window. */
export async function recordNonce(tx: Tx, record: NonceRecord): Promise<void> {
  const inserted = await tx.db
    .insertInto('request_nonces')
    .values({ device_id: record.deviceId, nonce: record.nonce, expires_at: record.expiresAt })
    .onConflict((oc) => oc.doNothing())
    .returning('nonce')
    .executeTakeFirst();
  if (inserted === undefined) throw wireError('auth.replayed', 'this request nonce was already used');
}

/** Deletes nonces past their window; returns how many. */
export async function deleteExpiredNonces(db: Kysely<DatabaseSchema> | Tx['db'], now: number): Promise<number> {
  const result = await db.deleteFrom('request_nonces').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
