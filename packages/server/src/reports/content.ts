import { constantTimeEqual, decodeBase64Url, utf8Decode, utf8Encode } from '@fulcrum/common';
import { wireError } from '@fulcrum/wire';

/**
 * The server's own strict reading of revealed message content (the canonical JSON of
 * `packages/client/src/message-content.ts`; the server never imports a client package). It reads
 * only what report intake checks — the type, and for an attachment the committed reference — and
 * refuses bytes a receiving client would have refused too: not UTF-8, not JSON, not the canonical
 * encoding of their value (sorted keys, no whitespace, safe integers, JSON.stringify escapes: so
 * duplicate keys or a second reading cannot exist), not an object, or `v` other than 1.
 */

/** An attachment reference as its message committed to it (content v1). */
export interface AttachmentReference {
  attachmentId: string;
  key: Uint8Array;
  plaintextSha256: Uint8Array;
  blobSha256: Uint8Array;
  size: number;
  mediaType: string;
  name: string;
}

export type ReportedContent = { type: 'attachment'; attachment: AttachmentReference } | { type: string };

/** Most nested arrays/objects (the client's canonical JSON limit). */
const MAX_DEPTH = 16;
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: names with control characters are refused
const BAD_NAME = /[\u0000-\u001f\u007f/\\]/;

function invalid(message: string, index: number): never {
  throw wireError('report.invalid', message, { index });
}

function canonical(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error('too deep');
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) throw new Error('not a safe integer');
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(obj[k], depth + 1)}`).join(',')}}`;
}

function bytes32(o: Record<string, unknown>, k: string, index: number): Uint8Array {
  const v = o[k];
  let b: Uint8Array;
  try {
    if (typeof v !== 'string') throw new Error('not a string');
    b = decodeBase64Url(v);
  } catch {
    return invalid(`attachment ${k} is not base64url`, index);
  }
  if (b.length !== 32) invalid(`attachment ${k} must be 32 bytes`, index);
  return b;
}

/**
 * Reads revealed content bytes (hostile: the reporter chose them, the sender made them). Throws
 * `report.invalid` (`detail.index` = `index`) for anything a client would not have displayed.
 */
export function parseReportedContent(body: Uint8Array, index: number): ReportedContent {
  let text: string;
  let value: unknown;
  try {
    text = utf8Decode(body);
    value = JSON.parse(text);
  } catch {
    return invalid('the content is not UTF-8 JSON', index);
  }
  let again: string;
  try {
    again = canonical(value, 0);
  } catch {
    return invalid('the content is not canonical JSON', index);
  }
  // Compared as bytes: a byte order mark that decoding dropped must not pass either.
  if (!constantTimeEqual(utf8Encode(again), body)) invalid('the content is not canonical JSON', index);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    invalid('the content is not an object', index);
  const o = value as Record<string, unknown>;
  if (o.v !== 1 || typeof o.type !== 'string') invalid('the content is not message content v1', index);
  if (o.type !== 'attachment') return { type: o.type };
  const { attachmentId, key, size, mediaType, name } = o;
  if (typeof attachmentId !== 'string' || !ATTACHMENT_ID.test(attachmentId)) invalid('malformed attachment id', index);
  if (!Number.isSafeInteger(size) || (size as number) < 0) invalid('malformed attachment size', index);
  if (typeof mediaType !== 'string' || !MEDIA_TYPE.test(mediaType)) invalid('malformed media type', index);
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || BAD_NAME.test(name)) {
    invalid('malformed attachment name', index);
  }
  let keyBytes: Uint8Array;
  try {
    if (typeof key !== 'string') throw new Error('not a string');
    keyBytes = decodeBase64Url(key);
  } catch {
    return invalid('attachment key is not base64url', index);
  }
  return {
    type: 'attachment',
    attachment: {
      attachmentId: attachmentId as string,
      key: keyBytes,
      plaintextSha256: bytes32(o, 'plaintextSha256', index),
      blobSha256: bytes32(o, 'blobSha256', index),
      size: size as number,
      mediaType: mediaType as string,
      name: name as string,
    },
  };
}
