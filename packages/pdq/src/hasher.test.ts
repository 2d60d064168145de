import type { FulcrumError } from '@fulcrum/common';
import { describe, expect, it } from 'vitest';
import { encodePdqHash, hammingDistance } from './hash256.js';
import { computePdqDihedralHashes, computePdqHash } from './hasher.js';
import type { PdqImage } from './image.js';

function gradient(width: number, height: number, channels: 1 | 3 | 4): PdqImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        data[(y * width + x) * channels + c] = (x * 7 + y * 13 + ((x * y) % 17) * 5 + c) & 255;
  return { width, height, channels, data };
}

describe('computePdqHash', () => {
  it('gives the all-zero hash and quality 0 below 5 px, as the reference', () => {
    const r = computePdqHash(gradient(4, 100, 3));
    expect(encodePdqHash(r.hash)).toBe('0'.repeat(64));
    expect(r.quality).toBe(0);
    expect(computePdqDihedralHashes(gradient(100, 4, 3)).quality).toBe(0);
  });

  it('ignores alpha (never composites it)', () => {
    const rgba = gradient(80, 60, 4);
    const rgb = new Uint8Array(80 * 60 * 3);
    for (let k = 0; k < 80 * 60; k++) {
      rgb.set(rgba.data.subarray(k * 4, k * 4 + 3), k * 3);
      rgba.data[k * 4 + 3] = k & 255; // arbitrary alpha
    }
    expect(computePdqHash(rgba)).toEqual(computePdqHash({ width: 80, height: 60, channels: 3, data: rgb }));
  });

  it('hashes a flat image with quality 0', () => {
    const flat = { width: 32, height: 32, channels: 1 as const, data: new Uint8Array(32 * 32).fill(128) };
    expect(computePdqHash(flat).quality).toBe(0);
  });

  it('dihedral original equals the plain hash off the 64x64 special case', () => {
    const img = gradient(97, 71, 3);
    expect(computePdqDihedralHashes(img).hashes.original).toEqual(computePdqHash(img).hash);
  });

  it('is deterministic and sensitive to content', () => {
    const a = computePdqHash(gradient(120, 90, 3));
    const b = computePdqHash(gradient(120, 90, 3));
    expect(a).toEqual(b);
    const flipped = gradient(120, 90, 3);
    flipped.data.reverse();
    expect(hammingDistance(a.hash, computePdqHash(flipped).hash)).toBeGreaterThan(32);
  });

  it('refuses malformed buffers with pdq.bad_image', () => {
    for (const bad of [
      { width: 10, height: 10, channels: 3, data: new Uint8Array(299) },
      { width: -1, height: 10, channels: 3, data: new Uint8Array(0) },
      { width: 10, height: 10, channels: 5, data: new Uint8Array(500) },
    ]) {
      try {
        computePdqHash(bad as unknown as PdqImage);
        expect.unreachable();
      } catch (e) {
        expect((e as FulcrumError).code).toBe('pdq.bad_image');
      }
    }
  });
});
