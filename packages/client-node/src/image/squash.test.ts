import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collapseGrey, squashForPdq } from './squash.js';

describe('squashForPdq (the reference tool nearest-neighbour resize)', () => {
  it('maps out(x, y) to in(floor(x*W/512), floor(y*H/512)) for any size above 512', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: 1, max: 1500 }), (w, h) => {
        fc.pre(w > 512 || h > 512);
        // Each pixel holds its own coordinates (mod 256) in R and G.
        const data = new Uint8Array(w * h * 3);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) data.set([x & 255, y & 255, (x + y) & 255], (y * w + x) * 3);
        const out = squashForPdq({ width: w, height: h, channels: 3, data });
        expect([out.width, out.height]).toEqual([512, 512]);
        for (const [x, y] of [
          [0, 0],
          [511, 511],
          [37, 400],
          [300, 3],
        ] as const) {
          const p = (y * 512 + x) * 3;
          expect(out.data[p]).toBe(Math.floor((x * w) / 512) & 255);
          expect(out.data[p + 1]).toBe(Math.floor((y * h) / 512) & 255);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('leaves images up to 512x512 alone', () => {
    const img = { width: 512, height: 300, channels: 1 as const, data: new Uint8Array(512 * 300) };
    expect(squashForPdq(img)).toBe(img);
  });
});

describe('collapseGrey', () => {
  it('turns an all-grey RGB(A) image into one channel and leaves colour alone', () => {
    const grey = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.from([5, 5, 5, 0, 9, 9, 9, 255]) };
    expect(collapseGrey(grey)).toEqual({ width: 2, height: 1, channels: 1, data: Uint8Array.from([5, 9]) });
    const colour = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([5, 5, 5, 9, 9, 8]) };
    expect(collapseGrey(colour)).toBe(colour);
  });
});
