import { concatBytes, u32be, u64be, utf8Encode } from '@fulcrum/common';
import { frankingError } from './errors.js';

/** Largest variable-length field the encodings accept (ids, keys ids); bodies are unbounded here. */
export const MAX_ID_LENGTH = 1024;

/** u32 big-endian length prefix followed by the bytes: injective for any field sequence. */
export function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32be(bytes.length), bytes);
}

export function encodeId(what: string, value: string | Uint8Array): Uint8Array {
  const bytes = typeof value === 'string' ? utf8Encode(value) : value;
  if (bytes.length === 0 || bytes.length > MAX_ID_LENGTH) {
    throw frankingError('franking.bad_context', `${what} must be 1..${MAX_ID_LENGTH} bytes`);
  }
  return lengthPrefixed(bytes);
}

export function encodeUint(what: string, value: number | bigint): Uint8Array {
  const ok = typeof value === 'bigint' ? value >= 0n : Number.isSafeInteger(value) && value >= 0;
  if (!ok) throw frankingError('franking.bad_context', `${what} must be a non-negative integer`);
  return u64be(value);
}

/** Domain-separation label, itself length-prefixed so no label is a prefix of another encoding. */
export function label(text: string): Uint8Array {
  return lengthPrefixed(utf8Encode(text));
}
