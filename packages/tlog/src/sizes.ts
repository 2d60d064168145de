import type { Brand } from '@fulcrum/common';
import { tlogError } from './errors.js';

/**
 * A zero-based position of an entry in a log. Made only by `leafIndex` / `parseLeafIndex`.
 * (The brand name is tlog-specific so it never mixes with an MLS leaf index.)
 */
export type LeafIndex = Brand<number, 'TlogLeafIndex'>;
/** A number of entries in a log (a tree size). Made only by `treeSize` / `parseTreeSize`. */
export type TreeSize = Brand<number, 'TlogTreeSize'>;

/**
 * Largest tree size and index this package handles: 2^53 - 1, the largest integer a JS number
 * holds exactly. RFC 9162 allows 2^64 - 1; a log of 2^53 entries is far beyond any deployment,
 * and refusing larger values keeps every computation exact.
 */
export const MAX_TREE_SIZE = Number.MAX_SAFE_INTEGER;

function checkSafe(n: number, what: string): void {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw tlogError('tlog.bad_size', `${what} must be an integer in 0..2^53-1`, { value: String(n) });
  }
}

/** Brands a tree size; throws `tlog.bad_size` unless 0 <= n <= 2^53-1. */
export function treeSize(n: number): TreeSize {
  checkSafe(n, 'tree size');
  return n as TreeSize;
}

/** Brands a leaf index; throws `tlog.bad_size` unless 0 <= n <= 2^53-1. */
export function leafIndex(n: number): LeafIndex {
  checkSafe(n, 'leaf index');
  return n as LeafIndex;
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Parses an ASCII decimal with no leading zeroes (as checkpoints, tlog-proof and tlog-witness
 * require); throws `code` (default `tlog.bad_size`) on anything else or above 2^53-1.
 */
export function parseDecimal(text: string, code: Parameters<typeof tlogError>[0] = 'tlog.bad_size'): number {
  if (!DECIMAL.test(text))
    throw tlogError(code, 'expected a decimal with no leading zeroes', { text: text.slice(0, 32) });
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw tlogError(code, 'decimal above 2^53-1', { text });
  return n;
}

/** Parses a tree size in checkpoint syntax; throws `tlog.bad_size`. */
export function parseTreeSize(text: string): TreeSize {
  return parseDecimal(text) as TreeSize;
}

/** Parses a leaf index in tlog-proof syntax; throws `tlog.bad_size`. */
export function parseLeafIndex(text: string): LeafIndex {
  return parseDecimal(text) as LeafIndex;
}

// ---------------------------------------------------------------------------
// Exact bit arithmetic on safe integers. JS bitwise operators work on 32 bits
// only, so these split at 2^32 where needed.
// ---------------------------------------------------------------------------

const TWO32 = 2 ** 32;

/** Number of bits needed to represent n (bits.Len64): 0 for 0. */
export function bitLength(n: number): number {
  if (n < TWO32) return 32 - Math.clz32(n);
  return 32 + bitLength(Math.floor(n / TWO32));
}

/** Number of set bits in n. */
export function popCount(n: number): number {
  let count = 0;
  let hi = Math.floor(n / TWO32);
  let lo = n >>> 0;
  while (lo !== 0) {
    lo &= lo - 1;
    count++;
  }
  while (hi !== 0) {
    hi &= hi - 1;
    count++;
  }
  return count;
}

/** Number of trailing zero bits of n > 0. */
export function trailingZeros(n: number): number {
  let count = 0;
  while (n % 2 === 0 && n > 0) {
    n /= 2;
    count++;
  }
  return count;
}

/** floor(n / 2^k) for safe integers. */
export function shiftRight(n: number, k: number): number {
  return Math.floor(n / 2 ** k);
}

/** n XOR m for safe integers. */
export function xor(n: number, m: number): number {
  const hi = (Math.floor(n / TWO32) ^ Math.floor(m / TWO32)) >>> 0;
  const lo = ((n >>> 0) ^ (m >>> 0)) >>> 0;
  return hi * TWO32 + lo;
}

/** The largest power of two strictly smaller than n (n >= 2): the split point k of RFC 9162 §2.1.1. */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}
