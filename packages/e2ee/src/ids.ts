import type { Brand } from '@fulcrum/common';
import { e2eeError } from './errors.js';

/** An account's identifier, as the server assigns it: 1-64 chars of `[A-Za-z0-9_-]`. */
export type AccountId = Brand<string, 'AccountId'>;
/** A device's identifier, unique within its account: 1-64 chars of `[A-Za-z0-9_-]`. */
export type DeviceId = Brand<string, 'DeviceId'>;
/** A leaf position in an MLS ratchet tree (RFC 9420 §4.1): a non-negative integer below 2^31. */
export type LeafIndex = Brand<number, 'LeafIndex'>;

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses an account id; throws `e2ee.bad_id`. */
export function parseAccountId(value: string): AccountId {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw e2eeError('e2ee.bad_id', 'malformed account id');
  return value as AccountId;
}

/** Parses a device id; throws `e2ee.bad_id`. */
export function parseDeviceId(value: string): DeviceId {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw e2eeError('e2ee.bad_id', 'malformed device id');
  return value as DeviceId;
}

/** Parses a leaf index; throws `e2ee.malformed`. */
export function parseLeafIndex(value: number): LeafIndex {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 31) {
    throw e2eeError('e2ee.malformed', 'leaf index out of range');
  }
  return value as LeafIndex;
}
