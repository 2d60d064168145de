import { type Static, Type } from '@sinclair/typebox';
import { base64UrlExact } from './base64url.js';
import { AttachmentId } from './ids.js';

const strict = { additionalProperties: false } as const;

export const AttachmentIdParams = Type.Object({ attachmentId: AttachmentId }, strict);
export type AttachmentIdParams = Static<typeof AttachmentIdParams>;

/** `POST /v1/attachments` answer: `sha256` is base64url(SHA-256(blob)) of the stored bytes. */
export const UploadAttachmentResponse = Type.Object(
  {
    attachmentId: AttachmentId,
    size: Type.Integer({ minimum: 0 }),
    sha256: base64UrlExact(32, 'SHA-256 of the stored blob'),
  },
  strict,
);
export type UploadAttachmentResponse = Static<typeof UploadAttachmentResponse>;
