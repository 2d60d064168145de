/**
 * Optional cross-check against a locally built C++ reference `pdq-photo-hasher`
 * (set PDQ_CPP_HASHER to its path; skipped otherwise, and nothing here builds
 * it). Generates JPEGs (3 qualities x 3 widths x 2 chroma subsamplings) and
 * RGB / grey PNGs (33..1000 px, so both sides of the 512 squash) from the
 * vector photos, hashes them with this decoder and with the C++ tool, and
 * requires equal hashes. Measured with a build using CImg's own libjpeg /
 * libpng loaders (not ImageMagick): 54/54 JPEGs and 24/24 PNGs at distance 0.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePdqHash, encodePdqHash } from '@fulcrum/pdq';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageFileForPdq } from './decode-for-pdq.js';

const CPP = process.env.PDQ_CPP_HASHER;
const VECTORS = new URL('../../../pdq/vectors/', import.meta.url).pathname;
const SOURCES = ['dih/bridge-1-original.jpg', 'misc-images/c.png', 'misc-images/pen-and-coaster.png'];

describe.skipIf(!CPP)('decoder vs the C++ pdq-photo-hasher (PDQ_CPP_HASHER)', () => {
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the C++ tool hashes on generated JPEGs and PNGs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pdq-vs-cpp-'));
    const files: string[] = [];
    for (const [s, src] of SOURCES.entries()) {
      const base = () => sharp(join(VECTORS, src), { ignoreIcc: true }).removeAlpha();
      for (const q of [95, 75, 40])
        for (const w of [300, 700, 1200])
          for (const sub of ['4:2:0', '4:4:4']) {
            const f = join(dir, `${s}-${w}-q${q}-${sub.replaceAll(':', '')}.jpg`);
            await base().resize({ width: w }).jpeg({ quality: q, chromaSubsampling: sub }).toFile(f);
            files.push(f);
          }
      for (const w of [33, 300, 513, 1000]) {
        const rgb = join(dir, `${s}-${w}-rgb.png`);
        const grey = join(dir, `${s}-${w}-grey.png`);
        await base().resize({ width: w }).png().toFile(rgb);
        await base().resize({ width: w }).greyscale().png().toFile(grey);
        files.push(rgb, grey);
      }
    }
    const cpp = new Map(
      execFileSync(CPP!, files, { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map((l) => l.split(','))
        .map(([hash, , file]) => [file!, hash!]),
    );
    expect(cpp.size).toBe(files.length);
    const differing: string[] = [];
    for (const f of files) {
      const ours = encodePdqHash(computePdqHash(await readImageFileForPdq(f)).hash);
      if (ours !== cpp.get(f)) differing.push(f);
    }
    expect(differing).toEqual([]);
  }, 120_000);
});
