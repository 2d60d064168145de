import { FulcrumError } from '@fulcrum/common';
import type { PdqErrorCode } from './errors.js';
import type { PdqHash } from './hash256.js';
import { packHashInto, type PdqHashList, WORDS_PER_HASH } from './hash-list.js';

/** One hit: position in the list and Hamming distance to the query. */
export interface PdqMatch {
  readonly index: number;
  readonly distance: number;
}

/** The reference's recommended match threshold (pdq/README.md: "<= 31"). */
export const DEFAULT_MATCH_RADIUS = 31;

export function checkRadius(radius: number): number {
  if (!Number.isInteger(radius) || radius < 0 || radius > 256) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_argument', 'radius must be an integer 0..256', {
      detail: { radius },
    });
  }
  return radius;
}

/** Packs a query hash into 8 words (same layout as lists). */
export function packQuery(hash: PdqHash): Uint32Array {
  const q = new Uint32Array(WORDS_PER_HASH);
  packHashInto(hash, q, 0);
  return q;
}

/**
 * Hamming distance between packed hash `i` of `words` and the query words,
 * or `limit + 1` (or more) as soon as it exceeds `limit` (checked after each
 * half: random hashes are ~64 apart after 128 bits, so most stop there).
 */
export function distanceAtMost(words: Uint32Array, i: number, q: Uint32Array, limit: number): number {
  const o = i * 8;
  let x = words[o]! ^ q[0]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  let d = (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
  x = words[o + 1]! ^ q[1]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  x = words[o + 2]! ^ q[2]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  x = words[o + 3]! ^ q[3]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  if (d > limit) return d;
  x = words[o + 4]! ^ q[4]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  x = words[o + 5]! ^ q[5]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  x = words[o + 6]! ^ q[6]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  x = words[o + 7]! ^ q[7]!;
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  return d;
}

/** Set bits of every 16-bit value: two lookups per 32-bit word in the brute-force scan. */
const POP16: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >> 1]!;
  return t;
})();

/**
 * Every hash of `list` within `radius` of `query`, in list order: a linear
 * scan of the packed words. The query words live in locals; the distance of
 * the first 64 bits is checked before reading more (a random hash is already
 * ~32 away there), then at 128 bits; the first 128 bits are counted with a
 * 16-bit table, the rest with SWAR. The correctness baseline for the
 * multi-index; fine up to ~1M hashes per query.
 */
export function bruteForceQuery(list: PdqHashList, query: PdqHash, radius = DEFAULT_MATCH_RADIUS): PdqMatch[] {
  checkRadius(radius);
  const q = packQuery(query);
  const [q0, q1, q2, q3, q4, q5, q6, q7] = q as unknown as number[];
  const { words } = list;
  const n = words.length / WORDS_PER_HASH;
  const t = POP16;
  const out: PdqMatch[] = [];
  for (let i = 0, o = 0; i < n; i++, o += 8) {
    let x = words[o]! ^ q0!;
    let y = words[o + 1]! ^ q1!;
    let d = t[x & 0xffff]! + t[x >>> 16]! + t[y & 0xffff]! + t[y >>> 16]!;
    if (d > radius) continue;
    x = words[o + 2]! ^ q2!;
    y = words[o + 3]! ^ q3!;
    d += t[x & 0xffff]! + t[x >>> 16]! + t[y & 0xffff]! + t[y >>> 16]!;
    if (d > radius) continue;
    d +=
      popcount(words[o + 4]! ^ q4!) +
      popcount(words[o + 5]! ^ q5!) +
      popcount(words[o + 6]! ^ q6!) +
      popcount(words[o + 7]! ^ q7!);
    if (d <= radius) out.push({ index: i, distance: d });
  }
  return out;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
