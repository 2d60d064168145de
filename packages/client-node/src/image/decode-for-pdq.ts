import { readFile, stat } from 'node:fs/promises';
import { FulcrumError } from '@fulcrum/common';
import sharp from 'sharp';
import type { ImageDecodeErrorCode } from './errors.js';
import { collapseGrey, type DecodedPixels, squashForPdq } from './squash.js';

/** Formats the decoder accepts; anything else (SVG, HEIF, PDF, ...) is refused. */
export const PDQ_DECODABLE_FORMATS: readonly string[] = ['jpeg', 'png', 'webp', 'gif', 'tiff'];

export interface DecodeForPdqOptions {
  /**
   * Most pixels (width x height of the encoded image) to decode; larger
   * images are refused before decoding (decompression bombs). Default 64 Mpx
   * (e.g. 8000x8000), which decodes in at most ~256 MB of RGBA.
   */
  readonly maxPixels?: number;
  /** Largest encoded input in bytes. Default 256 MiB. */
  readonly maxBytes?: number;
  /** Squash > 512 px to 512x512 as the C++ reference tool does. Default true. */
  readonly squash?: boolean;
}

/** Decoded pixels ready for `computePdqHash`, plus what the file was. */
export interface DecodedForPdq extends DecodedPixels {
  readonly format: string;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

const DEFAULT_MAX_PIXELS = 64_000_000;
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

function fail(code: ImageDecodeErrorCode, message: string, cause?: unknown, detail?: Record<string, unknown>): never {
  throw new FulcrumError<ImageDecodeErrorCode>(code, message, { cause, detail });
}

function classify(err: unknown): never {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) fail('client-node.image_too_large', 'image exceeds the pixel limit', err);
  if (/unsupported image format/i.test(msg)) fail('client-node.image_unsupported', 'not a supported image', err);
  fail('client-node.image_corrupt', 'image data is corrupt or truncated', err);
}

/**
 * CMYK to RGB the way ImageMagick does without a profile (the reference tool
 * pipes through `convert FILE pnm:-`): R = (255 - C)(255 - K) / 255, rounded.
 * sharp would otherwise apply a built-in CMYK ICC profile, which moves pixels
 * by up to ~66 levels on the vector image.
 */
function cmykToRgb(data: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let k = 0, p = 0, o = 0; k < pixels; k++, p += 4, o += 3) {
    const ink = 255 - data[p + 3]!;
    out[o] = Math.round(((255 - data[p]!) * ink) / 255);
    out[o + 1] = Math.round(((255 - data[p + 1]!) * ink) / 255);
    out[o + 2] = Math.round(((255 - data[p + 2]!) * ink) / 255);
  }
  return out;
}

/**
 * Decodes an encoded image the way the C++ reference tool reads files, so
 * hashes match lists made with it: 8-bit samples, the first frame/page, no
 * EXIF rotation, embedded ICC profiles ignored (ImageMagick's `convert` does
 * not apply them), alpha kept in the buffer but never composited (the hasher
 * ignores it), all-grey images as one channel, and (by default) > 512 px
 * squashed to 512x512 nearest neighbour. Throws typed
 * `client-node.image_*` errors for empty, oversized, unsupported and corrupt
 * input; never returns partial pixels of a truncated file.
 */
export async function decodeImageForPdq(input: Uint8Array, options: DecodeForPdqOptions = {}): Promise<DecodedForPdq> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (input.length === 0) fail('client-node.image_empty', 'the image has zero bytes');
  if (input.length > maxBytes) {
    fail('client-node.image_too_large', 'the encoded image is larger than the byte limit', undefined, {
      limit: maxBytes,
      bytes: input.length,
    });
  }
  const base = { failOn: 'error', limitInputPixels: maxPixels, ignoreIcc: true, autoOrient: false, pages: 1 } as const;
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, base).metadata();
  } catch (err) {
    classify(err);
  }
  const format = meta.format ?? 'unknown';
  if (!PDQ_DECODABLE_FORMATS.includes(format)) {
    fail('client-node.image_unsupported', `unsupported image format ${format}`, undefined, { format });
  }
  const sourceWidth = meta.width ?? 0;
  const sourceHeight = meta.pageHeight ?? meta.height ?? 0;
  if (sourceWidth * sourceHeight > maxPixels) {
    fail('client-node.image_too_large', 'image exceeds the pixel limit', undefined, {
      limit: maxPixels,
      pixels: sourceWidth * sourceHeight,
    });
  }
  let raw: { data: Buffer; info: sharp.OutputInfo };
  const cmyk = meta.space === 'cmyk';
  try {
    let pipeline = sharp(input, base);
    if (cmyk) pipeline = pipeline.pipelineColourspace('cmyk').toColourspace('cmyk');
    raw = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    classify(err);
  }
  const { width, height } = raw.info;
  let channels = raw.info.channels as number;
  let data = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  if (cmyk && channels === 4) {
    data = cmykToRgb(data, width * height);
    channels = 3;
  }
  if (channels < 1 || channels > 4 || data.length !== width * height * channels) {
    fail('client-node.image_corrupt', 'decoder returned an unexpected pixel layout', undefined, { channels });
  }
  let pixels: DecodedPixels = { width, height, channels: channels as 1 | 2 | 3 | 4, data };
  // Grey is decided on the whole image, before the squash, as ImageMagick decides it before
  // CImg resizes (a few colour pixels the squash happens to skip still make it colour).
  pixels = collapseGrey(pixels);
  if (options.squash !== false) pixels = squashForPdq(pixels);
  return { ...pixels, format, sourceWidth, sourceHeight };
}

/** Reads and decodes a file (see `decodeImageForPdq`); checks its size before reading it. */
export async function readImageFileForPdq(path: string, options: DecodeForPdqOptions = {}): Promise<DecodedForPdq> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let bytes: Uint8Array;
  try {
    const st = await stat(path);
    if (!st.isFile()) fail('client-node.image_unreadable', 'not a regular file');
    if (st.size > maxBytes) {
      fail('client-node.image_too_large', 'the file is larger than the byte limit', undefined, {
        limit: maxBytes,
        bytes: st.size,
      });
    }
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof FulcrumError) throw err;
    fail('client-node.image_unreadable', 'the file could not be read', err, {
      errno: (err as NodeJS.ErrnoException).code ?? null,
    });
  }
  return decodeImageForPdq(bytes, options);
}
