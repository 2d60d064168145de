import { FulcrumError } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitByteIndex, encodePdqHash, hammingDistance, parsePdqHash, pdqHashFromBytes, popcount32 } from './hash256.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof FulcrumError ? e.code : 'not-a-fulcrum-error';
  }
  return undefined;
}

describe('PDQ hash text and bits', () => {
  it('round-trips any 32 bytes through hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const h = pdqHashFromBytes(bytes);
        const hex = encodePdqHash(h);
        expect(hex).toMatch(/^[0-9a-f]{64}$/);
        expect(parsePdqHash(hex)).toEqual(h);
        expect(parsePdqHash(hex.toUpperCase())).toEqual(h);
      }),
    );
  });

  it('refuses wrong length and alphabet with pdq.bad_hash', () => {
    expect(codeOf(() => parsePdqHash('00'))).toBe('pdq.bad_hash');
    expect(codeOf(() => parsePdqHash('0'.repeat(65)))).toBe('pdq.bad_hash');
    expect(codeOf(() => parsePdqHash(`${'0'.repeat(63)}g`))).toBe('pdq.bad_hash');
    expect(codeOf(() => parsePdqHash(`${'0'.repeat(62)}\u00e9f`))).toBe('pdq.bad_hash');
    expect(codeOf(() => pdqHashFromBytes(new Uint8Array(31)))).toBe('pdq.bad_hash');
  });

  it('places bit (row, col) where the reference prints it (word 15 first)', () => {
    // Bit 0 (row 0, col 0) is the lowest bit of word 0, printed last.
    const h = new Uint8Array(32);
    h[bitByteIndex(0, 0)]! |= 1;
    expect(encodePdqHash(pdqHashFromBytes(h))).toBe(`${'0'.repeat(63)}1`);
    const g = new Uint8Array(32);
    g[bitByteIndex(15, 15)]! |= 1 << 7;
    expect(encodePdqHash(pdqHashFromBytes(g))).toBe(`8${'0'.repeat(63)}`);
  });

  it('popcount and Hamming distance agree with a bit-by-bit count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let n = 0;
        for (let i = 0; i < 32; i++) n += (x >>> i) & 1;
        expect(popcount32(x)).toBe(n);
      }),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (a, b) => {
          let n = 0;
          for (let i = 0; i < 32; i++) for (let k = 0; k < 8; k++) n += ((a[i]! ^ b[i]!) >> k) & 1;
          expect(hammingDistance(pdqHashFromBytes(a), pdqHashFromBytes(b))).toBe(n);
        },
      ),
    );
  });
});
