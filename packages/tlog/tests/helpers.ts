/**
 * Shared test helpers for @fulcrum/tlog: error-code capture, a naive (recursive, textbook)
 * RFC 9162 reference to check the real code against. (The linear-cost check is
 * `unsafeAssertLinearCost` from `@fulcrum/common/testing`.)
 * Nothing here is used by the package itself.
 */
import { FulcrumError, decodeBase64, decodeHex } from '@fulcrum/common';
import { sha256 } from '@noble/hashes/sha2.js';

export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FulcrumError) return e.code;
    throw e;
  }
  return 'no error';
}

export async function asyncCodeOf(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof FulcrumError) return e.code;
    throw e;
  }
  return 'no error';
}

/** Permissive base64 for vector fields (some probes hold non-canonical garbage on purpose). */
export function b64(text: string): Uint8Array {
  try {
    return decodeBase64(text);
  } catch {
    const bin = atob(text);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  }
}

export const hex = (text: string): Uint8Array => decodeHex(text);

// --- Naive RFC 9162 §2.1 reference, straight from the recursive definitions. ---

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
export const refLeaf = (d: Uint8Array) => sha256(cat(new Uint8Array([0]), d));
export const refNode = (l: Uint8Array, r: Uint8Array) => sha256(cat(new Uint8Array([1]), l, r));
const kOf = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
/** MTH over leaf hashes. */
export function refMth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0] as Uint8Array;
  const k = kOf(leaves.length);
  return refNode(refMth(leaves.slice(0, k)), refMth(leaves.slice(k)));
}
/** PATH(m, D[n]) over leaf hashes. */
export function refPath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = kOf(leaves.length);
  return m < k
    ? [...refPath(m, leaves.slice(0, k)), refMth(leaves.slice(k))]
    : [...refPath(m - k, leaves.slice(k)), refMth(leaves.slice(0, k))];
}
/** PROOF(m, D[n]) over leaf hashes. */
export function refProof(m: number, leaves: Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
    if (m === d.length) return b ? [] : [refMth(d)];
    const k = kOf(d.length);
    return m <= k
      ? [...sub(m, d.slice(0, k), b), refMth(d.slice(k))]
      : [...sub(m - k, d.slice(k), false), refMth(d.slice(0, k))];
  };
  return sub(m, leaves, true);
}
