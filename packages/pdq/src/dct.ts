/**
 * The 16 lowest non-DC rows of the 64-point DCT-II basis as float32, built as
 * the reference does: sqrt(2/64) rounded to float, times the double cosine of
 * (pi/2/64) * (i+1) * (2j+1), rounded to float.
 */
const DCT_MATRIX: Float32Array = (() => {
  const m = new Float32Array(16 * 64);
  const scale = Math.fround(Math.sqrt(2 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) m[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
  }
  return m;
})();

/**
 * out(16x16) = D * A * D^T for the 64x64 `a`, keeping float32 rounding after
 * every product and every addition in the reference's summation order
 * (`dct64To16`: first T = D A summing down columns, then T D^T).
 */
export function dct64To16(a: Float32Array, t: Float32Array, out: Float32Array): void {
  const d = DCT_MATRIX;
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = Math.fround(sum + Math.fround(d[di + k]! * a[k * 64 + j]!));
      t[i * 64 + j] = sum;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = Math.fround(sum + Math.fround(t[ti + k]! * d[dj + k]!));
      out[i * 16 + j] = sum;
    }
  }
}
