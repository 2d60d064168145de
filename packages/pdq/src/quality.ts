/**
 * The reference's image-domain quality metric (`pdqImageDomainQualityMetric`):
 * the sum of |truncate((u - v) * 100 / 255)| (float32 arithmetic, truncation
 * toward zero) over vertical and horizontal neighbours of the 64x64
 * downsample, integer-divided by 90 and capped at 100. Featureless images
 * score low; the reference README recommends discarding hashes of quality
 * <= 49 (see PDQ_QUALITY_FLOOR).
 */
export function qualityFrom64x64(b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const d = Math.trunc(Math.fround(Math.fround(Math.fround(b[i * 64 + j]! - b[(i + 1) * 64 + j]!) * 100) / 255));
      sum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const d = Math.trunc(Math.fround(Math.fround(Math.fround(b[i * 64 + j]! - b[i * 64 + j + 1]!) * 100) / 255));
      sum += Math.abs(d);
    }
  }
  const q = Math.trunc(sum / 90);
  return Math.min(q, 100);
}

/**
 * Lowest quality the reference README counts as usable ("Quality Threshold
 * where we recommend discarding hashes: <=49"). Hashes below it are flagged.
 */
export const PDQ_QUALITY_FLOOR = 50;
