import { sha256 } from '@noble/hashes/sha2.js';
import { tlogError } from './errors.js';

/** Bytes in every Merkle hash (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** RFC 9162 §2.1.1: the hash of an empty tree is SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/**
 * A one-shot SHA-256. Hashing is @noble/hashes' by default; a runtime with a native SHA-256
 * (Node's `crypto.hash`, ~2.5x faster on 65 bytes) may hand its own to the log's integration
 * step (`integrateEntries`, `TileBuilder`; the `…With` variants here). It must return the 32-byte
 * digest of `data`.
 */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** RFC 9162 §2.1.1: leaf hash = SHA-256(0x00 || entry). */
export function hashLeaf(entry: Uint8Array): Uint8Array {
  return hashLeafWith(undefined, entry);
}

/**
 * `hashLeaf` with `hash` (undefined: the default). The SHA-256 comes first and is not optional,
 * so `entries.map(hashLeaf)` can never pass an index where a function is expected.
 */
export function hashLeafWith(hash: Sha256 | undefined, entry: Uint8Array): Uint8Array {
  if (hash === undefined) return sha256.create().update(LEAF_PREFIX).update(entry).digest();
  const input = new Uint8Array(1 + entry.length); // input[0] = 0x00
  input.set(entry, 1);
  return hash(input);
}

/**
 * RFC 9162 §2.1.1: interior node hash = SHA-256(0x01 || left || right).
 * Inputs are not length-checked here (the RFC vectors hash short strings); every
 * public proof function checks 32-byte hashes before calling it.
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hashChildrenWith(undefined, left, right);
}

/** `hashChildren` with `hash` (undefined: the default). */
export function hashChildrenWith(hash: Sha256 | undefined, left: Uint8Array, right: Uint8Array): Uint8Array {
  if (hash === undefined) return sha256.create().update(NODE_PREFIX).update(left).update(right).digest();
  const input = new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return hash(input);
}

/** Throws `tlog.bad_hash_length` unless `hash` is a 32-byte Uint8Array. */
export function assertHash(hash: Uint8Array, what = 'hash'): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw tlogError('tlog.bad_hash_length', `${what} must be ${HASH_SIZE} bytes`, {
      what,
      actual: hash instanceof Uint8Array ? hash.length : null,
    });
  }
  return hash;
}

/**
 * The Merkle Tree Hash (RFC 9162 §2.1.1) of a list of leaf hashes, in O(n) time and
 * O(log n) memory: a stack of complete subtrees merged as they fill, then folded right to left
 * (the right-most, smaller subtrees are hashed first, exactly as MTH's recursion does).
 */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  return rootFromLeafHashesWith(undefined, leafHashes);
}

/** `rootFromLeafHashes` with `hash` (undefined: the default). */
export function rootFromLeafHashesWith(hash: Sha256 | undefined, leafHashes: readonly Uint8Array[]): Uint8Array {
  const stack: { hash: Uint8Array; size: number }[] = [];
  for (const leaf of leafHashes) {
    let node = { hash: leaf, size: 1 };
    let top = stack[stack.length - 1];
    while (top !== undefined && top.size === node.size) {
      stack.pop();
      node = { hash: hashChildrenWith(hash, top.hash, node.hash), size: node.size * 2 };
      top = stack[stack.length - 1];
    }
    stack.push(node);
  }
  return foldSubtreesWith(
    hash,
    stack.map((s) => s.hash),
  );
}

/**
 * Folds the hashes of the complete subtrees that tile [0, n) (left to right, strictly
 * decreasing sizes) into MTH(D[0:n]); empty list → EMPTY_ROOT.
 */
export function foldSubtrees(hashes: readonly Uint8Array[]): Uint8Array {
  return foldSubtreesWith(undefined, hashes);
}

/** `foldSubtrees` with `hash` (undefined: the default). */
export function foldSubtreesWith(hash: Sha256 | undefined, hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1] as Uint8Array;
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildrenWith(hash, hashes[i] as Uint8Array, acc);
  return acc;
}
