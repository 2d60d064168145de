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
 * The reference's `box1DFloat` phases for a window of `windowSize`: phase 1
 * only accumulates, phase 2 writes with a growing window, phase 3 adds one
 * sample and then subtracts one (in that order: float32 rounding drifts),
 * phase 4 only subtracts. Each output is the float32 sum / current window.
 */
function phases(length: number, windowSize: number): [number, number, number, number] {
  const half = (windowSize + 2) >> 1;
  return [half - 1, windowSize - half + 1, length - windowSize, half - 1];
}

/** Box filter along one row of `cols` samples starting at `base`. */
function boxRow(input: Float32Array, output: Float32Array, base: number, cols: number, windowSize: number): void {
  const [p1, p2, p3, p4] = phases(cols, windowSize);
  let ri = base;
  let li = base;
  let oi = base;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < p1; i++) {
    sum = Math.fround(sum + input[ri++]!);
    size++;
  }
  for (let i = 0; i < p2; i++) {
    sum = Math.fround(sum + input[ri++]!);
    size++;
    output[oi++] = sum / size;
  }
  for (let i = 0; i < p3; i++) {
    sum = Math.fround(Math.fround(sum + input[ri++]!) - input[li++]!);
    output[oi++] = sum / size;
  }
  for (let i = 0; i < p4; i++) {
    sum = Math.fround(sum - input[li++]!);
    size--;
    output[oi++] = sum / size;
  }
}

/**
 * Box filter along each row. Four rows at a time: each running sum is a
 * serial chain of float32 adds, so interleaving independent rows keeps the
 * CPU busy instead of waiting on each add; the arithmetic per row is the same.
 */
function boxAlongRows(input: Float32Array, output: Float32Array, rows: number, cols: number, windowSize: number): void {
  const [p1, p2, p3, p4] = phases(cols, windowSize);
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const a = r * cols;
    const b = a + cols;
    const c = b + cols;
    const d = c + cols;
    let sa = 0;
    let sb = 0;
    let sc = 0;
    let sd = 0;
    let size = 0;
    let ri = 0;
    let li = 0;
    let oi = 0;
    for (let i = 0; i < p1; i++, ri++) {
      sa = Math.fround(sa + input[a + ri]!);
      sb = Math.fround(sb + input[b + ri]!);
      sc = Math.fround(sc + input[c + ri]!);
      sd = Math.fround(sd + input[d + ri]!);
      size++;
    }
    for (let i = 0; i < p2; i++, ri++, oi++) {
      sa = Math.fround(sa + input[a + ri]!);
      sb = Math.fround(sb + input[b + ri]!);
      sc = Math.fround(sc + input[c + ri]!);
      sd = Math.fround(sd + input[d + ri]!);
      size++;
      output[a + oi] = sa / size;
      output[b + oi] = sb / size;
      output[c + oi] = sc / size;
      output[d + oi] = sd / size;
    }
    for (let i = 0; i < p3; i++, ri++, li++, oi++) {
      sa = Math.fround(Math.fround(sa + input[a + ri]!) - input[a + li]!);
      sb = Math.fround(Math.fround(sb + input[b + ri]!) - input[b + li]!);
      sc = Math.fround(Math.fround(sc + input[c + ri]!) - input[c + li]!);
      sd = Math.fround(Math.fround(sd + input[d + ri]!) - input[d + li]!);
      output[a + oi] = sa / size;
      output[b + oi] = sb / size;
      output[c + oi] = sc / size;
      output[d + oi] = sd / size;
    }
    for (let i = 0; i < p4; i++, li++, oi++) {
      sa = Math.fround(sa - input[a + li]!);
      sb = Math.fround(sb - input[b + li]!);
      sc = Math.fround(sc - input[c + li]!);
      sd = Math.fround(sd - input[d + li]!);
      size--;
      output[a + oi] = sa / size;
      output[b + oi] = sb / size;
      output[c + oi] = sc / size;
      output[d + oi] = sd / size;
    }
  }
  for (; r < rows; r++) boxRow(input, output, r * cols, cols, windowSize);
}

/**
 * Box filter along each column. The same per-column arithmetic as
 * `boxAlongRows`, but all columns advance together one row at a time (a
 * float32 running sum per column), so memory is read sequentially instead of
 * one cache line per sample.
 */
function boxAlongCols(
  input: Float32Array,
  output: Float32Array,
  rows: number,
  cols: number,
  windowSize: number,
  sums: Float32Array,
): void {
  const [p1, p2, p3, p4] = phases(rows, windowSize);
  sums.fill(0);
  let ri = 0;
  let li = 0;
  let oi = 0;
  let size = 0;
  for (let i = 0; i < p1; i++, ri += cols) {
    for (let j = 0; j < cols; j++) sums[j] = sums[j]! + input[ri + j]!;
    size++;
  }
  for (let i = 0; i < p2; i++, ri += cols, oi += cols) {
    size++;
    for (let j = 0; j < cols; j++) {
      const s = Math.fround(sums[j]! + input[ri + j]!);
      sums[j] = s;
      output[oi + j] = s / size;
    }
  }
  for (let i = 0; i < p3; i++, ri += cols, li += cols, oi += cols) {
    for (let j = 0; j < cols; j++) {
      const s = Math.fround(Math.fround(sums[j]! + input[ri + j]!) - input[li + j]!);
      sums[j] = s;
      output[oi + j] = s / size;
    }
  }
  for (let i = 0; i < p4; i++, li += cols, oi += cols) {
    size--;
    for (let j = 0; j < cols; j++) {
      const s = Math.fround(sums[j]! - input[li + j]!);
      sums[j] = s;
      output[oi + j] = s / size;
    }
  }
}

/**
 * In place on `buf1` (using `buf2` as scratch): `passes` times, box along each
 * row (window `windowAlongRows`) into buf2, then along each column back into buf1.
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
  const sums = new Float32Array(cols);
  for (let p = 0; p < passes; p++) {
    boxAlongRows(buf1, buf2, rows, cols, windowAlongRows);
    boxAlongCols(buf2, buf1, rows, cols, windowAlongCols, sums);
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
