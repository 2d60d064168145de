/**
 * The C++ reference's outputs (ThreatExchange pdq/cpp, `pdq-photo-hasher` and
 * `--pdqdih-across`) on the exact 8-bit pixels it hashed (vectors/decoded/):
 * a faithful float32 implementation must be bit-exact, hash and quality.
 */
import { computePdqDihedralHashes, computePdqHash, DIHEDRAL_NAMES, encodePdqHash } from '@fulcrum/pdq';
import { describe, expect, it } from 'vitest';
import { readCsv, readPng } from './vectors.js';

const expected = readCsv('expected-cpp.csv').filter((r) => r.file!.startsWith('decoded/'));
const dihedral = readCsv('expected-cpp-dihedral.csv').filter((r) => r.file!.startsWith('decoded/'));

describe('PDQ C++ reference vectors: decoded pixels', () => {
  it('covers all 12 decoded images', () => {
    expect(expected).toHaveLength(12);
    expect(dihedral.length).toBeGreaterThanOrEqual(1);
  });

  for (const row of expected) {
    it(`${row.file}: hash and quality are bit-exact`, () => {
      const image = readPng(row.file!);
      const { hash, quality } = computePdqHash(image);
      expect(encodePdqHash(hash)).toBe(row.hash);
      expect(quality).toBe(Number(row.quality));
    });
  }

  for (const row of dihedral) {
    it(`${row.file}: all 8 dihedral hashes equal the reference's`, () => {
      const { hashes, quality } = computePdqDihedralHashes(readPng(row.file!));
      for (const name of DIHEDRAL_NAMES) expect(encodePdqHash(hashes[name]), name).toBe(row[name]);
      expect(quality).toBe(Number(row.quality));
    });
  }
});
