import { FulcrumError } from '@fulcrum/common';
import { checkRadius, DEFAULT_MATCH_RADIUS, distanceAtMost, type PdqMatch, packQuery } from './brute-force.js';
import type { PdqErrorCode } from './errors.js';
import type { PdqHash } from './hash256.js';
import { type PdqHashList, WORDS_PER_HASH } from './hash-list.js';

/**
 * Multi-index hashing (Norouzi, Punjani, Fleet, "Fast Search in Hamming Space
 * with Multi-Index Hashing", CVPR 2012). The 256 bits are cut into m
 * contiguous chunks; by pigeonhole, a hash within distance r of the query has
 * at least one chunk within floor(r / m) of the query's chunk. Each chunk has
 * a table from chunk value (its top `t` bits, t <= chunk width) to the hashes
 * holding it; a query probes every value within that radius in every table,
 * keeps entries whose full chunk is within the radius, dedups, and verifies
 * the full distance. No false negatives: property-tested against brute force.
 */
export interface MihOptions {
  /** Number of chunks m (8..32). Default: `defaultChunkCount(list.length)`. */
  readonly chunks?: number;
  /** Most bits addressed directly per table (memory 4 * 2^bits bytes per chunk). Default 24. */
  readonly maxTableBits?: number;
}

interface ChunkTable {
  readonly offset: number; // first bit (0 = most significant bit of word 0)
  readonly width: number; // chunk width b
  readonly tableBits: number; // t: bits addressed by `starts`
  readonly starts: Uint32Array; // CSR: entries of bucket v are ids[starts[v] .. starts[v+1])
  readonly ids: Uint32Array;
  readonly keys: Uint32Array | undefined; // full chunk values beside ids, when t < b
}

/**
 * Chunk count for a list of `n` hashes. Norouzi et al.'s rule of thumb is
 * chunks of about log2(N) bits (m = 256 / log2 N: 13 at 1M, 11 at 10M). At
 * the default radius 31 the measured optimum (bench/pdq, clustered data) is
 * m = 11 at both 1M and 10M: 11 is the fewest chunks whose per-chunk radius
 * floor(31 / m) is 2, and since tables address at most log2 N bits, wider
 * chunks cost no extra memory. So: 11 from 2^17 hashes up, the rule of thumb
 * (clamped to 8..32) below that.
 */
export function defaultChunkCount(n: number): number {
  if (n >= 2 ** 17) return 11;
  if (n < 2) return 32;
  return Math.max(8, Math.min(32, Math.round(256 / Math.log2(n))));
}

/** Value of `width` (1..32) bits starting at bit `offset` of packed hash `i`. */
function chunkValue(words: Uint32Array, base: number, offset: number, width: number): number {
  const wi = base + (offset >>> 5);
  const s = offset & 31;
  const w0 = words[wi]!;
  if (s + width <= 32) {
    const v = w0 << s; // drop bits above the chunk
    return width === 32 ? v >>> 0 : v >>> (32 - width);
  }
  const hiBits = 32 - s;
  const loBits = width - hiBits;
  const hi = (w0 << s) >>> s; // low hiBits bits of w0
  return (hi * 2 ** loBits + (words[wi + 1]! >>> (32 - loBits))) >>> 0;
}

const maskCache = new Map<string, Uint32Array>();

/** Every `bits`-bit XOR mask with at most `radius` set bits (cached). */
function probeMasks(bits: number, radius: number): Uint32Array {
  const key = `${bits}:${radius}`;
  const cached = maskCache.get(key);
  if (cached) return cached;
  const out: number[] = [0];
  const rec = (start: number, left: number, acc: number) => {
    for (let b = start; b < bits; b++) {
      const m = (acc | (1 << b)) >>> 0;
      out.push(m);
      if (left > 1) rec(b + 1, left - 1, m);
    }
  };
  if (radius > 0) rec(0, radius, 0);
  const masks = Uint32Array.from(out);
  if (masks.length <= 1 << 20) maskCache.set(key, masks);
  return masks;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** A multi-index over a hash list; queries return exactly what `bruteForceQuery` returns. */
export class MihIndex {
  readonly list: PdqHashList;
  readonly chunks: number;
  private readonly tables: ChunkTable[];
  private readonly seen: Uint32Array;
  private stamp = 0;

  constructor(list: PdqHashList, options: MihOptions = {}) {
    const m = options.chunks ?? defaultChunkCount(list.length);
    const maxTableBits = options.maxTableBits ?? 24;
    if (!Number.isInteger(m) || m < 8 || m > 32) {
      throw new FulcrumError<PdqErrorCode>('pdq.bad_argument', 'chunk count must be 8..32', { detail: { chunks: m } });
    }
    if (!Number.isInteger(maxTableBits) || maxTableBits < 1 || maxTableBits > 28) {
      throw new FulcrumError<PdqErrorCode>('pdq.bad_argument', 'maxTableBits must be 1..28');
    }
    if (list.length >= 2 ** 32 - 1) {
      throw new FulcrumError<PdqErrorCode>('pdq.too_large', 'at most 2^32 - 2 hashes per index');
    }
    this.list = list;
    this.chunks = m;
    this.seen = new Uint32Array(list.length);
    const n = list.length;
    // Buckets of about one entry: no point addressing more bits than log2 N.
    const sizeBits = Math.max(1, Math.ceil(Math.log2(Math.max(2, n))));
    this.tables = [];
    let offset = 0;
    for (let c = 0; c < m; c++) {
      const width = Math.floor(256 / m) + (c < 256 % m ? 1 : 0);
      const tableBits = Math.min(width, maxTableBits, sizeBits);
      this.tables.push(buildTable(list.words, n, offset, width, tableBits));
      offset += width;
    }
  }

  /** Bytes held by the tables (excluding the list itself). */
  get memoryBytes(): number {
    let b = this.seen.byteLength;
    for (const t of this.tables) b += t.starts.byteLength + t.ids.byteLength + (t.keys?.byteLength ?? 0);
    return b;
  }

  /** Every hash within `radius` of `query`, sorted by list index. */
  query(query: PdqHash, radius = DEFAULT_MATCH_RADIUS): PdqMatch[] {
    checkRadius(radius);
    const q = packQuery(query);
    const words = this.list.words;
    const s = Math.floor(radius / this.chunks);
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const seen = this.seen;
    const out: PdqMatch[] = [];
    for (const t of this.tables) {
      const qv = chunkValue(q, 0, t.offset, t.width);
      const shift = t.width - t.tableBits;
      const qTop = qv >>> shift;
      const masks = probeMasks(t.tableBits, Math.min(s, t.tableBits));
      const { starts, ids, keys } = t;
      for (let p = 0; p < masks.length; p++) {
        const bucket = (qTop ^ masks[p]!) >>> 0;
        const end = starts[bucket + 1]!;
        for (let e = starts[bucket]!; e < end; e++) {
          if (keys !== undefined && popcount((keys[e]! ^ qv) >>> 0) > s) continue;
          const id = ids[e]!;
          if (seen[id] === stamp) continue;
          seen[id] = stamp;
          const d = distanceAtMost(words, id, q, radius);
          if (d <= radius) out.push({ index: id, distance: d });
        }
      }
    }
    out.sort((a, b) => a.index - b.index);
    return out;
  }
}

/**
 * Groups all hashes by the top `tableBits` of one chunk (CSR layout). A
 * direct counting sort scatters into a table of 2^tableBits counters (64 MB
 * at 24 bits), one cache miss per hash; instead sort (bucket, id) pairs with
 * an LSD radix sort on 12-bit digits (small, cache-resident histograms), then
 * fill `starts` in one sequential pass.
 */
function buildTable(words: Uint32Array, n: number, offset: number, width: number, tableBits: number): ChunkTable {
  const shift = width - tableBits;
  const buckets = 2 ** tableBits;
  let keyA = new Uint32Array(n);
  let idA = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    keyA[i] = chunkValue(words, i * WORDS_PER_HASH, offset, width);
    idA[i] = i;
  }
  let keyB = new Uint32Array(n);
  let idB = new Uint32Array(n);
  const count = new Uint32Array(4096);
  for (let lo = shift; lo < width; lo += 12) {
    const bits = Math.min(12, width - lo);
    const mask = (1 << bits) - 1;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keyA[i]! >>> lo) & mask]!++;
    let sum = 0;
    for (let d = 0; d <= mask; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keyA[i]!;
      const pos = count[(k >>> lo) & mask]!++;
      keyB[pos] = k;
      idB[pos] = idA[i]!;
    }
    [keyA, keyB] = [keyB, keyA];
    [idA, idB] = [idB, idA];
  }
  const starts = new Uint32Array(buckets + 1);
  let b = 0;
  for (let i = 0; i < n; i++) {
    const top = keyA[i]! >>> shift;
    while (b < top) starts[++b] = i;
  }
  while (b < buckets) starts[++b] = n;
  return { offset, width, tableBits, starts, ids: idA, keys: shift === 0 ? undefined : keyA };
}
