/**
 * Browser image helpers on the Canvas API (`createImageBitmap` + `OffscreenCanvas`, both present
 * in pages and in workers): check that bytes are a decodable image, and decode to RGBA (what PDQ
 * hashing takes, as `client-node`'s sharp decoder gives it in Node).
 */
import { clientBrowserError } from './errors.js';

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export interface RgbaImage extends ImageSize {
  /** width × height × 4 bytes, row-major, straight (not premultiplied) alpha. */
  readonly rgba: Uint8ClampedArray;
}

async function bitmap(bytes: Uint8Array, mediaType: string): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: mediaType }));
  } catch (cause) {
    throw clientBrowserError('client-browser.image_undecodable', 'not an image this browser can decode', {
      cause,
      detail: { mediaType },
    });
  }
}

/** The image's pixel size; `client-browser.image_undecodable` if the browser cannot decode it. */
export async function imageSize(bytes: Uint8Array, mediaType: string): Promise<ImageSize> {
  const bmp = await bitmap(bytes, mediaType);
  const size = { width: bmp.width, height: bmp.height };
  bmp.close();
  return size;
}

/**
 * Decodes an image to RGBA, scaled down (aspect kept) so that neither side exceeds `maxSide`
 * (default: no scaling). `client-browser.image_undecodable` if it does not decode.
 */
export async function decodeImageRgba(bytes: Uint8Array, mediaType: string, maxSide?: number): Promise<RgbaImage> {
  const bmp = await bitmap(bytes, mediaType);
  try {
    const scale = maxSide === undefined ? 1 : Math.min(1, maxSide / Math.max(bmp.width, bmp.height));
    const width = Math.max(1, Math.round(bmp.width * scale));
    const height = Math.max(1, Math.round(bmp.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw clientBrowserError('client-browser.image_undecodable', 'no 2D canvas in this browser');
    ctx.drawImage(bmp, 0, 0, width, height);
    return { width, height, rgba: ctx.getImageData(0, 0, width, height).data };
  } finally {
    bmp.close();
  }
}
