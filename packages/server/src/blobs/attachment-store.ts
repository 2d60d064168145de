import type { Readable } from 'node:stream';

/** A stored attachment blob, opened for reading. */
export interface OpenedAttachment {
  size: number;
  stream: Readable;
}

export interface UploadInput {
  uploaderDeviceId: string;
  /** The request body, read chunk by chunk (never buffered whole). */
  source: AsyncIterable<Uint8Array>;
  /** Refuse with `attachment.too_large` as soon as more than this many bytes arrive. */
  maxBytes: number;
  /** The signed `fulcrum-content-sha256`: the stored bytes must hash to it (`attachment.digest_mismatch`). */
  expectedSha256: Uint8Array;
  now: number;
}

export interface UploadResult {
  attachmentId: string;
  size: number;
  sha256: Uint8Array;
}

/**
 * Opaque (client-encrypted) attachment blobs, streamed in and out under a size limit. An upload
 * either stores the whole blob and its row or nothing.
 */
export interface AttachmentStore {
  upload(input: UploadInput): Promise<UploadResult>;
  open(attachmentId: string): Promise<OpenedAttachment | undefined>;
}
