/**
 * Attachment encryption: a fresh 32-byte key per file, XChaCha20 encryption then an HMAC-SHA256 tag
 * over nonce and ciphertext (encrypt-then-MAC), both keys derived from the attachment key with
 * HKDF-SHA256 (RFC 5869) under distinct info strings.
 *
 * Why not AES-GCM (or any Poly1305 AEAD): they are not key-committing — one ciphertext can be made
 * to decrypt validly under two different keys (Dodis, Grubbs, Ristenpart, Woodage, "Fast Message
 * Franking: From Invisible Salamanders to Encryptment", CRYPTO 2018; Grubbs, Lu, Ristenpart,
 * CRYPTO 2017). Verifiable reports will rely on a reported key opening to exactly one plaintext.
 * HMAC-SHA256 under a key derived from the attachment key commits to that key: a second key giving
 * the same tag would need an HMAC-SHA256 (hence SHA-256) collision.
 *
 * Blob layout: nonce (24) ‖ ciphertext (= plaintext length) ‖ tag (32).
 */
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertLength, concatBytes, constantTimeEqual, type Random, systemRandom, wipe } from '@fulcrum/common';
import { e2eeError } from './errors.js';

export const ATTACHMENT_KEY_BYTES = 32;
export const ATTACHMENT_NONCE_BYTES = 24;
export const ATTACHMENT_TAG_BYTES = 32;
/** Blob overhead over the plaintext: nonce + tag. */
export const ATTACHMENT_OVERHEAD_BYTES = ATTACHMENT_NONCE_BYTES + ATTACHMENT_TAG_BYTES;
/** Default upper bound on an attachment held in memory (100 MiB). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

const INFO_ENC = new TextEncoder().encode('fulcrum/e2ee/attachment/v1/encryption-key');
const INFO_MAC = new TextEncoder().encode('fulcrum/e2ee/attachment/v1/mac-key');

export interface EncryptedAttachment {
  /** The fresh attachment key: send it inside the MLS message, never to the server. */
  readonly key: Uint8Array;
  /** nonce ‖ ciphertext ‖ tag: upload this to the server. */
  readonly blob: Uint8Array;
  readonly plaintextSha256: Uint8Array;
  readonly blobSha256: Uint8Array;
  /** Plaintext length in bytes. */
  readonly size: number;
}

/** The digests (and optionally the size) the sender put in the MLS message next to the key. */
export interface AttachmentExpectation {
  readonly plaintextSha256: Uint8Array;
  readonly blobSha256: Uint8Array;
  readonly size?: number;
}

function deriveKeys(key: Uint8Array): { encKey: Uint8Array; macKey: Uint8Array } {
  assertLength(key, ATTACHMENT_KEY_BYTES, 'attachment key');
  return { encKey: hkdf(sha256, key, undefined, INFO_ENC, 32), macKey: hkdf(sha256, key, undefined, INFO_MAC, 32) };
}

/** Encrypts one attachment under a fresh key. Throws `e2ee.too_large` above `maxBytes`. */
export function encryptAttachment(
  plaintext: Uint8Array,
  random: Random = systemRandom,
  options: { maxBytes?: number } = {},
): EncryptedAttachment {
  if (!(plaintext instanceof Uint8Array)) throw e2eeError('e2ee.malformed', 'plaintext must be bytes');
  if (plaintext.length > (options.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES)) {
    throw e2eeError('e2ee.too_large', 'attachment too large');
  }
  const key = assertLength(random.bytes(ATTACHMENT_KEY_BYTES), ATTACHMENT_KEY_BYTES, 'random key').slice();
  const nonce = assertLength(random.bytes(ATTACHMENT_NONCE_BYTES), ATTACHMENT_NONCE_BYTES, 'random nonce').slice();
  const { encKey, macKey } = deriveKeys(key);
  const ciphertext = xchacha20(encKey, nonce, plaintext);
  const tag = hmac(sha256, macKey, concatBytes(nonce, ciphertext));
  wipe(encKey, macKey);
  const blob = concatBytes(nonce, ciphertext, tag);
  return Object.freeze({
    key,
    blob,
    plaintextSha256: sha256(plaintext),
    blobSha256: sha256(blob),
    size: plaintext.length,
  });
}

/**
 * Verifies and decrypts an attachment blob. Order: blob digest, then the tag (constant-time, before
 * any decryption), then the plaintext digest and size. Throws `e2ee.attachment_invalid` on any
 * mismatch, `e2ee.too_large` above `maxBytes`, `common.bad_length` on a wrong-size key.
 */
export function decryptAttachment(
  blob: Uint8Array,
  key: Uint8Array,
  expected: AttachmentExpectation,
  options: { maxBytes?: number } = {},
): Uint8Array {
  if (!(blob instanceof Uint8Array)) throw e2eeError('e2ee.malformed', 'blob must be bytes');
  if (blob.length > (options.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES) + ATTACHMENT_OVERHEAD_BYTES) {
    throw e2eeError('e2ee.too_large', 'attachment too large');
  }
  assertLength(expected.plaintextSha256, 32, 'plaintextSha256');
  assertLength(expected.blobSha256, 32, 'blobSha256');
  if (blob.length < ATTACHMENT_OVERHEAD_BYTES) throw e2eeError('e2ee.attachment_invalid', 'blob too short');
  if (expected.size !== undefined && expected.size !== blob.length - ATTACHMENT_OVERHEAD_BYTES) {
    throw e2eeError('e2ee.attachment_invalid', 'blob size does not match');
  }
  if (!constantTimeEqual(sha256(blob), expected.blobSha256)) {
    throw e2eeError('e2ee.attachment_invalid', 'blob digest does not match');
  }
  const { encKey, macKey } = deriveKeys(key);
  try {
    const nonce = blob.subarray(0, ATTACHMENT_NONCE_BYTES);
    const ciphertext = blob.subarray(ATTACHMENT_NONCE_BYTES, blob.length - ATTACHMENT_TAG_BYTES);
    const tag = blob.subarray(blob.length - ATTACHMENT_TAG_BYTES);
    const expectedTag = hmac(sha256, macKey, blob.subarray(0, blob.length - ATTACHMENT_TAG_BYTES));
    if (!constantTimeEqual(tag, expectedTag)) throw e2eeError('e2ee.attachment_invalid', 'attachment tag invalid');
    const plaintext = xchacha20(encKey, nonce, ciphertext);
    if (!constantTimeEqual(sha256(plaintext), expected.plaintextSha256)) {
      wipe(plaintext);
      throw e2eeError('e2ee.attachment_invalid', 'plaintext digest does not match');
    }
    return plaintext;
  } finally {
    wipe(encKey, macKey);
  }
}
