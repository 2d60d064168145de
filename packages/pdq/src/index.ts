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
