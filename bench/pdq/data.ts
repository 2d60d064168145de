/**
 * Synthetic PDQ hash lists for the index benchmark, from a seeded PRNG so runs
 * are repeatable. "Clustered" mimics a real hash-sharing list: many images
 * arrive as families of near-duplicates (re-encodes, resizes, crops of one
 * picture), so hashes come in clusters whose members are a few to ~30 bits
 * from their centre, and real PDQ bits are balanced (128 ones on average).
 */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

/** Flips `count` random bits (with repetition) of packed hash `i`. */
function flipBits(words: Uint32Array, base: number, count: number, rnd: () => number): void {
  for (let f = 0; f < count; f++) {
    const b = rnd() & 255;
    words[base + (b >>> 5)]! ^= 1 << (b & 31);
  }
}

export interface ClusterSpec {
  /** Total hashes. */
  readonly n: number;
  /** Mean cluster size (sizes are 1..2*mean-1, uniform). */
  readonly meanCluster: number;
  /** Members are centre + uniform(0..maxFlips) random bit flips. */
  readonly maxFlips: number;
  readonly seed: number;
}

/** Packed words (8 per hash) of a clustered list, clusters laid out in random order. */
export function clusteredList(spec: ClusterSpec): Uint32Array {
  const rnd = xorshift32(spec.seed);
  const words = new Uint32Array(spec.n * 8);
  let i = 0;
  while (i < spec.n) {
    const size = Math.min(spec.n - i, 1 + (rnd() % (2 * spec.meanCluster - 1)));
    const c0 = i * 8;
    for (let k = 0; k < 8; k++) words[c0 + k] = rnd();
    for (let j = 1; j < size; j++) {
      const o = (i + j) * 8;
      for (let k = 0; k < 8; k++) words[o + k] = words[c0 + k]!;
      flipBits(words, o, rnd() % (spec.maxFlips + 1), rnd);
    }
    i += size;
  }
  // Shuffle hash order (Fisher-Yates on 8-word records) so clusters are not contiguous.
  const tmp = new Uint32Array(8);
  for (let a = spec.n - 1; a > 0; a--) {
    const b = rnd() % (a + 1);
    tmp.set(words.subarray(a * 8, a * 8 + 8));
    words.copyWithin(a * 8, b * 8, b * 8 + 8);
    words.set(tmp, b * 8);
  }
  return words;
}

/**
 * Queries: half are list members with 0..20 further bit flips (an edited
 * re-upload of a listed image: should match), half fresh random hashes
 * (ordinary photos: should not).
 */
export function queriesFor(words: Uint32Array, count: number, seed: number): Uint8Array[] {
  const rnd = xorshift32(seed);
  const n = words.length / 8;
  const out: Uint8Array[] = [];
  const q = new Uint32Array(8);
  for (let k = 0; k < count; k++) {
    if (k % 2 === 0) {
      const pick = rnd() % n;
      q.set(words.subarray(pick * 8, pick * 8 + 8));
      flipBits(q, 0, rnd() % 21, rnd);
    } else {
      for (let w = 0; w < 8; w++) q[w] = rnd();
    }
    const h = new Uint8Array(32);
    for (let w = 0; w < 8; w++) {
      h[4 * w] = q[w]! >>> 24;
      h[4 * w + 1] = (q[w]! >>> 16) & 255;
      h[4 * w + 2] = (q[w]! >>> 8) & 255;
      h[4 * w + 3] = q[w]! & 255;
    }
    out.push(h);
  }
  return out;
}
