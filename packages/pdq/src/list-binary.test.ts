import { FulcrumError } from '@fulcrum/common';
import { unsafeAssertLinearCost } from '@fulcrum/common/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pdqHashFromBytes } from './hash256.js';
import { createHashList } from './hash-list.js';
import { decodeHashListBinary, encodeHashListBinary } from './list-binary.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof FulcrumError ? e.code : 'not a FulcrumError';
  }
  return 'no error';
}

const rowsArb = fc.array(
  fc.tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  ),
  { maxLength: 40 },
);

describe('binary hash list (FPDQ v1)', () => {
  it('round-trips hashes, qualities and ids', () => {
    fc.assert(
      fc.property(rowsArb, fc.boolean(), fc.boolean(), (rows, withQ, withIds) => {
        const list = createHashList(
          rows.map(([h]) => pdqHashFromBytes(h)),
          {
            ...(withQ ? { qualities: rows.map(([, q]) => q) } : {}),
            ...(withIds ? { ids: rows.map(([, , id]) => id) } : {}),
          },
        );
        const back = decodeHashListBinary(encodeHashListBinary(list));
        expect(back.length).toBe(list.length);
        expect(back.words).toEqual(list.words);
        expect(back.qualities).toEqual(list.qualities);
        for (let i = 0; i < rows.length; i++) expect(back.id(i)).toBe(list.id(i));
      }),
    );
  });

  it('refuses every truncation and any trailing byte', () => {
    const list = createHashList([pdqHashFromBytes(new Uint8Array(32).fill(1)), pdqHashFromBytes(new Uint8Array(32))], {
      qualities: [100, 3],
    });
    const bytes = encodeHashListBinary(list);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(codeOf(() => decodeHashListBinary(bytes.subarray(0, cut)))).toBe('pdq.bad_binary_list');
    }
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(codeOf(() => decodeHashListBinary(longer))).toBe('pdq.bad_binary_list');
  });

  it('refuses bad magic, version, flags, qualities, id offsets and over-limit counts', () => {
    const list = createHashList([pdqHashFromBytes(new Uint8Array(32))], { qualities: [5], ids: ['x'] });
    const good = encodeHashListBinary(list);
    const mutate = (at: number, v: number) => {
      const b = Uint8Array.from(good);
      b[at] = v;
      return codeOf(() => decodeHashListBinary(b));
    };
    expect(mutate(0, 0x47)).toBe('pdq.bad_binary_list'); // magic
    expect(mutate(4, 2)).toBe('pdq.bad_binary_list'); // version
    expect(mutate(5, 7)).toBe('pdq.bad_binary_list'); // flags
    expect(mutate(12 + 32, 101)).toBe('pdq.bad_binary_list'); // quality
    expect(mutate(12 + 32 + 1 + 4 + 3, 9)).toBe('pdq.bad_binary_list'); // last id offset
    expect(mutate(8, 0xff)).toBe('pdq.too_large'); // count 0xff000001
    expect(codeOf(() => decodeHashListBinary(good, { maxHashes: 0 }))).toBe('pdq.too_large');
  });

  // How fast a list loads is a benchmark figure (bench/pdq: "FPDQ binary load"); here only that
  // the cost grows linearly, up to a million hashes.
  it('decoding cost grows linearly with the number of hashes (125k vs 1M)', () => {
    const encoded = (n: number) => {
      const words = new Uint32Array(n * 8);
      crypto.getRandomValues(words.subarray(0, 16384));
      for (let i = 16384; i < words.length; i += 16384) words.copyWithin(i, 0, Math.min(16384, words.length - i));
      return encodeHashListBinary({ length: n, words, qualities: undefined, id: () => undefined });
    };
    const [small, large] = [encoded(125_000), encoded(1_000_000)];
    expect(decodeHashListBinary(large).length).toBe(1_000_000);
    unsafeAssertLinearCost('decodeHashListBinary', {
      small: () => decodeHashListBinary(small),
      large: () => decodeHashListBinary(large),
      inputRatio: 8,
    });
  });
});
