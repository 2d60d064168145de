/**
 * Test support, exported as `@fulcrum/common/testing` and not from the package root: an app
 * bundle carries it only if it imports that path. Test-only, so its names start with `unsafe`
 * (CONVENTIONS.md §6). Std code with no dependencies, so the tests of every package can use it,
 * in Node and in Chromium.
 */

export interface LinearCostOptions {
  /** One run of the measured code on the small input. */
  small: () => unknown;
  /** One run of the same code on the large input, `inputRatio` times the small one. */
  large: () => unknown;
  /** How many times larger the large input is; at least 8, so linear (~r) and quadratic (~r²) cost lie far apart. */
  inputRatio: number;
  /**
   * The largest median time ratio accepted. Default 3 × inputRatio: room for noise and for
   * cache effects of the larger input, and still far below quadratic. At most inputRatio² / 2.
   */
  maxRatio?: number;
  /** Number of (small, large) pairs; odd, at least 3. Default 7. */
  pairs?: number;
  /** Timings of each side per pair, alternated; the pair keeps each side's fastest. Default 3. */
  rounds?: number;
  /** How long one timing lasts at least: each side's call is repeated to fill it. Default 5 ms. */
  minMs?: number;
}

export interface LinearCostResult {
  /** Per pair, in measurement order: time per large call / time per small call. */
  ratios: number[];
  /** The median of `ratios`, the figure compared with the bound. */
  median: number;
}

/**
 * Checks that the cost of `large` over `small` grows linearly with the input (CONVENTIONS.md §8,
 * the slow-DoS check of every parser of untrusted input); throws an `Error` listing every pair's
 * ratio when it does not.
 *
 * Why this shape: on a shared, loaded machine the scheduler and the garbage collector stretch
 * single timings several-fold, so one (small, large) measurement proves nothing either way.
 * After a warm-up that also picks the repetitions (both sides' timings last about `minMs`, or
 * one large call if that is longer), each pair times the two sides alternately `rounds` times,
 * back to back, and keeps each side's fastest timing — delays only ever add time; the pairs
 * alternate which side goes first, so a load change during the run favours neither.
 * The median pair ratio is compared with the bound: a linear cost reads ~inputRatio, a quadratic
 * one ~inputRatio² in every pair.
 */
export function unsafeAssertLinearCost(what: string, options: LinearCostOptions): LinearCostResult {
  const { small, large, inputRatio } = options;
  const maxRatio = options.maxRatio ?? 3 * inputRatio;
  const pairs = options.pairs ?? 7;
  const rounds = options.rounds ?? 3;
  const minMs = options.minMs ?? 5;
  if (!(inputRatio >= 8)) throw new RangeError(`${what}: an input ratio of ${inputRatio} is under 8`);
  if (!(maxRatio > inputRatio && maxRatio <= (inputRatio * inputRatio) / 2))
    throw new RangeError(`${what}: bound ${maxRatio} must lie above ${inputRatio} and at most ${inputRatio ** 2 / 2}`);
  if (!(Number.isInteger(pairs) && pairs >= 3 && pairs % 2 === 1))
    throw new RangeError(`${what}: pairs must be an odd integer ≥ 3`);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new RangeError(`${what}: rounds must be a positive integer`);

  // Warm-up (JIT, caches) and the repetitions: both sides' timings last about as long, so an
  // interruption is as likely to hit either and taking each side's fastest favours neither.
  const smallMs = fastestMsPerCall(small);
  const largeMs = fastestMsPerCall(large);
  const timingMs = Math.max(minMs, largeMs);
  const repsFor = (ms: number) => Math.min(1 << 20, Math.max(1, Math.round(timingMs / ms)));
  const smallReps = repsFor(smallMs);
  const largeReps = repsFor(largeMs);

  const ratios: number[] = [];
  const timings: string[] = [];
  for (let i = 0; i < pairs; i++) {
    let s = Number.POSITIVE_INFINITY;
    let l = Number.POSITIVE_INFINITY;
    for (let k = 0; k < rounds; k++) {
      if (i % 2 === 0) {
        s = Math.min(s, msPerCall(small, smallReps));
        l = Math.min(l, msPerCall(large, largeReps));
      } else {
        l = Math.min(l, msPerCall(large, largeReps));
        s = Math.min(s, msPerCall(small, smallReps));
      }
    }
    ratios.push(l / s);
    timings.push(`${(l / s).toFixed(1)} (${l.toPrecision(3)}/${s.toPrecision(3)} ms)`);
  }
  const median = [...ratios].sort((a, b) => a - b)[(pairs - 1) / 2] as number;
  if (!(median < maxRatio)) {
    throw new Error(
      `${what}: cost does not grow linearly: ${inputRatio}x the input took a median ${median.toFixed(1)}x the time, ` +
        `bound ${maxRatio} (linear ≈ ${inputRatio}, quadratic ≈ ${inputRatio ** 2}); ` +
        `pair ratios (large/small ms per call, fastest of ${rounds}), in order: ${timings.join(', ')}; ` +
        `${smallReps} small and ${largeReps} large calls per timing`,
    );
  }
  return { ratios, median };
}

/** Where every result goes, so the optimiser cannot drop a call whose result looks unused. */
const sink: { result?: unknown } = {};

/** The fastest of three timings per call of `f`, each repeated until it lasts a millisecond. */
function fastestMsPerCall(f: () => unknown): number {
  sink.result = f();
  let reps = 1;
  while (reps < 1 << 20 && msPerCall(f, reps) * reps < 1) reps *= 2;
  return Math.min(msPerCall(f, reps), msPerCall(f, reps), msPerCall(f, reps));
}

function msPerCall(f: () => unknown, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) sink.result = f();
  return (performance.now() - t0) / reps;
}
