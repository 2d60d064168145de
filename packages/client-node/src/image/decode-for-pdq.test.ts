/**
 * The Node decoder against the C++ reference's `expected-cpp.csv`: every
 * vector image (JPEG, PNG, WebP, in many colour modes) decoded with sharp the
 * way the reference tool reads files, then hashed with @fulcrum/pdq.
 * Measured: all 38 source files are bit-exact (distance 0, equal quality),
 * and the 8 dihedral hashes of the 8 `dih/` photos equal `--pdqdih-across`.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { concatBytes, FulcrumError } from '@fulcrum/common';
import { computePdqDihedralHashes, computePdqHash, DIHEDRAL_NAMES, hammingDistance, parsePdqHash } from '@fulcrum/pdq';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImageForPdq, readImageFileForPdq } from './decode-for-pdq.js';

const VECTORS = new URL('../../../pdq/vectors/', import.meta.url);
const csv = (name: string) =>
  readFileSync(new URL(name, VECTORS), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
const expected = csv('expected-cpp.csv').filter(([file]) => !file!.startsWith('decoded/'));
const expectedDihedral = csv('expected-cpp-dihedral.csv').filter(([file]) => !file!.startsWith('decoded/'));
const vectorPath = (file: string) => new URL(file, VECTORS).pathname;

/**
 * Hamming distance to the C++ hash where sharp's pixels differ from
 * ImageMagick's. Empty: on every vector file they are equal (with ICC
 * ignored and CMYK converted without a profile, as ImageMagick does).
 */
const KNOWN_DISTANCE: Record<string, number> = {};

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof FulcrumError ? e.code : `not a FulcrumError: ${String(e)}`;
  }
  return 'no error';
}

describe('decodeImageForPdq: C++ reference vectors (expected-cpp.csv)', () => {
  it('covers every source image', () => expect(expected.length).toBe(38));

  for (const [file, hex, quality] of expected) {
    it(`${file}: distance ${KNOWN_DISTANCE[file!] ?? 0} and equal quality`, async () => {
      const { hash, quality: q } = computePdqHash(await readImageFileForPdq(vectorPath(file!)));
      expect(hammingDistance(hash, parsePdqHash(hex!))).toBe(KNOWN_DISTANCE[file!] ?? 0);
      expect(q).toBe(Number(quality));
    });
  }

  for (const [file, ...hexes] of expectedDihedral) {
    it(`${file}: the 8 dihedral hashes equal --pdqdih-across`, async () => {
      const { hashes } = computePdqDihedralHashes(await readImageFileForPdq(vectorPath(file!)));
      DIHEDRAL_NAMES.forEach((name, i) => {
        expect(hammingDistance(hashes[name], parsePdqHash(hexes[i]!)), name).toBe(0);
      });
    });
  }
});

describe('decodeImageForPdq: formats and options', () => {
  const original = readFileSync(vectorPath('bridge-mods/aaa-orig.jpg'));
  const refHash = parsePdqHash(expected.find(([f]) => f === 'bridge-mods/aaa-orig.jpg')![1]!);

  it('reads lossless TIFF and GIF re-encodings of a vector (GIF within a few bits after palette quantisation)', async () => {
    const rgb = await sharp(original).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const again = (buf: Buffer) => sharp(buf, { raw: rgb.info });
    const tiff = await again(rgb.data).tiff({ compression: 'lzw' }).toBuffer();
    const gif = await again(rgb.data).gif().toBuffer();
    const t = await decodeImageForPdq(tiff);
    expect(t.format).toBe('tiff');
    expect(hammingDistance(computePdqHash(t).hash, refHash)).toBe(0);
    const g = await decodeImageForPdq(gif);
    expect(g.format).toBe('gif');
    expect(hammingDistance(computePdqHash(g).hash, refHash)).toBeLessThanOrEqual(8);
  });

  it('decides grey on the whole image, before the squash (as ImageMagick does before CImg resizes)', async () => {
    const w = 1024;
    const raw = new Uint8Array(w * w * 3).fill(90);
    const greyPng = await sharp(raw, { raw: { width: w, height: w, channels: 3 } })
      .png()
      .toBuffer();
    expect((await decodeImageForPdq(greyPng)).channels).toBe(1);
    raw.set([200, 10, 10], 3); // pixel (1, 0): the squash samples x = 0, 2, 4, ... and skips it
    const colourPng = await sharp(raw, { raw: { width: w, height: w, channels: 3 } })
      .png()
      .toBuffer();
    const d = await decodeImageForPdq(colourPng);
    expect([d.width, d.channels]).toEqual([512, 3]);
  });

  it('squashes > 512 px to exactly 512x512 and keeps small images as they are', async () => {
    const big = await decodeImageForPdq(original);
    expect([big.width, big.height, big.sourceWidth, big.sourceHeight]).toEqual([512, 512, 1600, 1004]);
    const unsquashed = await decodeImageForPdq(original, { squash: false });
    expect([unsquashed.width, unsquashed.height]).toEqual([1600, 1004]);
    const small = await decodeImageForPdq(readFileSync(vectorPath('misc-images/wee.jpg')));
    expect([small.width, small.height]).toEqual([34, 42]);
  });
});

/**
 * A real decompression bomb: a valid 1-bit greyscale PNG of width x height
 * zero pixels, whose image data deflates ~1000:1 (20000 x 20000 is ~50 KB).
 */
function pngBomb(width: number, height: number): Uint8Array {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    let c = 0xffffffff;
    for (const b of out.subarray(4, 8 + body.length)) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    dv.setUint32(8 + body.length, (c ^ 0xffffffff) >>> 0);
    return out;
  };
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([1, 0, 0, 0, 0], 8); // 1-bit greyscale
  const raw = new Uint8Array(height * (1 + Math.ceil(width / 8))); // filter byte 0 + zero bits per row
  return concatBytes(
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  );
}

describe('decodeImageForPdq: hostile input gets typed errors', () => {
  const jpeg = readFileSync(vectorPath('bridge-mods/aaa-orig.jpg'));

  it('zero bytes', async () => {
    expect(await codeOf(decodeImageForPdq(new Uint8Array(0)))).toBe('client-node.image_empty');
  });
  it('not an image', async () => {
    expect(await codeOf(decodeImageForPdq(new TextEncoder().encode('hello, world\n'.repeat(50))))).toBe(
      'client-node.image_unsupported',
    );
  });
  it('an SVG (decodable by sharp, but not one of the five formats)', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect(await codeOf(decodeImageForPdq(new TextEncoder().encode(svg)))).toBe('client-node.image_unsupported');
  });
  it('a truncated JPEG', async () => {
    expect(await codeOf(decodeImageForPdq(jpeg.subarray(0, Math.floor(jpeg.length / 2))))).toBe(
      'client-node.image_corrupt',
    );
  });
  it('a JPEG signature followed by garbage', async () => {
    const bad = Uint8Array.from(jpeg.subarray(0, 4000));
    for (let i = 3; i < bad.length; i++) bad[i] = (i * 151) & 255;
    expect(await codeOf(decodeImageForPdq(bad))).toBe('client-node.image_corrupt');
  });
  it('a decompression bomb: a 50 KB PNG of 20000 x 20000 pixels', async () => {
    const bomb = pngBomb(20_000, 20_000);
    expect(bomb.length).toBeLessThan(200_000);
    expect(await codeOf(decodeImageForPdq(bomb))).toBe('client-node.image_too_large');
  });
  it('pixel and byte limits are configurable', async () => {
    expect(await codeOf(decodeImageForPdq(jpeg, { maxPixels: 1_000_000 }))).toBe('client-node.image_too_large');
    expect(await codeOf(decodeImageForPdq(jpeg, { maxBytes: 1000 }))).toBe('client-node.image_too_large');
  });
  it('missing files and directories', async () => {
    expect(await codeOf(readImageFileForPdq('/nonexistent/x.jpg'))).toBe('client-node.image_unreadable');
    expect(await codeOf(readImageFileForPdq(vectorPath('dih/')))).toBe('client-node.image_unreadable');
  });
});
