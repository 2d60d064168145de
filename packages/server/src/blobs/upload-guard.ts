import { constantTimeEqual } from '@fulcrum/common';
import { wireError } from '@fulcrum/wire';
import { sha256 } from '@noble/hashes/sha2.js';

/** Counts and hashes an upload as it streams, refusing it the moment it passes the limit. */
export class UploadGuard {
  size = 0;
  readonly #hash = sha256.create();
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  add(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.size > this.#maxBytes) {
      throw wireError('attachment.too_large', 'the attachment is over the server limit', { limit: this.#maxBytes });
    }
    this.#hash.update(chunk);
  }

  /** The digest of everything added; throws `attachment.digest_mismatch` unless it is `expected`. */
  finish(expected: Uint8Array): Uint8Array {
    const digest = this.#hash.digest();
    if (!constantTimeEqual(digest, expected)) {
      throw wireError('attachment.digest_mismatch', 'the uploaded bytes do not match fulcrum-content-sha256');
    }
    return digest;
  }
}
