import { FulcrumError } from '@fulcrum/common';
import type { PdqErrorCode } from './errors.js';
import { PDQ_HASH_BYTES } from './hash256.js';
import { type PdqHashList, WORDS_PER_HASH } from './hash-list.js';

/**
 * Compact binary hash list, version 1 (all integers big-endian):
 *
 *   offset 0   4 bytes  magic "FPDQ"
 *          4   1 byte   version = 1
 *          5   1 byte   flags: bit 0 = qualities present, bit 1 = ids present; others 0
 *          6   2 bytes  reserved = 0
 *          8   4 bytes  count N
 *         12   32*N     hashes, canonical bytes (as the hex text reads)
 *              N        qualities (0..100, 255 = unknown)        if flag 0
 *              4*(N+1)  id offsets into the id blob (0 first, non-decreasing) if flag 1
 *              ...      id blob, UTF-8, ids concatenated        if flag 1
 *
 * No padding, no trailing bytes. It carries no checksum: transport integrity
 * (TLS, a signed manifest) is the caller's job. Loading is one pass over the
 * hash bytes (~40 ms per million here); ids are decoded only when asked for.
 */
export const BINARY_LIST_MAGIC = 'FPDQ';
export const BINARY_LIST_VERSION = 1;
/** Default cap on hashes per binary list (100M = 3.2 GB of hashes). */
export const MAX_BINARY_LIST_HASHES = 100_000_000;

const HEADER = 12;

function bad(message: string, detail?: Record<string, unknown>): FulcrumError<PdqErrorCode> {
  return new FulcrumError<PdqErrorCode>('pdq.bad_binary_list', message, detail ? { detail } : undefined);
}

/** Encodes a list (hashes, and its qualities and ids where it has them). */
export function encodeHashListBinary(list: PdqHashList): Uint8Array {
  const n = list.length;
  const idBytes: Uint8Array[] = [];
  let anyId = false;
  for (let i = 0; i < n; i++) if (list.id(i) !== undefined) anyId = true;
  let idTotal = 0;
  if (anyId) {
    const enc = new TextEncoder();
    for (let i = 0; i < n; i++) {
      const b = enc.encode(list.id(i) ?? '');
      idBytes.push(b);
      idTotal += b.length;
    }
  }
  const hasQ = list.qualities !== undefined;
  const size = HEADER + n * PDQ_HASH_BYTES + (hasQ ? n : 0) + (anyId ? 4 * (n + 1) + idTotal : 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set([0x46, 0x50, 0x44, 0x51, BINARY_LIST_VERSION, (hasQ ? 1 : 0) | (anyId ? 2 : 0), 0, 0]);
  dv.setUint32(8, n);
  let p = HEADER;
  const w = list.words;
  for (let k = 0; k < n * WORDS_PER_HASH; k++, p += 4) dv.setUint32(p, w[k]!);
  if (hasQ) {
    out.set(list.qualities!, p);
    p += n;
  }
  if (anyId) {
    let off = 0;
    dv.setUint32(p, 0);
    for (let i = 0; i < n; i++) {
      off += idBytes[i]!.length;
      dv.setUint32(p + 4 * (i + 1), off);
    }
    p += 4 * (n + 1);
    for (const b of idBytes) {
      out.set(b, p);
      p += b.length;
    }
  }
  return out;
}

/** Decodes a binary list, checking every length and offset; throws `pdq.bad_binary_list` or `pdq.too_large`. */
export function decodeHashListBinary(bytes: Uint8Array, options: { maxHashes?: number } = {}): PdqHashList {
  const maxHashes = options.maxHashes ?? MAX_BINARY_LIST_HASHES;
  if (bytes.length < HEADER) throw bad('shorter than the header');
  if (bytes[0] !== 0x46 || bytes[1] !== 0x50 || bytes[2] !== 0x44 || bytes[3] !== 0x51) throw bad('bad magic');
  if (bytes[4] !== BINARY_LIST_VERSION) throw bad('unsupported version', { version: bytes[4] });
  const flags = bytes[5]!;
  if ((flags & ~3) !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw bad('unknown flags or reserved bits set');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(8);
  if (n > maxHashes) {
    throw new FulcrumError<PdqErrorCode>('pdq.too_large', 'the list has more hashes than allowed', {
      detail: { limit: maxHashes, count: n },
    });
  }
  const hasQ = (flags & 1) !== 0;
  const hasIds = (flags & 2) !== 0;
  const fixed = HEADER + n * PDQ_HASH_BYTES + (hasQ ? n : 0) + (hasIds ? 4 * (n + 1) : 0);
  if (bytes.length < fixed) throw bad('truncated', { expectedAtLeast: fixed, actual: bytes.length });
  const words = new Uint32Array(n * WORDS_PER_HASH);
  let p = HEADER;
  for (let k = 0; k < words.length; k++, p += 4) words[k] = dv.getUint32(p);
  let qualities: Uint8Array | undefined;
  if (hasQ) {
    qualities = bytes.slice(p, p + n);
    for (let i = 0; i < n; i++)
      if (qualities[i]! > 100 && qualities[i] !== 255) throw bad('quality out of range', { index: i });
    p += n;
  }
  let id: (i: number) => string | undefined = () => undefined;
  if (hasIds) {
    const offsets = new Uint32Array(n + 1);
    for (let i = 0; i <= n; i++) offsets[i] = dv.getUint32(p + 4 * i);
    p += 4 * (n + 1);
    const blobLength = bytes.length - p;
    if (offsets[0] !== 0 || offsets[n] !== blobLength) throw bad('id offsets do not span the id blob');
    for (let i = 0; i < n; i++) if (offsets[i]! > offsets[i + 1]!) throw bad('id offsets decrease', { index: i });
    const blob = bytes.slice(p);
    const dec = new TextDecoder('utf-8', { fatal: true });
    id = (i) => {
      if (!Number.isInteger(i) || i < 0 || i >= n) return undefined;
      const s = offsets[i]!;
      const e = offsets[i + 1]!;
      if (s === e) return undefined;
      try {
        return dec.decode(blob.subarray(s, e));
      } catch (err) {
        throw new FulcrumError<PdqErrorCode>('pdq.bad_binary_list', 'id is not valid UTF-8', {
          cause: err,
          detail: { index: i },
        });
      }
    };
  } else if (bytes.length !== fixed) {
    throw bad('trailing bytes after the list');
  }
  return { length: n, words, qualities, id };
}
