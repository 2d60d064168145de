import { computePdqHash, encodePdqHash } from '@fulcrum/pdq';
import sharp from 'sharp';

/** Formats decoded for PDQ (as client-node's decoder); anything else gets no hash. */
const DECODABLE = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);
/** Most pixels decoded (decompression bombs are refused before decoding). */
const MAX_PIXELS = 64_000_000;
/** The reference tool squashes larger images to 512x512 before hashing. */
const SQUASH = 512;

/**
 * The PDQ hash (64 hex characters) of an image the server received in a verified report, or null
 * when it is not an image sharp decodes within the pixel limit. Decoding follows the reference
 * tool's main steps (first frame, no EXIF rotation, squash to 512x512 nearest neighbour above 512
 * px); unlike client-node's decoder it lets sharp convert CMYK to sRGB, so a CMYK JPEG's hash may
 * differ by a few bits from the reference's. Never throws for bad image data.
 */
export async function pdqOfImage(bytes: Uint8Array): Promise<string | null> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: MAX_PIXELS, pages: 1 }).metadata();
    if (meta.format === undefined || !DECODABLE.has(meta.format)) return null;
    let pipeline = sharp(bytes, { limitInputPixels: MAX_PIXELS, pages: 1, failOn: 'error' });
    if ((meta.width ?? 0) > SQUASH || (meta.height ?? 0) > SQUASH) {
      pipeline = pipeline.resize(SQUASH, SQUASH, { fit: 'fill', kernel: 'nearest' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const channels = info.channels as 1 | 2 | 3 | 4;
    const { hash } = computePdqHash({ width: info.width, height: info.height, channels, data: new Uint8Array(data) });
    return encodePdqHash(hash);
  } catch {
    return null;
  }
}
