/**
 * Robustness study for packages/pdq/README.md: apply common edits to the
 * distinct vector photos with sharp, re-encode, decode as the reference tool
 * would (client-node decoder) and report the Hamming distance to the
 * original's hash; for rotations and mirrors also the best distance over the
 * original's 8 dihedral hashes (what `pdq match --dihedral` does).
 * Run: see README.md. Writes results/transform-study.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computePdqDihedralHashes, computePdqHash, DIHEDRAL_NAMES, hammingDistance, type PdqHash } from '@fulcrum/pdq';
import sharp from 'sharp';
import { decodeImageForPdq } from '../../packages/client-node/src/image/index.js';

const VECTORS = new URL('../../../../../packages/pdq/vectors/', import.meta.url).pathname;
const IMAGES = ['dih/bridge-1-original.jpg', 'misc-images/c.png', 'misc-images/pen-and-coaster.png'];

type Edit = { name: string; group: string; apply: (img: sharp.Sharp, w: number, h: number) => sharp.Sharp };

const textSvg = (w: number, h: number, frac: number) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
      `<rect x="0" y="${Math.round(h * (1 - frac))}" width="${w}" height="${Math.round(h * frac)}" fill="black" fill-opacity="0.6"/>` +
      `<text x="${w / 20}" y="${h - (h * frac) / 3}" font-size="${Math.round(h * frac * 0.5)}" fill="white" font-family="sans-serif">CAPTION TEXT 2026</text></svg>`,
  );
const wm = (w: number, h: number) =>
  Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="${w / 2}" y="${h / 2}" text-anchor="middle" font-size="${Math.round(h / 8)}" fill="white" fill-opacity="0.5" font-family="sans-serif">WATERMARK</text></svg>`,
  );

const crop = (frac: number) => (img: sharp.Sharp, w: number, h: number) => {
  const dx = Math.round(w * frac);
  const dy = Math.round(h * frac);
  return img.extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy });
};

const EDITS: Edit[] = [
  ...[90, 70, 50, 30, 10].map((q) => ({
    name: `JPEG quality ${q}`,
    group: 'jpeg',
    apply: (i: sharp.Sharp) => i.jpeg({ quality: q }),
  })),
  ...[0.5, 0.25, 0.1].map((s) => ({
    name: `resize to ${s * 100}% (each side)`,
    group: 'resize',
    apply: (i: sharp.Sharp, w: number) => i.resize({ width: Math.round(w * s) }),
  })),
  { name: 'resize to 200%', group: 'resize', apply: (i, w) => i.resize({ width: w * 2 }) },
  {
    name: 'squash aspect 2:1',
    group: 'resize',
    apply: (i, w, h) => i.resize({ width: w, height: Math.round(h / 2), fit: 'fill' }),
  },
  ...[0.02, 0.05, 0.1, 0.2].map((f) => ({ name: `crop ${f * 100}% off each side`, group: 'crop', apply: crop(f) })),
  {
    name: 'crop left half away',
    group: 'crop',
    apply: (i, w, h) => i.extract({ left: Math.round(w / 2), top: 0, width: w - Math.round(w / 2), height: h }),
  },
  ...[1, 3, 5, 10, 45].map((deg) => ({
    name: `rotate ${deg}° (black corners)`,
    group: 'rotate',
    apply: (i: sharp.Sharp) => i.rotate(deg, { background: '#000' }),
  })),
  { name: 'rotate 90°', group: 'dihedral', apply: (i) => i.rotate(90) },
  { name: 'rotate 180°', group: 'dihedral', apply: (i) => i.rotate(180) },
  { name: 'mirror left-right', group: 'dihedral', apply: (i) => i.flop() },
  {
    name: 'caption bar, 10% of height',
    group: 'overlay',
    apply: (i, w, h) => i.composite([{ input: textSvg(w, h, 0.1) }]),
  },
  {
    name: 'caption bar, 25% of height',
    group: 'overlay',
    apply: (i, w, h) => i.composite([{ input: textSvg(w, h, 0.25) }]),
  },
  { name: 'semi-transparent watermark', group: 'overlay', apply: (i, w, h) => i.composite([{ input: wm(w, h) }]) },
  { name: 'greyscale', group: 'colour', apply: (i) => i.greyscale() },
  { name: 'brightness +30%', group: 'colour', apply: (i) => i.modulate({ brightness: 1.3 }) },
  { name: 'gaussian blur sigma 3', group: 'filter', apply: (i) => i.blur(3) },
];

async function hashOf(bytes: Uint8Array): Promise<PdqHash> {
  return computePdqHash(await decodeImageForPdq(bytes)).hash;
}

const rows: { edit: string; group: string; image: string; distance: number; dihedralBest: number }[] = [];
const originals: PdqHash[] = [];
for (const file of IMAGES) {
  const bytes = readFileSync(join(VECTORS, file));
  const base = await decodeImageForPdq(bytes);
  const orig = computePdqHash(base).hash;
  originals.push(orig);
  const dihedral = computePdqDihedralHashes(base).hashes;
  const meta = await sharp(bytes).metadata();
  for (const e of EDITS) {
    // Edits on the full-size decoded picture, ICC ignored like the decoder; re-encoded as PNG unless the edit encodes.
    const img = sharp(bytes, { ignoreIcc: true }).removeAlpha();
    let out = e.apply(img, meta.width!, meta.height!);
    if (e.group !== 'jpeg') out = out.png();
    const h = await hashOf(await out.toBuffer());
    const distance = hammingDistance(h, orig);
    const dihedralBest = Math.min(...DIHEDRAL_NAMES.map((n) => hammingDistance(h, dihedral[n])));
    rows.push({ edit: e.name, group: e.group, image: file, distance, dihedralBest });
  }
}
const unrelated: number[] = [];
for (let i = 0; i < originals.length; i++)
  for (let j = i + 1; j < originals.length; j++) unrelated.push(hammingDistance(originals[i]!, originals[j]!));

const lines = ['| edit | distance per image | max | within 31 | best dihedral (max) |', '|---|---|---|---|---|'];
for (const e of EDITS) {
  const r = rows.filter((x) => x.edit === e.name);
  const max = Math.max(...r.map((x) => x.distance));
  const dmax = Math.max(...r.map((x) => x.dihedralBest));
  lines.push(
    `| ${e.name} | ${r.map((x) => x.distance).join(' / ')} | ${max} | ${r.filter((x) => x.distance <= 31).length}/${r.length} | ${dmax} |`,
  );
}
lines.push(`\nUnrelated pairs of the ${IMAGES.length} originals: ${unrelated.join(', ')} bits apart.`);
process.stdout.write(`${lines.join('\n')}\n`);
const outDir = new URL('../../../results/', import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'transform-study.json'),
  `${JSON.stringify({ images: IMAGES, rows, unrelated }, null, 2)}\n`,
);
