/**
 * Jarosz box-filter downsampling, float32-exact with the reference
 * (`downscaling.cpp`): two passes of (box along rows, box along columns),
 * then decimation to 64x64 sampling pixel centres.
 */

/** Window size per pass: ceil(old / (2 * new)), the reference's `computeJaroszFilterWindowSize`. */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * One running-sum box filter over `length` samples `stride` apart. The sum is
 * kept in float32 and updated add-then-subtract in the reference's order, so
 * its rounding drift is reproduced; each output is sum / (current windowSize).
 */
function box1D(
  input: Float32Array,
  output: Float32Array,
  start: number,
  length: number,
  stride: number,
  windowSize: number,
): void {
  const half = (windowSize + 2) >> 1;
  const phase1 = half - 1;
  const phase2 = windowSize - half + 1;
  const phase3 = length - windowSize;
  const phase4 = half - 1;
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < phase1; i++) {
    sum = Math.fround(sum + input[ri]!);
    size++;
    ri += stride;
  }
  for (let i = 0; i < phase2; i++) {
    sum = Math.fround(sum + input[ri]!);
    size++;
    output[oi] = sum / size;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3; i++) {
    sum = Math.fround(sum + input[ri]!);
    sum = Math.fround(sum - input[li]!);
    output[oi] = sum / size;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4; i++) {
    sum = Math.fround(sum - input[li]!);
    size--;
    output[oi] = sum / size;
    li += stride;
    oi += stride;
  }
}

/**
 * In place on `buf1` (using `buf2` as scratch): `passes` times, box along each
 * row (windowSize `windowAlongRows`) into buf2, then along each column back into buf1.
 */
export function jaroszFilter(
  buf1: Float32Array,
  buf2: Float32Array,
  rows: number,
  cols: number,
  windowAlongRows: number,
  windowAlongCols: number,
  passes: number,
): void {
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < rows; i++) box1D(buf1, buf2, i * cols, cols, 1, windowAlongRows);
    for (let j = 0; j < cols; j++) box1D(buf2, buf1, j, rows, cols, windowAlongCols);
  }
}

/** Nearest sample at each output pixel centre: in index floor((out + 0.5) * inDim / outDim), in doubles as the reference. */
export function decimate(
  input: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  outRows: number,
  outCols: number,
): void {
  for (let oi = 0; oi < outRows; oi++) {
    const ii = Math.trunc(((oi + 0.5) * rows) / outRows);
    for (let oj = 0; oj < outCols; oj++) {
      const ij = Math.trunc(((oj + 0.5) * cols) / outCols);
      out[oi * outCols + oj] = input[ii * cols + ij]!;
    }
  }
}
