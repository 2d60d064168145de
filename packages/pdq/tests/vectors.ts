/** Test helpers: read the copied reference vectors (see ../vectors/README.md). */
import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import type { PdqImage } from '@fulcrum/pdq';

export const VECTORS = new URL('../vectors/', import.meta.url);

export function readVectorText(path: string): string {
  return readFileSync(new URL(path, VECTORS), 'utf8');
}

/** Rows of a CSV with a header line, as objects keyed by header names. */
export function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readVectorText(path).trim().split('\n');
  const keys = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [keys[i], v])));
}

/** Decodes a vector PNG to 8-bit pixels with the pure-JS fast-png decoder. */
export function readPng(path: string): PdqImage {
  const png = decode(readFileSync(new URL(path, VECTORS)));
  if (png.palette) throw new Error(`${path}: unexpected palette PNG`);
  const channels = png.channels as 1 | 2 | 3 | 4;
  if (png.depth === 1 && channels === 1) {
    // 1-bit grey (the reference reads it as a PBM): unpack to 0 / 255, rows padded to bytes.
    const rowBytes = Math.ceil(png.width / 8);
    const data = new Uint8Array(png.width * png.height);
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const bit = ((png.data[y * rowBytes + (x >> 3)] as number) >> (7 - (x & 7))) & 1;
        data[y * png.width + x] = bit ? 255 : 0;
      }
    }
    return { width: png.width, height: png.height, channels: 1, data };
  }
  if (png.depth !== 8) throw new Error(`${path}: expected 8-bit PNG, got depth ${png.depth}`);
  return { width: png.width, height: png.height, channels, data: png.data as Uint8Array };
}
