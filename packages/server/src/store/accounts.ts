import { encodeBase64Url, utf8Encode } from '@fulcrum/common';
import { type AccountRecord, type DeviceRevokedEvent, wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import { type Tx, toDbBytes } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import { enqueue, revokeStagedQueue } from './queue.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** A device whose certificate the caller has already verified. */
export interface VerifiedDevice {
  deviceId: string;
  accountId: string;
  certificate: Uint8Array;
  requestKey: Uint8Array;
}

/** Creates an account and its first device. `account.name_taken`, `account.exists`, `device.exists`. */
export async function createAccount(
  tx: Tx,
  input: { accountId: string; name: string; identityKey: Uint8Array; device: VerifiedDevice; now: number },
): Promise<void> {
  const inserted = await tx.db
    .insertInto('accounts')
    .values({
      account_id: input.accountId,
      name: input.name,
      identity_key: toDbBytes(input.identityKey),
      created_at: input.now,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('account_id')
    .executeTakeFirst();
  if (inserted === undefined) {
    const byName = await tx.db
      .selectFrom('accounts')
      .select('account_id')
      .where('name', '=', input.name)
      .executeTakeFirst();
    if (byName !== undefined) throw wireError('account.name_taken', 'this account name is taken');
    throw wireError('account.exists', 'this identity key already has an account');
  }
  await addDevice(tx, input.device, input.now);
}

/** Registers a device of an existing account. `device.exists` if the id is taken. */
export async function addDevice(tx: Tx, device: VerifiedDevice, now: number): Promise<void> {
  const inserted = await tx.db
    .insertInto('devices')
    .values({
      device_id: device.deviceId,
      account_id: device.accountId,
      certificate: toDbBytes(device.certificate),
      request_key: toDbBytes(device.requestKey),
      created_at: now,
      revoked_at: null,
      revocation: null,
      queue_seq: 0,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('device_id')
    .executeTakeFirst();
  if (inserted === undefined) throw wireError('device.exists', 'a device with this id is registered');
}

/** What authentication needs to know about a device. */
export interface DeviceAuthRecord {
  deviceId: string;
  accountId: string;
  requestKey: Uint8Array;
  revoked: boolean;
}

export async function findDeviceForAuth(db: Reader, deviceId: string): Promise<DeviceAuthRecord | undefined> {
  const row = await db
    .selectFrom('devices')
    .select(['device_id', 'account_id', 'request_key', 'revoked_at'])
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    deviceId: row.device_id,
    accountId: row.account_id,
    requestKey: row.request_key,
    revoked: row.revoked_at !== null,
  };
}

/** The account's identity key (to verify certificates and revocations), or `account.not_found`. */
export async function getIdentityKey(db: Reader, accountId: string): Promise<Uint8Array> {
  const row = await db
    .selectFrom('accounts')
    .select('identity_key')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (row === undefined) throw wireError('account.not_found', 'no such account');
  return row.identity_key;
}

/** The key-directory record of an account, by id or name; `account.not_found`. */
export async function getAccount(db: Reader, by: { accountId: string } | { name: string }): Promise<AccountRecord> {
  let query = db.selectFrom('accounts').select(['account_id', 'name', 'identity_key']);
  query = 'accountId' in by ? query.where('account_id', '=', by.accountId) : query.where('name', '=', by.name);
  const account = await query.executeTakeFirst();
  if (account === undefined) throw wireError('account.not_found', 'no such account');
  const devices = await db
    .selectFrom('devices')
    .select(['device_id', 'certificate', 'created_at', 'revoked_at', 'revocation'])
    .where('account_id', '=', account.account_id)
    .orderBy('created_at')
    .orderBy('device_id')
    .execute();
  return {
    accountId: account.account_id,
    name: account.name,
    identityKey: encodeBase64Url(account.identity_key),
    devices: devices.map((d) => ({
      deviceId: d.device_id,
      certificate: encodeBase64Url(d.certificate),
      createdAt: d.created_at,
      ...(d.revoked_at === null ? {} : { revokedAt: d.revoked_at }),
      ...(d.revocation === null ? {} : { revocation: encodeBase64Url(d.revocation) }),
    })),
  };
}

/**
 * Revokes a device (its revocation already verified under the account's identity key): it can
 * no longer authenticate, its queue and KeyPackages are dropped, and every other member device
 * of every group it is in gets a `device_revoked` event so that a member commits its removal.
 * It stays in the rosters until that commit (which lists it in `removedDevices`). Idempotent:
 * revoking a revoked device returns the first revocation time.
 */
export async function revokeDevice(
  tx: Tx,
  input: { callerAccountId: string; deviceId: string; revocation: Uint8Array; now: number },
): Promise<{ revokedAt: number }> {
  const device = await tx.db
    .selectFrom('devices')
    .select(['account_id', 'revoked_at'])
    .where('device_id', '=', input.deviceId)
    .executeTakeFirst();
  if (device === undefined) throw wireError('device.not_found', 'no such device');
  if (device.account_id !== input.callerAccountId) {
    throw wireError('auth.forbidden', 'a device can only revoke devices of its own account');
  }
  if (device.revoked_at !== null) return { revokedAt: device.revoked_at };

  await tx.db
    .updateTable('devices')
    .set({ revoked_at: input.now, revocation: toDbBytes(input.revocation) })
    .where('device_id', '=', input.deviceId)
    .execute();
  await tx.db.deleteFrom('queue_items').where('device_id', '=', input.deviceId).execute();
  revokeStagedQueue(tx, input.deviceId); // and what this transaction's batch queued to it
  await tx.db.deleteFrom('key_packages').where('device_id', '=', input.deviceId).execute();

  const event: DeviceRevokedEvent = { type: 'device_revoked', accountId: device.account_id, deviceId: input.deviceId };
  const payload = utf8Encode(JSON.stringify(event));
  const groups = await tx.db
    .selectFrom('group_members')
    .select('group_id')
    .where('device_id', '=', input.deviceId)
    .orderBy('group_id')
    .execute();
  for (const { group_id } of groups) {
    const members = await tx.db
      .selectFrom('group_members')
      .select('device_id')
      .where('group_id', '=', group_id)
      .where('device_id', '!=', input.deviceId)
      .execute();
    await enqueue(
      tx,
      members.map((m) => m.device_id),
      { groupId: group_id, kind: 'event', senderDeviceId: null, payload, serverTime: input.now },
    );
  }
  tx.publish({ type: 'device.revoked', deviceId: input.deviceId });
  return { revokedAt: input.now };
}
