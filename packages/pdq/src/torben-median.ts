/**
 * Torben Mogensen's median (no reordering), as the reference's `torben.cpp`:
 * it returns a value the bits are compared against with `>`, so the exact
 * tie behaviour matters; the midpoint guess is computed in float32.
 */
export function torbenMedian(m: Float32Array): number {
  const n = m.length;
  let min = m[0]!;
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = m[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const halfN = (n + 1) >> 1;
  let less = 0;
  let greater = 0;
  let equal = 0;
  let guess = 0;
  let maxLtGuess = 0;
  let minGtGuess = 0;
  for (;;) {
    guess = Math.fround(Math.fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLtGuess = min;
    minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i]!;
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= halfN && greater <= halfN) break;
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
  if (less >= halfN) return maxLtGuess;
  if (less + equal >= halfN) return guess;
  return minGtGuess;
}
