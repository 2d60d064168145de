/** 8-bit interleaved pixels, row-major, no padding (structurally a `@fulcrum/pdq` PdqImage). */
export interface DecodedPixels {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array;
}

/** The side the C++ reference tool squashes larger images to (`DOWNSAMPLE_DIMS` in pdqio.cpp). */
export const REFERENCE_SQUASH_SIDE = 512;

/**
 * The reference tool's pre-resize: an image wider or taller than 512 px goes to
 * exactly 512x512 (aspect ratio not kept) by nearest neighbour, output (x, y)
 * = input (floor(x*W/512), floor(y*H/512)) (CImg `resize(512, 512)`, no
 * interpolation). Smaller images are returned unchanged.
 */
export function squashForPdq(img: DecodedPixels): DecodedPixels {
  const { width: w, height: h, channels: c, data } = img;
  const side = REFERENCE_SQUASH_SIDE;
  if (w <= side && h <= side) return img;
  const out = new Uint8Array(side * side * c);
  const srcX = new Int32Array(side);
  for (let x = 0; x < side; x++) srcX[x] = Math.floor((x * w) / side) * c;
  for (let y = 0; y < side; y++) {
    const rowBase = Math.floor((y * h) / side) * w * c;
    let o = y * side * c;
    for (let x = 0; x < side; x++) {
      const s = rowBase + srcX[x]!;
      for (let k = 0; k < c; k++) out[o++] = data[s + k]!;
    }
  }
  return { width: side, height: side, channels: c, data: out };
}

/**
 * ImageMagick writes an image whose every pixel has R = G = B as a one-channel
 * PGM, and the reference then hashes it through its grey path (luma = value,
 * not 0.299R + 0.587G + 0.114B, which differs by float rounding). Returns the
 * grey (or grey+alpha) version when that applies, else the input.
 */
export function collapseGrey(img: DecodedPixels): DecodedPixels {
  const { width, height, channels, data } = img;
  if (channels < 3) return img;
  const n = width * height;
  for (let k = 0, p = 0; k < n; k++, p += channels) {
    const r = data[p]!;
    if (data[p + 1] !== r || data[p + 2] !== r) return img;
  }
  const out = new Uint8Array(n);
  for (let k = 0, p = 0; k < n; k++, p += channels) out[k] = data[p]!;
  return { width, height, channels: 1, data: out };
}
