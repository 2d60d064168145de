import {
  ACCOUNT_KEY_ENTRY,
  computeAccountLabel,
  DEVICE_KEY_ENTRY,
  DEVICE_REVOKED_ENTRY,
  type EntryKind,
  REVOCATION_REASON,
} from '@fulcrum/tlog';
import { decodeDeviceCertificate } from '@fulcrum/e2ee';
import type { Tx } from '../db/database.js';
import type { LogKeys } from './log-keys.js';
import { appendLogEntry } from './sequencer.js';

/** TLS SignatureScheme ed25519 (RFC 8446 §4.2.3): every Fulcrum identity and MLS signature key. */
export const ED25519_SCHEME = 0x0807;

async function append<T>(tx: Tx, kind: EntryKind<T>, now: number, value: T, subject: string): Promise<number> {
  const { index } = await appendLogEntry(
    tx,
    { kind: kind.kind, version: kind.version, time: now, body: kind.encodeBody(value) },
    subject,
  );
  return index;
}

/**
 * Key transparency, server side: the log entries for the key directory, appended inside the
 * transaction that changes the directory (so a key is served only once its entry is durable in
 * the same commit). Accounts are named only by their RFC 9497 VOPRF label of the account name
 * under the log's label key (`computeAccountLabel`), never by name or id.
 */
export class KeyTransparencyLogger {
  readonly #keys: LogKeys;

  constructor(keys: LogKeys) {
    this.#keys = keys;
  }

  /** The label of an account name (64 bytes). */
  label(accountName: string): Uint8Array {
    return computeAccountLabel(this.#keys.labelKey.secretKey, accountName);
  }

  /** `key.account` then `key.device` for a new account and its first device. */
  async accountCreated(
    tx: Tx,
    input: {
      accountId: string;
      name: string;
      identityKey: Uint8Array;
      deviceId: string;
      certificate: Uint8Array;
      now: number;
    },
  ): Promise<{ accountIndex: number; deviceIndex: number }> {
    const label = this.label(input.name);
    const accountIndex = await append(
      tx,
      ACCOUNT_KEY_ENTRY,
      input.now,
      { label, scheme: ED25519_SCHEME, publicKey: input.identityKey },
      `account:${input.accountId}`,
    );
    const deviceIndex = await this.#device(tx, label, input);
    return { accountIndex, deviceIndex };
  }

  /** `key.device` for a device added to an existing account. */
  async deviceAdded(
    tx: Tx,
    input: { accountId: string; deviceId: string; certificate: Uint8Array; now: number },
  ): Promise<number> {
    return this.#device(tx, await this.#labelOf(tx, input.accountId), input);
  }

  /**
   * `key.device_revoked` (reason: removed by user), only if the device is not already revoked
   * (revocation is idempotent; the log records it once). Call it before the revocation itself.
   */
  async deviceRevoked(
    tx: Tx,
    input: { accountId: string; deviceId: string; now: number },
  ): Promise<number | undefined> {
    const device = await tx.db
      .selectFrom('devices')
      .select(['account_id', 'revoked_at'])
      .where('device_id', '=', input.deviceId)
      .executeTakeFirst();
    if (device === undefined || device.account_id !== input.accountId || device.revoked_at !== null) return undefined;
    return append(
      tx,
      DEVICE_REVOKED_ENTRY,
      input.now,
      {
        label: await this.#labelOf(tx, input.accountId),
        deviceId: input.deviceId,
        reason: REVOCATION_REASON.removedByUser,
      },
      `revoked:${input.deviceId}`,
    );
  }

  async #labelOf(tx: Tx, accountId: string): Promise<Uint8Array> {
    const row = await tx.db
      .selectFrom('accounts')
      .select('name')
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    return this.label(row.name);
  }

  async #device(
    tx: Tx,
    label: Uint8Array,
    input: { deviceId: string; certificate: Uint8Array; now: number },
  ): Promise<number> {
    // The key clients check MLS credentials with: the certificate's MLS signature key.
    const cert = decodeDeviceCertificate(input.certificate);
    return append(
      tx,
      DEVICE_KEY_ENTRY,
      input.now,
      {
        label,
        deviceId: input.deviceId,
        scheme: ED25519_SCHEME,
        publicKey: cert.mlsSignaturePublicKey,
        certificate: input.certificate,
      },
      `device:${input.deviceId}`,
    );
  }
}
