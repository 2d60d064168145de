import { type HashReader, readRangeHashes } from './hash-reader.js';
import { treeSize as toTreeSize } from './sizes.js';

/**
 * The root hash (Merkle Tree Hash, RFC 9162 §2.1.1) of the first `size` entries, computed from
 * at most log2(size) complete-subtree hashes read through the storage port. Size 0 gives
 * SHA-256("").
 */
export async function treeRoot(size: number, reader: HashReader): Promise<Uint8Array> {
  toTreeSize(size);
  const [root] = await readRangeHashes(reader, [{ start: 0, end: size }]);
  return root as Uint8Array;
}
