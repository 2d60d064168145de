import { constantTimeEqual } from '@fulcrum/common';
import { tlogError } from './errors.js';
import { type EntryRange, type HashReader, readRangeHashes } from './hash-reader.js';
import { EMPTY_ROOT, assertHash, hashChildren } from './merkle-hash.js';
import {
  type TreeSize,
  bitLength,
  largestPowerOfTwoBelow,
  popCount,
  shiftRight,
  trailingZeros,
  treeSize as toTreeSize,
  xor,
} from './sizes.js';

/** A verified consistency: the tree of `oldSize` with `oldRoot` is a prefix of the tree of `newSize` with `newRoot`. */
export interface VerifiedConsistency {
  readonly oldSize: TreeSize;
  readonly newSize: TreeSize;
  readonly oldRoot: Uint8Array;
  readonly newRoot: Uint8Array;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** (bitLength(n) - 1) === n;
}

/** The number of hashes in the consistency proof from size1 to size2 (0 < size1 < size2). */
export function consistencyProofLength(size1: number, size2: number): number {
  const shift = trailingZeros(size1);
  const start = shiftRight(size1 - 1, shift);
  const end = shiftRight(size2 - 1, shift);
  const inner = bitLength(xor(start, end));
  const border = popCount(shiftRight(start, inner));
  return inner + border + (isPowerOfTwo(size1) ? 0 : 1);
}

function checkSizes(size1: number, size2: number): void {
  toTreeSize(size1);
  toTreeSize(size2);
  if (size1 > size2) throw tlogError('tlog.bad_size', 'old size is larger than new size', { size1, size2 });
}

/**
 * The ranges whose hashes form PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) (RFC 9162 §2.1.4.1),
 * deepest first. Empty when size1 == size2, and (by the C2SP tlog-witness rule, not the RFC)
 * when size1 == 0: the empty tree is consistent with every tree.
 */
export function consistencyProofRanges(size1: number, size2: number): EntryRange[] {
  checkSizes(size1, size2);
  if (size1 === 0 || size1 === size2) return [];
  const topDown: EntryRange[] = [];
  let m = size1;
  let lo = 0;
  let hi = size2;
  let b = true;
  while (m !== hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      topDown.push({ start: lo + k, end: hi }); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      hi = lo + k;
    } else {
      topDown.push({ start: lo, end: lo + k }); // SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
      m -= k;
      lo += k;
      b = false;
    }
  }
  // m == n: SUBPROOF is [] when b, else [MTH(D[0:m])].
  if (!b) topDown.push({ start: lo, end: hi });
  return topDown.reverse();
}

/** Generates the consistency proof from size1 to size2 (RFC 9162 §2.1.4.1) through the storage port. */
export async function createConsistencyProof(size1: number, size2: number, reader: HashReader): Promise<Uint8Array[]> {
  return readRangeHashes(reader, consistencyProofRanges(size1, size2));
}

export interface ConsistencyProofInput {
  readonly oldSize: number;
  readonly newSize: number;
  readonly oldRoot: Uint8Array;
  readonly newRoot: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

function rootsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a instanceof Uint8Array && b instanceof Uint8Array && constantTimeEqual(a, b);
}

/**
 * Verifies a consistency proof (RFC 9162 §2.1.4.2) and returns what it proves.
 * Edge rules (those of transparency-dev/merkle, which the vectors encode):
 *  - oldSize > newSize → `tlog.bad_size`;
 *  - oldSize == newSize → the proof must be empty (`tlog.bad_proof_length`) and the roots
 *    byte-identical (`tlog.root_mismatch`: for two checkpoints this is a fork), and equal to
 *    SHA-256("") when the size is 0;
 *  - oldSize == 0 < newSize → `tlog.bad_size` (a proof from the empty tree proves nothing;
 *    the witness protocol handles "old 0" itself).
 * Proof hashes must be 32 bytes, and so must both roots when the sizes differ (with equal
 * sizes the roots are only compared, as opaque byte strings).
 */
export function verifyConsistency(input: ConsistencyProofInput): VerifiedConsistency {
  const { oldSize, newSize, oldRoot, newRoot, proof } = input;
  checkSizes(oldSize, newSize);
  if (!Array.isArray(proof)) throw tlogError('tlog.bad_proof_length', 'proof must be an array of hashes');
  const verified = (): VerifiedConsistency => ({
    oldSize: oldSize as TreeSize,
    newSize: newSize as TreeSize,
    oldRoot,
    newRoot,
  });
  if (oldSize === newSize) {
    if (proof.length !== 0) throw tlogError('tlog.bad_proof_length', 'equal sizes need an empty proof');
    if (!rootsEqual(oldRoot, newRoot)) {
      throw tlogError('tlog.root_mismatch', 'two different roots for the same tree size', { size: oldSize });
    }
    // The empty tree has exactly one root (RFC 9162 §2.1.1).
    if (oldSize === 0 && !rootsEqual(oldRoot, EMPTY_ROOT)) {
      throw tlogError('tlog.root_mismatch', 'the root of the empty tree must be SHA-256("")');
    }
    return verified();
  }
  if (oldSize === 0) throw tlogError('tlog.bad_size', 'a consistency proof from the empty tree proves nothing');
  const expected = consistencyProofLength(oldSize, newSize);
  if (proof.length !== expected) {
    throw tlogError('tlog.bad_proof_length', 'consistency proof has the wrong number of hashes', {
      expected,
      actual: proof.length,
    });
  }
  for (const [i, p] of proof.entries()) assertHash(p, `proof[${i}]`);
  // With different sizes the old root enters the hash chain, so it must be a real hash.
  assertHash(oldRoot, 'old root');
  assertHash(newRoot, 'new root');

  // Step 2: if first is an exact power of 2, prepend first_hash.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  // Steps 3-4.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = shiftRight(fn, 1);
    sn = shiftRight(sn, 1);
  }
  // Step 5.
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) throw tlogError('tlog.bad_proof_length', 'consistency proof is too long');
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = shiftRight(fn, 1);
          sn = shiftRight(sn, 1);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = shiftRight(fn, 1);
    sn = shiftRight(sn, 1);
  }
  // Step 7.
  if (sn !== 0) throw tlogError('tlog.bad_proof_length', 'consistency proof is too short');
  if (!rootsEqual(fr, oldRoot)) throw tlogError('tlog.root_mismatch', 'consistency proof does not match the old root');
  if (!rootsEqual(sr, newRoot)) throw tlogError('tlog.root_mismatch', 'consistency proof does not match the new root');
  return verified();
}
