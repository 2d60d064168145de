import { encodeHex } from '@fulcrum/common';
import { tlogError } from './errors.js';
import { type EntryKind, EntryRegistry, type DecodedLogEntry, defineEntryKind } from './log-entry.js';

/** Size of an account label: the RFC 9497 ristretto255-SHA512 VOPRF output (SHA-512). */
export const LABEL_SIZE = 64;
/** Device IDs are 1..64 bytes of UTF-8. */
const MAX_DEVICE_ID = 64;
/** Public keys up to 2 KiB (Ed25519 is 32 bytes, ML-DSA-44 1312). */
const MAX_PUBLIC_KEY = 2048;
/** Device certificates up to 16 KiB. */
const MAX_CERTIFICATE = 16 * 1024;

/** `kt.label_key` v1: the server's VOPRF public key that every later account label is checked against. */
export interface LabelKeyEntry {
  /** RFC 9497 ciphersuite identifier; only `ristretto255-SHA512` is defined. */
  readonly suite: 'ristretto255-SHA512';
  readonly publicKey: Uint8Array;
}

/** `key.account` v1: an account's identity key, under its pseudonymous label. */
export interface AccountKeyEntry {
  readonly label: Uint8Array;
  /** Signature scheme of the key (the IANA TLS SignatureScheme value MLS uses, e.g. 0x0807 Ed25519). */
  readonly scheme: number;
  readonly publicKey: Uint8Array;
}

/** `key.device` v1: a device added to an account, with its key and certificate. */
export interface DeviceKeyEntry {
  readonly label: Uint8Array;
  readonly deviceId: string;
  readonly scheme: number;
  readonly publicKey: Uint8Array;
  /** The device certificate as the account key signed it (opaque to the log). */
  readonly certificate: Uint8Array;
}

/** Why a device was revoked. */
export const REVOCATION_REASON = { unspecified: 0, removedByUser: 1, compromised: 2, replaced: 3 } as const;

/** `key.device_revoked` v1: a device removed from an account. */
export interface DeviceRevokedEntry {
  readonly label: Uint8Array;
  readonly deviceId: string;
  readonly reason: number;
}

const short = (label: Uint8Array) => `${encodeHex(label.subarray(0, 6))}…`;

function deviceId(id: string): string {
  if (typeof id !== 'string' || id.length === 0)
    throw tlogError('tlog.entry_malformed', 'device id must be a non-empty string');
  return id;
}

export const LABEL_KEY_ENTRY: EntryKind<LabelKeyEntry> = defineEntryKind<LabelKeyEntry>({
  kind: 'kt.label_key',
  version: 1,
  write(w, v) {
    w.string16(v.suite, 64).fixed(v.publicKey, 32);
  },
  read(r) {
    const suite = r.string16(64);
    if (suite !== 'ristretto255-SHA512') throw tlogError('tlog.entry_malformed', 'unknown VOPRF suite');
    return { suite, publicKey: r.fixed(32) };
  },
  describe: (v) => `label key ${v.suite} ${encodeHex(v.publicKey)}`,
});

export const ACCOUNT_KEY_ENTRY: EntryKind<AccountKeyEntry> = defineEntryKind<AccountKeyEntry>({
  kind: 'key.account',
  version: 1,
  write(w, v) {
    w.fixed(v.label, LABEL_SIZE).u16(v.scheme).bytes16(v.publicKey, MAX_PUBLIC_KEY);
  },
  read(r) {
    return { label: r.fixed(LABEL_SIZE), scheme: r.u16(), publicKey: r.bytes16(MAX_PUBLIC_KEY) };
  },
  describe: (v) => `account ${short(v.label)} identity key scheme 0x${v.scheme.toString(16).padStart(4, '0')}`,
});

export const DEVICE_KEY_ENTRY: EntryKind<DeviceKeyEntry> = defineEntryKind<DeviceKeyEntry>({
  kind: 'key.device',
  version: 1,
  write(w, v) {
    w.fixed(v.label, LABEL_SIZE)
      .string16(deviceId(v.deviceId), MAX_DEVICE_ID)
      .u16(v.scheme)
      .bytes16(v.publicKey, MAX_PUBLIC_KEY)
      .bytes16(v.certificate, MAX_CERTIFICATE);
  },
  read(r) {
    return {
      label: r.fixed(LABEL_SIZE),
      deviceId: deviceId(r.string16(MAX_DEVICE_ID)),
      scheme: r.u16(),
      publicKey: r.bytes16(MAX_PUBLIC_KEY),
      certificate: r.bytes16(MAX_CERTIFICATE),
    };
  },
  describe: (v) => `account ${short(v.label)} device ${v.deviceId} added`,
});

export const DEVICE_REVOKED_ENTRY: EntryKind<DeviceRevokedEntry> = defineEntryKind<DeviceRevokedEntry>({
  kind: 'key.device_revoked',
  version: 1,
  write(w, v) {
    w.fixed(v.label, LABEL_SIZE).string16(deviceId(v.deviceId), MAX_DEVICE_ID).u8(v.reason);
  },
  read(r) {
    return { label: r.fixed(LABEL_SIZE), deviceId: deviceId(r.string16(MAX_DEVICE_ID)), reason: r.u8() };
  },
  describe: (v) => `account ${short(v.label)} device ${v.deviceId} revoked (reason ${v.reason})`,
});

/** A registry with the key-transparency kinds; extend it with `.with(kind)` for other capabilities. */
export function keyTransparencyRegistry(): EntryRegistry {
  return EntryRegistry.of([LABEL_KEY_ENTRY, ACCOUNT_KEY_ENTRY, DEVICE_KEY_ENTRY, DEVICE_REVOKED_ENTRY]);
}

/** One device of an account as the log records it. */
export interface LoggedDevice {
  readonly deviceId: string;
  readonly index: number;
  readonly time: number;
  readonly scheme: number;
  readonly publicKey: Uint8Array;
  readonly certificate: Uint8Array;
  readonly revoked?: { readonly index: number; readonly time: number; readonly reason: number };
}

/** Everything the log says about one account label, in log order. */
export interface AccountHistory {
  readonly accountKeys: readonly {
    readonly index: number;
    readonly time: number;
    readonly scheme: number;
    readonly publicKey: Uint8Array;
  }[];
  /** Every device ever registered (re-registrations of an id appear again), with revocations attached. */
  readonly devices: readonly LoggedDevice[];
}

/**
 * Folds decoded entries (e.g. from a full audit) into the history of one account label: every
 * identity key and every device ever registered, with revocations. A client compares it with
 * the devices it knows, and warns about any it did not add.
 */
export function accountHistory(
  entries: Iterable<{ readonly index: number; readonly entry: DecodedLogEntry }>,
  label: Uint8Array,
): AccountHistory {
  const same = (l: Uint8Array) => l.length === label.length && l.every((b, i) => b === label[i]);
  const accountKeys: { index: number; time: number; scheme: number; publicKey: Uint8Array }[] = [];
  const devices: LoggedDevice[] = [];
  for (const { index, entry } of entries) {
    if (entry.definition === ACCOUNT_KEY_ENTRY) {
      const v = entry.value as AccountKeyEntry;
      if (same(v.label)) accountKeys.push({ index, time: entry.time, scheme: v.scheme, publicKey: v.publicKey });
    } else if (entry.definition === DEVICE_KEY_ENTRY) {
      const v = entry.value as DeviceKeyEntry;
      if (same(v.label)) {
        devices.push({
          deviceId: v.deviceId,
          index,
          time: entry.time,
          scheme: v.scheme,
          publicKey: v.publicKey,
          certificate: v.certificate,
        });
      }
    } else if (entry.definition === DEVICE_REVOKED_ENTRY) {
      const v = entry.value as DeviceRevokedEntry;
      if (!same(v.label)) continue;
      // The revocation applies to the latest unrevoked registration of that device id.
      for (let i = devices.length - 1; i >= 0; i--) {
        const d = devices[i] as LoggedDevice;
        if (d.deviceId === v.deviceId && d.revoked === undefined) {
          devices[i] = { ...d, revoked: { index, time: entry.time, reason: v.reason } };
          break;
        }
      }
    }
  }
  return { accountKeys, devices };
}

/**
 * The devices the log shows for an account that the client does not know and that are not
 * revoked: what a client warns its user about ("a device you did not add").
 */
export function unknownDevices(history: AccountHistory, knownDeviceIds: ReadonlySet<string>): LoggedDevice[] {
  return history.devices.filter((d) => d.revoked === undefined && !knownDeviceIds.has(d.deviceId));
}
