import { constantTimeEqual } from '@fulcrum/common';
import type { VerifiedCheckpoint } from './checkpoint.js';
import { tlogError } from './errors.js';
import { ACCOUNT_KEY_ENTRY, type AccountKeyEntry, DEVICE_KEY_ENTRY, type DeviceKeyEntry } from './kt-entries.js';
import type { DecodedLogEntry, EntryRegistry } from './log-entry.js';
import { hashLeaf } from './merkle-hash.js';
import { type VerifiedTlogProof, verifyTlogProof } from './tlog-proof.js';

/** An entry proven to be in the log under an accepted checkpoint. */
export interface VerifiedEntryReceipt<C extends VerifiedCheckpoint = VerifiedCheckpoint> {
  readonly entry: DecodedLogEntry;
  readonly receipt: VerifiedTlogProof<C>;
}

/**
 * Verifies that `entry` (its exact bytes) is in the log: the tlog-proof `receipt` must prove
 * inclusion of SHA-256(0x00 || entry) under a checkpoint `verifyCheckpoint` accepts (use a
 * policy check so witnesses are required), and the entry must decode in `registry`.
 */
export function verifyEntryReceipt<C extends VerifiedCheckpoint>(args: {
  readonly entry: Uint8Array;
  readonly receipt: string | Uint8Array;
  readonly registry: EntryRegistry;
  readonly verifyCheckpoint: (note: string) => C;
}): VerifiedEntryReceipt<C> {
  const receipt = verifyTlogProof(args.receipt, {
    leafHash: hashLeaf(args.entry),
    verifyCheckpoint: args.verifyCheckpoint,
  });
  return { entry: args.registry.decode(args.entry), receipt };
}

function notLogged(message: string): never {
  throw tlogError('tlog.kt_key_not_logged', message);
}

const eq = (a: Uint8Array, b: Uint8Array) => constantTimeEqual(a, b);

/**
 * Key transparency, client side: accepts a device key the server served only if the receipt
 * proves a `key.device` entry for this account label, device ID and public key. Throws
 * `tlog.kt_key_not_logged` if the entry records something else, or the receipt/checkpoint errors.
 */
export function verifyServedDeviceKey<C extends VerifiedCheckpoint>(args: {
  readonly label: Uint8Array;
  readonly deviceId: string;
  readonly publicKey: Uint8Array;
  readonly entry: Uint8Array;
  readonly receipt: string | Uint8Array;
  readonly registry: EntryRegistry;
  readonly verifyCheckpoint: (note: string) => C;
}): VerifiedEntryReceipt<C> & { readonly device: DeviceKeyEntry } {
  const verified = verifyEntryReceipt(args);
  if (verified.entry.definition !== DEVICE_KEY_ENTRY) notLogged('the receipt is for another kind of entry');
  const device = verified.entry.value as DeviceKeyEntry;
  if (!eq(device.label, args.label)) notLogged('the logged device belongs to another account');
  if (device.deviceId !== args.deviceId) notLogged('the logged entry is for another device');
  if (!eq(device.publicKey, args.publicKey)) notLogged('the served device key is not the logged one');
  return { ...verified, device };
}

/** Key transparency, client side: the same check for an account identity key (`key.account`). */
export function verifyServedAccountKey<C extends VerifiedCheckpoint>(args: {
  readonly label: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly entry: Uint8Array;
  readonly receipt: string | Uint8Array;
  readonly registry: EntryRegistry;
  readonly verifyCheckpoint: (note: string) => C;
}): VerifiedEntryReceipt<C> & { readonly account: AccountKeyEntry } {
  const verified = verifyEntryReceipt(args);
  if (verified.entry.definition !== ACCOUNT_KEY_ENTRY) notLogged('the receipt is for another kind of entry');
  const account = verified.entry.value as AccountKeyEntry;
  if (!eq(account.label, args.label)) notLogged('the logged key belongs to another account');
  if (!eq(account.publicKey, args.publicKey)) notLogged('the served account key is not the logged one');
  return { ...verified, account };
}
