import { FulcrumError } from './errors.js';

/** Throws `common.bad_length` unless `bytes` has exactly `length` bytes. */
export function assertLength(bytes: Uint8Array, length: number, what = 'value'): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new FulcrumError('common.bad_length', `${what} must be ${length} bytes`, {
      detail: { expected: length, actual: bytes instanceof Uint8Array ? bytes.length : null },
    });
  }
  return bytes;
}

/** Concatenates byte strings into a fresh array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Compares two byte strings in time that depends only on their lengths.
 * Use it for every MAC, tag or token comparison.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Overwrites a secret you own with zeros. */
export function wipe(...secrets: Uint8Array[]): void {
  for (const s of secrets) s.fill(0);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Encode(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Decodes UTF-8; throws `common.bad_encoding` on invalid sequences. */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new FulcrumError('common.bad_encoding', 'invalid UTF-8', { cause });
  }
}

/** Big-endian unsigned 32/64-bit writers used by length-prefixed encodings. */
export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new FulcrumError('common.bad_value', 'u32 out of range');
  }
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

export function u64be(n: number | bigint): Uint8Array {
  const v = BigInt(n);
  if (v < 0n || v > 0xffffffffffffffffn) throw new FulcrumError('common.bad_value', 'u64 out of range');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, false);
  return out;
}

/** Fresh cryptographically secure random bytes (WebCrypto, present in Node 20 and browsers). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}
