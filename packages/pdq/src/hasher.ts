import { bitByteIndex, PDQ_HASH_BYTES, type PdqHash } from './hash256.js';
import { dct64To16 } from './dct.js';
import { DIHEDRAL_NAMES, type DihedralName, dihedralDct } from './dihedral.js';
import { assertPdqImage, type PdqImage } from './image.js';
import { decimate, jaroszFilter, jaroszWindowSize } from './jarosz.js';
import { fillLuma } from './luma.js';
import { qualityFrom64x64 } from './quality.js';
import { torbenMedian } from './torben-median.js';

/** A hash and the reference's quality score (0..100) of the image it came from. */
export interface PdqResult {
  readonly hash: PdqHash;
  readonly quality: number;
}

/** The eight dihedral hashes of one image and its quality. */
export interface PdqDihedralResult {
  readonly hashes: Readonly<Record<DihedralName, PdqHash>>;
  readonly quality: number;
}

// Images with a side below this hash to all zeros with quality 0 (`MIN_HASHABLE_DIM`).
const MIN_HASHABLE_DIM = 5;
// Two (rows, columns) box passes approximate a tent filter (`PDQ_NUM_JAROSZ_XY_PASSES`).
const JAROSZ_PASSES = 2;

/** Bit (i, j) is set when coefficient (i, j) is strictly above the median (`pdqBuffer16x16ToBits`). */
function bitsFromDct(dct: Float32Array): PdqHash {
  const median = torbenMedian(dct);
  const out = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      if (dct[i * 16 + j]! > median) out[bitByteIndex(i, j)]! |= 1 << (j & 7);
    }
  }
  return out as PdqHash;
}

/** Luma, optional blur-and-decimate to 64x64, quality, DCT. */
function dctAndQuality(image: PdqImage, skipFilterAt64: boolean): { dct: Float32Array; quality: number } {
  const rows = image.height;
  const cols = image.width;
  const buf1 = new Float32Array(rows * cols);
  fillLuma(image, buf1);
  const b64 = new Float32Array(64 * 64);
  if (skipFilterAt64 && rows === 64 && cols === 64) {
    // The reference's plain path takes a 64x64 luma as already downsampled;
    // its dihedral path does not (and its width-1 box can drift by an ulp).
    b64.set(buf1);
  } else {
    const buf2 = new Float32Array(rows * cols);
    jaroszFilter(buf1, buf2, rows, cols, jaroszWindowSize(cols, 64), jaroszWindowSize(rows, 64), JAROSZ_PASSES);
    decimate(buf1, rows, cols, b64, 64, 64);
  }
  const quality = qualityFrom64x64(b64);
  const t = new Float32Array(16 * 64);
  const dct = new Float32Array(16 * 16);
  dct64To16(b64, t, dct);
  return { dct, quality };
}

function tooSmall(image: PdqImage): boolean {
  return image.width < MIN_HASHABLE_DIM || image.height < MIN_HASHABLE_DIM;
}

/**
 * The PDQ hash and quality of decoded pixels, bit-exact with the C++
 * reference's `pdqHash256FromFloatLuma` on the same 8-bit pixels. Throws
 * `pdq.bad_image` / `pdq.too_large` on a malformed buffer. Images with a side
 * below 5 px give the all-zero hash with quality 0, as the reference does.
 * The reference tool squashes images above 512 px to 512x512 before this
 * step; that belongs to the decoder (see client-node `decodeImageForPdq`).
 */
export function computePdqHash(image: PdqImage): PdqResult {
  assertPdqImage(image);
  if (tooSmall(image)) return { hash: new Uint8Array(PDQ_HASH_BYTES) as PdqHash, quality: 0 };
  const { dct, quality } = dctAndQuality(image, true);
  return { hash: bitsFromDct(dct), quality };
}

/**
 * All eight dihedral hashes from one DCT (`pdqDihedralHash256esFromFloatLuma`).
 * The `original` entry equals `computePdqHash` except on exactly 64x64 inputs,
 * where the reference's dihedral path still runs its (width-1) box filter.
 */
export function computePdqDihedralHashes(image: PdqImage): PdqDihedralResult {
  assertPdqImage(image);
  const hashes = {} as Record<DihedralName, PdqHash>;
  if (tooSmall(image)) {
    for (const name of DIHEDRAL_NAMES) hashes[name] = new Uint8Array(PDQ_HASH_BYTES) as PdqHash;
    return { hashes, quality: 0 };
  }
  const { dct, quality } = dctAndQuality(image, false);
  const aux = new Float32Array(256);
  for (const name of DIHEDRAL_NAMES) {
    dihedralDct(name, dct, aux);
    hashes[name] = bitsFromDct(aux);
  }
  return { hashes, quality };
}
