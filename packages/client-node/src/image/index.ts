// Node image decoding for PDQ hashing (re-exported by the package index).
export type { ImageDecodeError, ImageDecodeErrorCode } from './errors.js';
export { decodeImageForPdq, PDQ_DECODABLE_FORMATS, readImageFileForPdq } from './decode-for-pdq.js';
export type { DecodedForPdq, DecodeForPdqOptions } from './decode-for-pdq.js';
export { collapseGrey, REFERENCE_SQUASH_SIDE, squashForPdq } from './squash.js';
export type { DecodedPixels } from './squash.js';
