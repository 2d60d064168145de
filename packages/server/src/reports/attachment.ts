import { createHash } from 'node:crypto';
import { constantTimeEqual, isFulcrumError } from '@fulcrum/common';
import { ATTACHMENT_OVERHEAD_BYTES, decryptAttachment } from '@fulcrum/e2ee';
import { wireError } from '@fulcrum/wire';
import type { AttachmentStore } from '../blobs/attachment-store.js';
import type { AttachmentReference } from './content.js';
import { pdqOfImage } from './image-hash.js';
import type { VerifiedReportFile } from './store.js';

async function readAll(stream: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const chunk of stream) {
    if (at + chunk.length > size) throw new Error('blob longer than its recorded size');
    out.set(chunk, at);
    at += chunk.length;
  }
  if (at !== size) throw new Error('blob shorter than its recorded size');
  return out;
}

/**
 * Checks a reported attachment against what its (verified) message committed to, and only
 * against that: the stored blob's SHA-256 is the committed `blobSha256`, it decrypts and
 * authenticates under the revealed key (key-committing encrypt-then-MAC, e2ee), and the plaintext
 * has the committed SHA-256 and size. Returns the file with its MD5 and, for images, PDQ hash.
 * Throws `report.attachment_not_found` or `report.attachment_mismatch` (`detail.index`).
 */
export async function verifyReportedAttachment(
  store: AttachmentStore,
  ref: AttachmentReference,
  index: number,
  maxBytes: number,
): Promise<Omit<VerifiedReportFile, 'position'>> {
  const mismatch = (why: string) => wireError('report.attachment_mismatch', why, { index });
  if (ref.size > maxBytes) throw mismatch('the committed size is over the attachment limit');
  const opened = await store.open(ref.attachmentId);
  if (opened === undefined) {
    throw wireError('report.attachment_not_found', 'the attachment blob is no longer stored', { index });
  }
  if (opened.size !== ref.size + ATTACHMENT_OVERHEAD_BYTES) {
    opened.stream.destroy();
    throw mismatch('the stored blob does not have the committed size');
  }
  const blob = await readAll(opened.stream, opened.size);
  const blobSha256 = new Uint8Array(createHash('sha256').update(blob).digest());
  if (!constantTimeEqual(blobSha256, ref.blobSha256)) throw mismatch('the stored blob is not the committed one');
  let content: Uint8Array;
  try {
    content = decryptAttachment(blob, ref.key, ref, { maxBytes });
  } catch (err) {
    if (isFulcrumError(err)) throw mismatch('the blob does not open under the revealed key to the committed file');
    throw err;
  }
  return {
    attachmentId: ref.attachmentId,
    mediaType: ref.mediaType,
    name: ref.name,
    size: content.length,
    plaintextSha256: ref.plaintextSha256,
    blobSha256,
    md5: new Uint8Array(createHash('md5').update(content).digest()),
    pdq: ref.mediaType.startsWith('image/') ? await pdqOfImage(content) : null,
    content,
  };
}
