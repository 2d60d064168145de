/**
 * ThreatExchange `pdq/data/reg-test-input` hash lists: every (needle, haystack,
 * distance) with distance <= 31, equal to the C++ `mih-query -d 31` output.
 */
import { bruteForceQuery, MihIndex, parseHashListText, unpackHash } from '@fulcrum/pdq';
import { describe, expect, it } from 'vitest';
import { readVectorText } from './vectors.js';

const needles = parseHashListText(readVectorText('hash-lists/needles.txt'));
const haystack = parseHashListText(readVectorText('hash-lists/haystack.txt'));
const expected = readVectorText('hash-lists/needles-haystack-r31.csv').trim().split('\n').slice(1);

function pairs(query: (i: number) => { index: number; distance: number }[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < needles.length; i++) for (const m of query(i)) out.push(`${i + 1},${m.index + 1},${m.distance}`);
  return out;
}

describe('mih-query -d 31 reference pairs (needles x haystack)', () => {
  it('loads 100 needles and 1350 haystack hashes', () => {
    expect([needles.length, haystack.length, expected.length]).toEqual([100, 1350, 250]);
  });
  it('brute force reproduces all 250 pairs exactly', () => {
    expect(pairs((i) => bruteForceQuery(haystack, unpackHash(needles.words, i), 31))).toEqual(expected);
  });
  for (const chunks of [undefined, 8, 11, 16, 32]) {
    it(`the multi-index (chunks ${chunks ?? 'default'}) reproduces all 250 pairs exactly`, () => {
      const index = new MihIndex(haystack, chunks === undefined ? {} : { chunks });
      expect(pairs((i) => index.query(unpackHash(needles.words, i), 31))).toEqual(expected);
    });
  }
});
