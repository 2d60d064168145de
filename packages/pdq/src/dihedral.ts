/**
 * The eight dihedral transforms of an image, applied in the DCT domain.
 * For the DCT-II basis, mirroring the image along an axis multiplies each
 * coefficient with an odd frequency index on that axis by -1 (our coefficients
 * are frequencies 1..16, so array index k is odd frequency when k is even),
 * and transposing the image transposes the coefficient matrix. A rotation is
 * a transpose plus one mirror. This gives all eight from one DCT, with the
 * same sign pattern as the reference's `dct16OriginalTo*` functions.
 */
export type DihedralName =
  | 'original'
  | 'rotate90'
  | 'rotate180'
  | 'rotate270'
  | 'flipx'
  | 'flipy'
  | 'flipplus1'
  | 'flipminus1';

/** The order the reference prints them in (`pdq-photo-hasher --pdqdih`). */
export const DIHEDRAL_NAMES: readonly DihedralName[] = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipx',
  'flipy',
  'flipplus1',
  'flipminus1',
];

interface Transform {
  /** Output (j, i) takes input (i, j). */
  readonly transpose: boolean;
  /** Negate when the input row index i is even (vertical mirror: odd vertical frequency). */
  readonly negEvenRow: boolean;
  /** Negate when the input column index j is even (horizontal mirror). */
  readonly negEvenCol: boolean;
}

// Index i is the vertical frequency (row), j the horizontal one (column).
// The reference names a top-bottom mirror `flipx` (it negates odd vertical
// frequencies) and a left-right mirror `flipy`; rotate180 is both mirrors;
// rotate90/270 are a transpose plus one mirror; flipplus1 / flipminus1 are the
// transposes about the main and the anti-diagonal.
const TRANSFORMS: Record<DihedralName, Transform> = {
  original: { transpose: false, negEvenRow: false, negEvenCol: false },
  rotate90: { transpose: true, negEvenRow: false, negEvenCol: true },
  rotate180: { transpose: false, negEvenRow: true, negEvenCol: true },
  rotate270: { transpose: true, negEvenRow: true, negEvenCol: false },
  flipx: { transpose: false, negEvenRow: true, negEvenCol: false },
  flipy: { transpose: false, negEvenRow: false, negEvenCol: true },
  flipplus1: { transpose: true, negEvenRow: false, negEvenCol: false },
  flipminus1: { transpose: true, negEvenRow: true, negEvenCol: true },
};

/** Writes the 16x16 DCT of the transformed image into `out`. */
export function dihedralDct(name: DihedralName, dct: Float32Array, out: Float32Array): void {
  const t = TRANSFORMS[name];
  for (let i = 0; i < 16; i++) {
    const rowNeg = t.negEvenRow && (i & 1) === 0;
    for (let j = 0; j < 16; j++) {
      const neg = rowNeg !== (t.negEvenCol && (j & 1) === 0);
      const v = dct[i * 16 + j]!;
      out[t.transpose ? j * 16 + i : i * 16 + j] = neg ? -v : v;
    }
  }
}
