import { FulcrumError } from '@fulcrum/common';
import type { PdqErrorCode } from './errors.js';
import { PDQ_HASH_BYTES, type PdqHash } from './hash256.js';

/** Words per packed hash: 8 x 32 bits. */
export const WORDS_PER_HASH = 8;
/** Quality value stored when a list gives none. */
export const QUALITY_UNKNOWN = 255;

/**
 * A list of hashes packed for fast matching: hash i is `words[8i .. 8i+7]`,
 * each word four bytes of the canonical hash, big-endian (so word 0 is the
 * first 8 hex digits). Optional per-hash quality (255 = unknown) and id.
 */
export interface PdqHashList {
  readonly length: number;
  readonly words: Uint32Array;
  readonly qualities: Uint8Array | undefined;
  /** Id (path, database key, ...) of hash i, or undefined; decoded lazily for binary lists. */
  id(i: number): string | undefined;
}

/** Packs one hash into `words` at hash slot `i`. */
export function packHashInto(hash: PdqHash, words: Uint32Array, i: number): void {
  const o = i * WORDS_PER_HASH;
  for (let k = 0; k < WORDS_PER_HASH; k++) {
    const b = 4 * k;
    words[o + k] = ((hash[b]! << 24) | (hash[b + 1]! << 16) | (hash[b + 2]! << 8) | hash[b + 3]!) >>> 0;
  }
}

/** The hash at slot `i` of a packed list, as canonical bytes. */
export function unpackHash(words: Uint32Array, i: number): PdqHash {
  const out = new Uint8Array(PDQ_HASH_BYTES);
  const o = i * WORDS_PER_HASH;
  for (let k = 0; k < WORDS_PER_HASH; k++) {
    const w = words[o + k]!;
    out[4 * k] = w >>> 24;
    out[4 * k + 1] = (w >>> 16) & 255;
    out[4 * k + 2] = (w >>> 8) & 255;
    out[4 * k + 3] = w & 255;
  }
  return out as PdqHash;
}

/** Packs hashes (and optional ids / qualities, same length) into a list. */
export function createHashList(
  hashes: readonly PdqHash[],
  extra: { ids?: readonly (string | undefined)[]; qualities?: readonly (number | undefined)[] } = {},
): PdqHashList {
  const n = hashes.length;
  if ((extra.ids && extra.ids.length !== n) || (extra.qualities && extra.qualities.length !== n)) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_argument', 'ids and qualities must have one entry per hash');
  }
  const words = new Uint32Array(n * WORDS_PER_HASH);
  for (let i = 0; i < n; i++) packHashInto(hashes[i]!, words, i);
  let qualities: Uint8Array | undefined;
  if (extra.qualities) {
    qualities = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const q = extra.qualities[i];
      qualities[i] = q === undefined ? QUALITY_UNKNOWN : checkQuality(q);
    }
  }
  const ids = extra.ids ? [...extra.ids] : undefined;
  return { length: n, words, qualities, id: (i) => ids?.[i] };
}

/** Wraps already-packed words (length a multiple of 8) as a list without ids. */
export function hashListFromWords(words: Uint32Array, qualities?: Uint8Array): PdqHashList {
  if (words.length % WORDS_PER_HASH !== 0 || (qualities && qualities.length * WORDS_PER_HASH !== words.length)) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_argument', 'packed words must be 8 per hash');
  }
  return { length: words.length / WORDS_PER_HASH, words, qualities, id: () => undefined };
}

function checkQuality(q: number): number {
  if (!Number.isInteger(q) || q < 0 || q > 100) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_argument', 'quality must be an integer 0..100', { detail: { q } });
  }
  return q;
}
