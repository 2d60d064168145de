// @fulcrum/pdq: PDQ hash, quality, dihedral variants, matching index
export type { PdqError, PdqErrorCode } from './errors.js';
export {
  bitByteIndex,
  encodePdqHash,
  hammingDistance,
  PDQ_HASH_BITS,
  PDQ_HASH_BYTES,
  parsePdqHash,
  pdqHashFromBytes,
  popcount32,
} from './hash256.js';
export type { PdqHash } from './hash256.js';
export { assertPdqImage, MAX_HASH_PIXELS } from './image.js';
export type { PdqImage } from './image.js';
export { DIHEDRAL_NAMES } from './dihedral.js';
export type { DihedralName } from './dihedral.js';
export { computePdqDihedralHashes, computePdqHash } from './hasher.js';
export type { PdqDihedralResult, PdqResult } from './hasher.js';
export { PDQ_QUALITY_FLOOR } from './quality.js';
export {
  createHashList,
  hashListFromWords,
  packHashInto,
  QUALITY_UNKNOWN,
  unpackHash,
  WORDS_PER_HASH,
} from './hash-list.js';
export type { PdqHashList } from './hash-list.js';
export { bruteForceQuery, DEFAULT_MATCH_RADIUS, distanceAtMost, packQuery } from './brute-force.js';
export type { PdqMatch } from './brute-force.js';
export { defaultChunkCount, MihIndex } from './mih-index.js';
export type { MihOptions } from './mih-index.js';
export { MAX_TEXT_LIST_HASHES, parseHashListText } from './list-text.js';
export type { ParseListOptions } from './list-text.js';
export {
  BINARY_LIST_MAGIC,
  BINARY_LIST_VERSION,
  decodeHashListBinary,
  encodeHashListBinary,
  MAX_BINARY_LIST_HASHES,
} from './list-binary.js';
