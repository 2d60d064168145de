import type { Brand } from '@fulcrum/common';
import { FulcrumError } from '@fulcrum/common';
import type { PdqErrorCode } from './errors.js';

/**
 * A 256-bit PDQ hash as 32 bytes, in the order of its canonical hex text
 * (byte 0 is the first two hex digits). The reference (`pdqhashtypes.cpp`)
 * stores sixteen 16-bit words and prints word 15 first, most significant
 * nibble first; bit k = 16*i + j (DCT row i, column j) lives in word i, bit j.
 * So bit (i, j) is byte (15 - i) * 2 + (j < 8 ? 1 : 0), bit (j & 7).
 */
export type PdqHash = Brand<Uint8Array, 'PdqHash'>;

/** Number of bytes in a PDQ hash. */
export const PDQ_HASH_BYTES = 32;
/** Number of bits in a PDQ hash. */
export const PDQ_HASH_BITS = 256;

const HEX = '0123456789abcdef';
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE[HEX.charCodeAt(i)] = i;
  HEX_VALUE[HEX.toUpperCase().charCodeAt(i)] = i;
}

/** Index of the byte holding DCT bit (row, col) of the 16x16 output. */
export function bitByteIndex(row: number, col: number): number {
  return (15 - row) * 2 + (col < 8 ? 1 : 0);
}

/**
 * Parses 64 hex digits (either case) into a hash, or throws `pdq.bad_hash`.
 * The reference reads with `%04hx` x16 after checking the length is 64.
 */
export function parsePdqHash(hex: string): PdqHash {
  if (typeof hex !== 'string' || hex.length !== 64) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_hash', 'a PDQ hash is exactly 64 hex digits', {
      detail: { length: typeof hex === 'string' ? hex.length : null },
    });
  }
  const out = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < PDQ_HASH_BYTES; i++) {
    const c1 = hex.charCodeAt(2 * i);
    const c2 = hex.charCodeAt(2 * i + 1);
    const hi = c1 < 128 ? (HEX_VALUE[c1] as number) : -1;
    const lo = c2 < 128 ? (HEX_VALUE[c2] as number) : -1;
    if (hi < 0 || lo < 0) {
      throw new FulcrumError<PdqErrorCode>('pdq.bad_hash', 'a PDQ hash may contain only hex digits', {
        detail: { position: hi < 0 ? 2 * i : 2 * i + 1 },
      });
    }
    out[i] = (hi << 4) | lo;
  }
  return out as PdqHash;
}

/** Lower-case 64-digit hex, as the reference prints it. */
export function encodePdqHash(hash: PdqHash): string {
  let s = '';
  for (let i = 0; i < PDQ_HASH_BYTES; i++) {
    const b = hash[i] as number;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

/** Checks `bytes` is 32 bytes and brands it, or throws `pdq.bad_hash`. */
export function pdqHashFromBytes(bytes: Uint8Array): PdqHash {
  if (!(bytes instanceof Uint8Array) || bytes.length !== PDQ_HASH_BYTES) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_hash', 'a PDQ hash is exactly 32 bytes');
  }
  return bytes as PdqHash;
}

/** Number of set bits in a 32-bit integer (SWAR; JS has no popcount instruction). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two hashes (0..256). */
export function hammingDistance(a: PdqHash, b: PdqHash): number {
  let d = 0;
  for (let i = 0; i < PDQ_HASH_BYTES; i += 4) {
    const x =
      ((a[i]! ^ b[i]!) << 24) |
      ((a[i + 1]! ^ b[i + 1]!) << 16) |
      ((a[i + 2]! ^ b[i + 2]!) << 8) |
      (a[i + 3]! ^ b[i + 3]!);
    d += popcount32(x);
  }
  return d;
}
