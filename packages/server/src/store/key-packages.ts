import { encodeBase64Url } from '@fulcrum/common';
import { type ClaimedKeyPackage, wireError } from '@fulcrum/wire';
import { type Kysely, sql } from 'kysely';
import { type Tx, toDbBytes } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/**
 * Stores a device's (already validated) KeyPackages, each with its RFC 9420 §5.2 KeyPackageRef. Re-uploading a stored package is a no-op;
 * a new last-resort package replaces the previous one. Returns how many were new and how many
 * normal packages the device now holds.
 */
export async function storeKeyPackages(
  tx: Tx,
  deviceId: string,
  packages: readonly { data: Uint8Array; lastResort: boolean; ref: Uint8Array }[],
  now: number,
): Promise<{ stored: number; available: number }> {
  let stored = 0;
  for (const kp of packages) {
    const ref = toDbBytes(kp.ref);
    if (kp.lastResort) {
      await tx.db
        .deleteFrom('key_packages')
        .where('device_id', '=', deviceId)
        .where('last_resort', '=', 1)
        .where('ref', '!=', ref)
        .execute();
    }
    const inserted = await tx.db
      .insertInto('key_packages')
      .values({
        device_id: deviceId,
        ref,
        data: toDbBytes(kp.data),
        last_resort: kp.lastResort ? 1 : 0,
        created_at: now,
        last_claimed_at: null,
      })
      .onConflict((oc) => oc.columns(['device_id', 'ref']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted !== undefined) stored++;
  }
  return { stored, available: (await countKeyPackages(tx.db, deviceId)).available };
}

export async function countKeyPackages(
  db: Reader,
  deviceId: string,
): Promise<{ available: number; lastResort: boolean }> {
  const rows = await db
    .selectFrom('key_packages')
    .select(['last_resort', (eb) => eb.fn.countAll<number>().as('n')])
    .where('device_id', '=', deviceId)
    .groupBy('last_resort')
    .execute();
  let available = 0;
  let lastResort = false;
  for (const r of rows) {
    if (r.last_resort === 1) lastResort = Number(r.n) > 0;
    else available = Number(r.n);
  }
  return { available, lastResort };
}

/**
 * Claims one KeyPackage for each of `deviceIds` (sorted for a fixed lock order). A normal package
 * is deleted in the same statement that selects it (on PostgreSQL the inner select skips rows
 * another transaction has locked), so no package is ever handed out twice; a last-resort package
 * is handed out and kept, its `claim_count` bumped. If any device has none, throws
 * `keypackage.exhausted` (detail.deviceId) and — inside the caller's savepoint — nothing changes.
 */
export async function claimKeyPackages(
  tx: Tx,
  deviceIds: readonly string[],
  now: number,
): Promise<ClaimedKeyPackage[]> {
  const out: ClaimedKeyPackage[] = [];
  for (const deviceId of [...deviceIds].sort()) {
    const skipLocked = tx.dialect === 'postgres' ? sql` for update skip locked` : sql``;
    const normal = await sql<{ data: Uint8Array }>`
      delete from key_packages
      where id = (
        select id from key_packages
        where device_id = ${deviceId} and last_resort = 0
        order by id limit 1${skipLocked}
      )
      returning data`.execute(tx.db);
    const row = normal.rows[0];
    if (row !== undefined) {
      out.push({ deviceId, data: encodeBase64Url(row.data), lastResort: false });
      continue;
    }
    const lastResort = await tx.db
      .updateTable('key_packages')
      .set((eb) => ({ claim_count: eb('claim_count', '+', 1), last_claimed_at: now }))
      .where('device_id', '=', deviceId)
      .where('last_resort', '=', 1)
      .returning('data')
      .executeTakeFirst();
    if (lastResort === undefined) {
      throw wireError('keypackage.exhausted', 'a device has no KeyPackage left', { deviceId });
    }
    out.push({ deviceId, data: encodeBase64Url(lastResort.data), lastResort: true });
  }
  return out;
}

/**
 * The devices a claim covers: the account's non-revoked devices except the caller, or exactly
 * `requested` (each must be a non-revoked device of the account: `device.not_found`).
 */
export async function claimTargets(
  db: Reader,
  input: { accountId: string; callerDeviceId: string; requested: readonly string[] | undefined },
): Promise<string[]> {
  const account = await db
    .selectFrom('accounts')
    .select('account_id')
    .where('account_id', '=', input.accountId)
    .executeTakeFirst();
  if (account === undefined) throw wireError('account.not_found', 'no such account');
  const devices = await db
    .selectFrom('devices')
    .select('device_id')
    .where('account_id', '=', input.accountId)
    .where('revoked_at', 'is', null)
    .execute();
  const live = new Set(devices.map((d) => d.device_id));
  if (input.requested === undefined) return [...live].filter((d) => d !== input.callerDeviceId).sort();
  for (const d of input.requested) {
    if (!live.has(d)) throw wireError('device.not_found', 'no such live device in this account', { deviceId: d });
  }
  return [...input.requested].sort();
}
