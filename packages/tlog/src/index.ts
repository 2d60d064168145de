// @fulcrum/tlog: RFC 9162 Merkle hashing and proofs, C2SP signed notes, checkpoints, tiles,
// proofs, policies, witness logic, typed log entries and key-transparency labels. Pure (std).

export { tlogError } from './errors.js';
export type { TlogError, TlogErrorCode } from './errors.js';

export {
  MAX_TREE_SIZE,
  leafIndex,
  parseLeafIndex,
  parseTreeSize,
  treeSize,
} from './sizes.js';
export type { LeafIndex, TreeSize } from './sizes.js';

export {
  EMPTY_ROOT,
  HASH_SIZE,
  assertHash,
  foldSubtrees,
  hashChildren,
  hashLeaf,
  rootFromLeafHashes,
} from './merkle-hash.js';
export { readRangeHashes, subtreesOfRange } from './hash-reader.js';
export type { EntryRange, HashReader, SubtreeId } from './hash-reader.js';
export {
  createInclusionProof,
  inclusionProofLength,
  inclusionProofRanges,
  rootFromInclusionProof,
  verifyInclusion,
} from './inclusion-proof.js';
export type { InclusionProofInput, VerifiedInclusion } from './inclusion-proof.js';
export {
  consistencyProofLength,
  consistencyProofRanges,
  createConsistencyProof,
  verifyConsistency,
} from './consistency-proof.js';
export type { ConsistencyProofInput, VerifiedConsistency } from './consistency-proof.js';
export { treeRoot } from './tree-head.js';
export { MemoryMerkleTree } from './memory-merkle-tree.js';
