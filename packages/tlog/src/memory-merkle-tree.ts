import { tlogError } from './errors.js';
import type { HashReader, SubtreeId } from './hash-reader.js';
import { HASH_SIZE, assertHash, foldSubtrees, hashChildren, hashLeaf } from './merkle-hash.js';
import { subtreesOfRange } from './hash-reader.js';
import { type TreeSize, treeSize as toTreeSize } from './sizes.js';

/** One level of complete-subtree hashes in a single growable buffer (no per-hash objects). */
class HashLevel {
  private buf = new Uint8Array(HASH_SIZE * 16);
  count = 0;

  push(hash: Uint8Array): void {
    if ((this.count + 1) * HASH_SIZE > this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf.set(hash, this.count * HASH_SIZE);
    this.count++;
  }

  /** A view (no copy) of hash i. */
  view(i: number): Uint8Array {
    return this.buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
  }
}

/**
 * An append-only Merkle tree held in memory: every complete-subtree hash, stored once
 * (about 64 bytes per entry). It implements the `HashReader` port, so proofs, tiles and roots
 * work against it exactly as against a server's storage. Use it for tests, tools and
 * benchmarks, and as the reference the storage-backed readers are checked against.
 */
export class MemoryMerkleTree implements HashReader {
  private readonly levels: HashLevel[] = [new HashLevel()];

  /** Number of entries appended. */
  get size(): TreeSize {
    return (this.levels[0] as HashLevel).count as TreeSize;
  }

  /** Appends an entry (hashed as a leaf) and returns its index. */
  append(entry: Uint8Array): number {
    return this.appendLeafHash(hashLeaf(entry));
  }

  /** Appends an already computed leaf hash and returns its index. */
  appendLeafHash(leafHash: Uint8Array): number {
    assertHash(leafHash, 'leaf hash');
    const index: number = this.size;
    let level = 0;
    let hash = leafHash;
    let i = index;
    for (;;) {
      let lv = this.levels[level];
      if (lv === undefined) {
        lv = new HashLevel();
        this.levels.push(lv);
      }
      lv.push(hash);
      // A right child completes its parent.
      if (i % 2 === 0) break;
      hash = hashChildren(lv.view(i - 1), lv.view(i));
      i = (i - 1) / 2;
      level++;
    }
    return index;
  }

  /** The hash of complete subtree (level, index); throws `tlog.reader_failed` if it is not complete yet. */
  subtreeHash(id: SubtreeId): Uint8Array {
    const lv = this.levels[id.level];
    if (lv === undefined || !Number.isSafeInteger(id.index) || id.index < 0 || id.index >= lv.count) {
      throw tlogError('tlog.reader_failed', 'subtree is not complete in this tree', {
        level: id.level,
        index: id.index,
      });
    }
    return lv.view(id.index).slice();
  }

  readHashes(ids: readonly SubtreeId[]): Uint8Array[] {
    return ids.map((id) => this.subtreeHash(id));
  }

  /** The root hash at any size up to the current one (older roots stay computable). */
  root(size: number = this.size): Uint8Array {
    toTreeSize(size);
    if (size > this.size) throw tlogError('tlog.bad_size', 'size is beyond the tree', { size, treeSize: this.size });
    return foldSubtrees(subtreesOfRange(0, size).map((id) => this.subtreeHash(id)));
  }
}
