import { tlogError } from './errors.js';
import { HASH_SIZE, foldSubtrees } from './merkle-hash.js';
import { bitLength, trailingZeros } from './sizes.js';

/**
 * A complete (perfect) subtree of the log: `level` L and `index` n cover the 2^L entries
 * D[n·2^L : (n+1)·2^L]. Its hash never changes once the log holds (n+1)·2^L entries, which
 * is why storage can hand it out for any later tree size.
 */
export interface SubtreeId {
  readonly level: number;
  readonly index: number;
}

/**
 * The storage port every proof generator reads from: the hash of each requested complete
 * subtree (level 0 = leaf hashes). A server backs it with its database or its tiles
 * (`createTileHashReader`); tests back it with `MemoryMerkleTree`. It may answer synchronously
 * or with a Promise, and must return exactly one 32-byte hash per id, in order.
 */
export interface HashReader {
  readHashes(ids: readonly SubtreeId[]): Promise<readonly Uint8Array[]> | readonly Uint8Array[];
}

/** A half-open range of entries [start, end) whose Merkle Tree Hash a proof needs. */
export interface EntryRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Splits [start, end) into the complete subtrees that tile it, left to right with strictly
 * decreasing sizes, as RFC 9162's MTH recursion splits a range that starts on a subtree
 * boundary (every range a proof needs does). An empty range gives no subtrees.
 */
export function subtreesOfRange(start: number, end: number): SubtreeId[] {
  const out: SubtreeId[] = [];
  let lo = start;
  while (lo < end) {
    // Largest aligned power of two starting at lo that fits before end.
    let level = bitLength(end - lo) - 1;
    if (lo > 0) level = Math.min(level, trailingZeros(lo));
    const size = 2 ** level;
    out.push({ level, index: lo / size });
    lo += size;
  }
  return out;
}

/**
 * Reads the Merkle Tree Hash of each range through `reader`, with one batched read.
 * Throws `tlog.reader_failed` if the reader answers with the wrong count or hash length.
 */
export async function readRangeHashes(reader: HashReader, ranges: readonly EntryRange[]): Promise<Uint8Array[]> {
  const perRange = ranges.map((r) => subtreesOfRange(r.start, r.end));
  const ids = perRange.flat();
  const hashes = ids.length === 0 ? [] : await reader.readHashes(ids);
  if (!Array.isArray(hashes) || hashes.length !== ids.length) {
    throw tlogError('tlog.reader_failed', 'hash reader returned the wrong number of hashes', {
      expected: ids.length,
      actual: Array.isArray(hashes) ? hashes.length : null,
    });
  }
  let i = 0;
  return perRange.map((subtrees) => {
    const parts = hashes.slice(i, i + subtrees.length) as Uint8Array[];
    i += subtrees.length;
    for (const h of parts) {
      if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
        throw tlogError('tlog.reader_failed', 'hash reader returned a hash that is not 32 bytes');
      }
    }
    return foldSubtrees(parts);
  });
}
