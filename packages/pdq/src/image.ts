import { FulcrumError } from '@fulcrum/common';
import type { PdqErrorCode } from './errors.js';

/**
 * Decoded 8-bit pixels, row-major, interleaved channels, no row padding.
 * - 1 channel: grey (hashed as grey, like the reference's one-channel path);
 * - 2 channels: grey + alpha (alpha ignored);
 * - 3 channels: RGB; 4 channels: RGBA (alpha ignored, never composited, as
 *   the reference's decode drops it).
 */
export interface PdqImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * Largest image the pure hasher accepts (pixels). Hashing allocates two
 * float32 planes (8 bytes per pixel), so this bounds memory at ~800 MB.
 * Edges should squash to 512x512 first, as the reference tool does.
 */
export const MAX_HASH_PIXELS = 100_000_000;

/** Throws `pdq.bad_image` unless the buffer matches its declared shape. */
export function assertPdqImage(image: PdqImage): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_image', 'width and height must be non-negative integers');
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_image', 'channels must be 1, 2, 3 or 4', { detail: { channels } });
  }
  if (width * height > MAX_HASH_PIXELS) {
    throw new FulcrumError<PdqErrorCode>('pdq.too_large', 'image has too many pixels to hash', {
      detail: { pixels: width * height, limit: MAX_HASH_PIXELS },
    });
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray) || data.length !== width * height * channels) {
    throw new FulcrumError<PdqErrorCode>('pdq.bad_image', 'pixel buffer length must be width*height*channels', {
      detail: { expected: width * height * channels, actual: (data as { length?: number })?.length ?? null },
    });
  }
}
