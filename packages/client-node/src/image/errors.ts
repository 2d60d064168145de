import type { FulcrumError } from '@fulcrum/common';

/** Stable codes raised by the Node image decoder (client-node `image/`). */
export type ImageDecodeErrorCode =
  /** The file or buffer has zero bytes: it was not written completely; re-fetch it. */
  | 'client-node.image_empty'
  /** Not a JPEG, PNG, WebP, GIF or TIFF (or not an image at all): convert it to one of those first. */
  | 'client-node.image_unsupported'
  /** The image data is corrupt or truncated: re-fetch the file; it cannot be hashed as it is. */
  | 'client-node.image_corrupt'
  /** Bytes or pixels exceed the configured limit (`detail.limit`), e.g. a decompression bomb: refuse it, or raise the limit deliberately. */
  | 'client-node.image_too_large'
  /** The file could not be read (missing, a directory, no permission): check the path. */
  | 'client-node.image_unreadable';

export type ImageDecodeError = FulcrumError<ImageDecodeErrorCode>;
