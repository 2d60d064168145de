import { wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import { insertRows, type Tx } from '../db/database.js';
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

// Rows per multi-row insert: 3 parameters each, well under both dialects' parameter limits.
const NONCE_CHUNK = 300;
const NONCE_COLUMNS = ['device_id', 'nonce', 'expires_at'] as const;

/**
 * Records the nonces of a group-commit batch in one multi-row statement (per 300) instead of one
 * statement each. Returns, for each record in order, whether it was fresh: `false` means this
 * device already used the nonce inside the window (stored earlier, or earlier in `records`).
 */
export async function recordNonces(tx: Tx, records: readonly NonceRecord[]): Promise<boolean[]> {
  const key = (r: { deviceId: string; nonce: string } | { device_id: string; nonce: string }) =>
    `${'deviceId' in r ? r.deviceId : r.device_id}\u0000${r.nonce}`;
  // A (device, nonce) twice in one batch: only the first is offered; the later ones are replays.
  const firstIndex = new Map<string, number>();
  records.forEach((r, i) => {
    if (!firstIndex.has(key(r))) firstIndex.set(key(r), i);
  });
  const unique = [...firstIndex.values()].map((i) => records[i] as NonceRecord);
  const inserted = new Set<string>();
  for (let i = 0; i < unique.length; i += NONCE_CHUNK) {
    // SQL text kept per row count (`insertRows`): the same statement Kysely's builder wrote.
    const rows = await insertRows<{ device_id: string; nonce: string }>(
      tx,
      'request_nonces',
      NONCE_COLUMNS,
      unique.slice(i, i + NONCE_CHUNK).map((r) => [r.deviceId, r.nonce, r.expiresAt]),
      'on conflict do nothing returning "device_id", "nonce"',
    );
    for (const row of rows) inserted.add(key(row));
  }
  return records.map((r, i) => firstIndex.get(key(r)) === i && inserted.has(key(r)));
}

/** Deletes nonces past their window; returns how many. */
export async function deleteExpiredNonces(db: Kysely<DatabaseSchema> | Tx['db'], now: number): Promise<number> {
  const result = await db.deleteFrom('request_nonces').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
