import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForceQuery } from './brute-force.js';
import { pdqHashFromBytes, type PdqHash } from './hash256.js';
import { createHashList } from './hash-list.js';
import { defaultChunkCount, MihIndex } from './mih-index.js';

const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(pdqHashFromBytes);

/** Flips each listed bit of a copy of `h`. */
function flip(h: PdqHash, bits: readonly number[]): PdqHash {
  const out = Uint8Array.from(h);
  for (const b of bits) out[b >> 3]! ^= 1 << (b & 7);
  return pdqHashFromBytes(out);
}

/** Clustered lists: a few centres, many variants within ~0..40 bits of each (like edits of one photo). */
const clusteredArb = fc
  .tuple(
    fc.array(hashArb, { minLength: 1, maxLength: 6 }),
    fc.array(fc.tuple(fc.nat(), fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 })), {
      minLength: 1,
      maxLength: 150,
    }),
  )
  .map(([centres, variants]) => variants.map(([c, bits]) => flip(centres[c % centres.length]!, bits)));

describe('MihIndex: no false negatives against brute force', () => {
  const radii = fc.constantFrom(0, 1, 7, 16, 31, 32, 48, 64);
  const chunks = fc.integer({ min: 8, max: 32 });

  it('random lists and random queries', () => {
    fc.assert(
      fc.property(fc.array(hashArb, { maxLength: 120 }), hashArb, radii, chunks, (hashes, q, r, m) => {
        const list = createHashList(hashes);
        expect(new MihIndex(list, { chunks: m }).query(q, r)).toEqual(bruteForceQuery(list, q, r));
      }),
      { numRuns: 150 },
    );
  });

  it('clustered lists, queries near members, several radii and table widths', () => {
    fc.assert(
      fc.property(
        clusteredArb,
        fc.nat(),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
        radii,
        chunks,
        fc.integer({ min: 1, max: 24 }),
        (hashes, pick, noise, r, m, maxTableBits) => {
          const list = createHashList(hashes);
          const q = flip(hashes[pick % hashes.length]!, noise);
          const index = new MihIndex(list, { chunks: m, maxTableBits });
          const expected = bruteForceQuery(list, q, r);
          expect(index.query(q, r)).toEqual(expected);
          // and again (the dedup stamp must not leak between queries)
          expect(index.query(q, r)).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('finds a member at distance exactly r with the difference spread over chunks', () => {
    const base = pdqHashFromBytes(new Uint8Array(32).fill(0xa5));
    for (const m of [8, 11, 13, 16, 32]) {
      // 31 flipped bits, spread evenly so every chunk has at most ceil(31/m) of them.
      const bits = Array.from({ length: 31 }, (_, k) => Math.floor((k * 256) / 31));
      const far = flip(base, bits);
      const list = createHashList([far]);
      expect(new MihIndex(list, { chunks: m }).query(base, 31), `m=${m}`).toEqual([{ index: 0, distance: 31 }]);
      expect(new MihIndex(list, { chunks: m }).query(base, 30)).toEqual([]);
    }
  });

  it('chooses 11 chunks for large lists (measured) and about 256 / log2 N for small ones', () => {
    expect(defaultChunkCount(10_000_000)).toBe(11);
    expect(defaultChunkCount(1_000_000)).toBe(11);
    expect(defaultChunkCount(50_000)).toBe(16);
    expect(defaultChunkCount(10)).toBe(32);
  });

  it('refuses bad chunk counts and radii with pdq.bad_argument', () => {
    const list = createHashList([]);
    expect(() => new MihIndex(list, { chunks: 7 })).toThrowError(expect.objectContaining({ code: 'pdq.bad_argument' }));
    expect(() => new MihIndex(list).query(pdqHashFromBytes(new Uint8Array(32)), -1)).toThrowError(
      expect.objectContaining({ code: 'pdq.bad_argument' }),
    );
  });
});
