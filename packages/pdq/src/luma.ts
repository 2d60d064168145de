import type { PdqImage } from './image.js';

// Luma weights as float32 constants (`const float luma_from_R_coeff = 0.299`
// in the reference's pdqhashing.cpp): BT.601 'Y'.
const R = Math.fround(0.299);
const G = Math.fround(0.587);
const B = Math.fround(0.114);

// The float32 products coefficient * sample for every 8-bit sample, so the
// per-pixel work is two float32 additions.
function productTable(coefficient: number): Float32Array {
  const t = new Float32Array(256);
  for (let v = 0; v < 256; v++) t[v] = coefficient * v;
  return t;
}
const TR = productTable(R);
const TG = productTable(G);
const TB = productTable(B);

/**
 * Fills `out` (width*height, row-major) with float32 luma exactly as the
 * reference: colour pixels as ((R*r + G*g) + B*b) with every product and sum
 * rounded to float32 (JS doubles then `Math.fround`: double rounding is
 * innocuous for one +,-,*,/ of floats since 53 >= 2*24+2); grey pixels are
 * taken as they are (the reference's `fillFloatLumaFromGrey`).
 */
export function fillLuma(image: PdqImage, out: Float32Array): void {
  const { data, channels } = image;
  const n = image.width * image.height;
  if (channels === 1) {
    for (let k = 0; k < n; k++) out[k] = data[k]!;
  } else if (channels === 2) {
    for (let k = 0, p = 0; k < n; k++, p += 2) out[k] = data[p]!;
  } else {
    for (let k = 0, p = 0; k < n; k++, p += channels) {
      out[k] = Math.fround(TR[data[p]!]! + TG[data[p + 1]!]!) + TB[data[p + 2]!]!;
    }
  }
}
