import { constantTimeEqual } from '@fulcrum/common';
import { tlogError } from './errors.js';
import { type EntryRange, type HashReader, readRangeHashes } from './hash-reader.js';
import { assertHash, hashChildren } from './merkle-hash.js';
import {
  type LeafIndex,
  type TreeSize,
  bitLength,
  largestPowerOfTwoBelow,
  leafIndex as toLeafIndex,
  treeSize as toTreeSize,
  popCount,
  shiftRight,
  xor,
} from './sizes.js';

/** A verified inclusion: the leaf hash is at `leafIndex` in the tree of `treeSize` with root `rootHash`. */
export interface VerifiedInclusion {
  readonly leafIndex: LeafIndex;
  readonly treeSize: TreeSize;
  readonly leafHash: Uint8Array;
  readonly rootHash: Uint8Array;
}

/**
 * The number of hashes in the inclusion proof of `index` in a tree of `size`
 * (the inner part below the point where the path meets the right border, plus the border).
 */
export function inclusionProofLength(index: number, size: number): number {
  const inner = bitLength(xor(index, size - 1));
  const border = popCount(shiftRight(index, inner));
  return inner + border;
}

/**
 * The ranges whose hashes form PATH(m, D[0:n]) (RFC 9162 §2.1.3.1), leaf sibling first,
 * root child last. Throws `tlog.index_out_of_range` unless index < size.
 */
export function inclusionProofRanges(index: number, size: number): EntryRange[] {
  toLeafIndex(index);
  toTreeSize(size);
  if (index >= size)
    throw tlogError('tlog.index_out_of_range', 'leaf index is not below the tree size', { index, size });
  const topDown: EntryRange[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      topDown.push({ start: lo + k, end: hi }); // PATH(m, D[0:k]) : MTH(D[k:n])
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k }); // PATH(m - k, D[k:n]) : MTH(D[0:k])
      lo = lo + k;
    }
  }
  return topDown.reverse();
}

/**
 * Generates the inclusion proof for entry `index` in the tree of `size` (RFC 9162 §2.1.3.1),
 * reading complete-subtree hashes through the storage port.
 */
export async function createInclusionProof(index: number, size: number, reader: HashReader): Promise<Uint8Array[]> {
  return readRangeHashes(reader, inclusionProofRanges(index, size));
}

/**
 * Recomputes the root from a leaf hash and its inclusion proof (RFC 9162 §2.1.3.2 steps 1-4).
 * Throws `tlog.index_out_of_range`, `tlog.bad_hash_length` or `tlog.bad_proof_length`.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array {
  toLeafIndex(index);
  toTreeSize(size);
  // Step 1: leaf_index >= tree_size fails.
  if (index >= size)
    throw tlogError('tlog.index_out_of_range', 'leaf index is not below the tree size', { index, size });
  assertHash(leafHash, 'leaf hash');
  if (!Array.isArray(proof)) throw tlogError('tlog.bad_proof_length', 'proof must be an array of hashes');
  // The RFC loop also fails on a wrong length (via sn); checking first gives the precise code.
  const expected = inclusionProofLength(index, size);
  if (proof.length !== expected) {
    throw tlogError('tlog.bad_proof_length', 'inclusion proof has the wrong number of hashes', {
      expected,
      actual: proof.length,
    });
  }
  for (const [i, p] of proof.entries()) assertHash(p, `proof[${i}]`);
  // Steps 2-4.
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) throw tlogError('tlog.bad_proof_length', 'inclusion proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = shiftRight(fn, 1);
          sn = shiftRight(sn, 1);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = shiftRight(fn, 1);
    sn = shiftRight(sn, 1);
  }
  // Step 5 (first half): sn must have reached 0.
  if (sn !== 0) throw tlogError('tlog.bad_proof_length', 'inclusion proof is too short');
  return r;
}

export interface InclusionProofInput {
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: Uint8Array;
  readonly proof: readonly Uint8Array[];
  readonly rootHash: Uint8Array;
}

/**
 * Verifies an inclusion proof (RFC 9162 §2.1.3.2) and returns what it proves. Throws
 * `tlog.index_out_of_range`, `tlog.bad_hash_length`, `tlog.bad_proof_length` or
 * `tlog.root_mismatch`. The root is compared as an opaque byte string (any other length
 * simply never matches).
 */
export function verifyInclusion(input: InclusionProofInput): VerifiedInclusion {
  const computed = rootFromInclusionProof(input.leafIndex, input.treeSize, input.leafHash, input.proof);
  if (!(input.rootHash instanceof Uint8Array) || !constantTimeEqual(computed, input.rootHash)) {
    throw tlogError('tlog.root_mismatch', 'inclusion proof does not lead to the expected root');
  }
  return {
    leafIndex: input.leafIndex as LeafIndex,
    treeSize: input.treeSize as TreeSize,
    leafHash: input.leafHash,
    rootHash: computed,
  };
}
