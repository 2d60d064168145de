/**
 * Application-message content v1: what a Fulcrum client puts inside an MLS application message
 * (protocol.md, last section; README "Message content"). The server never sees it.
 *
 *   { "forwarded"?: n, "type": "text", "text": ..., "v": 1 }
 *   { "attachmentId": ..., "blobSha256": ..., "forwarded"?: n, "key": ..., "mediaType": ...,
 *     "name": ..., "plaintextSha256": ..., "size": ..., "type": "attachment", "v": 1 }
 *   { "name": ..., "type": "rename", "v": 1 }          (control: conversation display name)
 *   { "type": "leave", "v": 1 }                         (control: the sender's account leaves)
 *
 * encoded as canonical JSON (canonical-json.ts). Every field is required except `forwarded`
 * (how many times the message was forwarded, 1 ≤ n ≤ MAX_FORWARDED; absent, never 0, when it was
 * not), no other field is allowed, and decoding is strict: the bytes must be exactly the encoding of what they decode to,
 * so one content has one byte string (franking commits to these bytes).
 */
import { decodeBase64Url, encodeBase64Url } from '@fulcrum/common';
import { type CanonicalValue, decodeCanonicalJson, encodeCanonicalJson } from './canonical-json.js';
import { clientError } from './errors.js';

/** Largest encoded content accepted or produced (bytes). MLS would carry more; we do not need it. */
export const MAX_CONTENT_BYTES = 64 * 1024;
/** Longest text message (UTF-8 bytes). Larger texts should be sent as an attachment. */
export const MAX_TEXT_BYTES = 32 * 1024;
/** Longest attachment file name and conversation name (characters). */
export const MAX_NAME_CHARS = 255;
/** Longest media type (RFC 6838 §4.2 allows 127 + 1 + 127). */
export const MAX_MEDIA_TYPE_CHARS = 255;
/** Largest forward count a content may carry. */
export const MAX_FORWARDED = 1_000_000;

export interface TextContent {
  readonly type: 'text';
  readonly text: string;
  /** How many times this message was forwarded (a forward is a new message franked by the forwarder). */
  readonly forwarded?: number;
}

export interface AttachmentContent {
  readonly type: 'attachment';
  /** The server's id of the encrypted blob. */
  readonly attachmentId: string;
  /** The attachment key (secret; only ever inside MLS). */
  readonly key: Uint8Array;
  /** SHA-256 of the plaintext file (32 bytes). */
  readonly plaintextSha256: Uint8Array;
  /** SHA-256 of the uploaded encrypted blob (32 bytes), as the server reports it. */
  readonly blobSha256: Uint8Array;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** RFC 6838 media type, e.g. `image/png`; `application/octet-stream` when unknown. */
  readonly mediaType: string;
  /** Display file name, without any directory part. */
  readonly name: string;
  /** How many times this message was forwarded. */
  readonly forwarded?: number;
}

export interface RenameContent {
  readonly type: 'rename';
  readonly name: string;
}

export interface LeaveContent {
  readonly type: 'leave';
}

export type MessageContent = TextContent | AttachmentContent | RenameContent | LeaveContent;

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
/** Attachment id as the server hands it out: base64url-ish token. */
const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_CHARS) {
    throw clientError('client.content_too_large', `${what} must be 1-${MAX_NAME_CHARS} characters`);
  }
  // No control characters, no directory separators: a name is shown and may become a file name.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
  if (/[\u0000-\u001f\u007f/\\]/.test(name))
    throw clientError('client.bad_content', `${what} has forbidden characters`);
  return name;
}

function checkDigest(b: unknown, what: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32)
    throw clientError('client.bad_content', `${what} must be 32 bytes`);
  return b;
}

function checkForwarded(c: TextContent | AttachmentContent): void {
  const n = c.forwarded;
  if (n !== undefined && (!Number.isSafeInteger(n) || n < 1 || n > MAX_FORWARDED)) {
    throw clientError('client.bad_content', `forwarded must be an integer 1..${MAX_FORWARDED} (absent when 0)`);
  }
}

/** Checks a content value before encoding (sending); throws `client.bad_content` / `client.content_too_large`. */
export function checkMessageContent(c: MessageContent): MessageContent {
  if (c.type === 'text' || c.type === 'attachment') checkForwarded(c);
  switch (c.type) {
    case 'text':
      if (typeof c.text !== 'string' || c.text.length === 0) throw clientError('client.bad_content', 'empty text');
      if (utf8Length(c.text) > MAX_TEXT_BYTES) throw clientError('client.content_too_large', 'text too long');
      return c;
    case 'attachment':
      if (typeof c.attachmentId !== 'string' || !ATTACHMENT_ID.test(c.attachmentId)) {
        throw clientError('client.bad_content', 'malformed attachment id');
      }
      if (!(c.key instanceof Uint8Array) || c.key.length < 16 || c.key.length > 64) {
        throw clientError('client.bad_content', 'attachment key must be 16-64 bytes');
      }
      checkDigest(c.plaintextSha256, 'plaintextSha256');
      checkDigest(c.blobSha256, 'blobSha256');
      if (!Number.isSafeInteger(c.size) || c.size < 0) throw clientError('client.bad_content', 'bad attachment size');
      if (
        typeof c.mediaType !== 'string' ||
        c.mediaType.length > MAX_MEDIA_TYPE_CHARS ||
        !MEDIA_TYPE.test(c.mediaType)
      ) {
        throw clientError('client.bad_content', 'malformed media type');
      }
      checkName(c.name, 'attachment name');
      return c;
    case 'rename':
      checkName(c.name, 'conversation name');
      return c;
    case 'leave':
      return c;
    default:
      throw clientError('client.bad_content', 'unknown content type');
  }
}

function toCanonical(c: MessageContent): CanonicalValue {
  switch (c.type) {
    case 'text':
      return { v: 1, type: 'text', text: c.text, ...(c.forwarded === undefined ? {} : { forwarded: c.forwarded }) };
    case 'attachment':
      return {
        ...(c.forwarded === undefined ? {} : { forwarded: c.forwarded }),
        v: 1,
        type: 'attachment',
        attachmentId: c.attachmentId,
        key: encodeBase64Url(c.key),
        plaintextSha256: encodeBase64Url(c.plaintextSha256),
        blobSha256: encodeBase64Url(c.blobSha256),
        size: c.size,
        mediaType: c.mediaType,
        name: c.name,
      };
    case 'rename':
      return { v: 1, type: 'rename', name: c.name };
    case 'leave':
      return { v: 1, type: 'leave' };
  }
}

/** Encodes content v1 (canonical JSON bytes). Throws `client.bad_content` / `client.content_too_large`. */
export function encodeMessageContent(content: MessageContent): Uint8Array {
  const bytes = encodeCanonicalJson(toCanonical(checkMessageContent(content)));
  if (bytes.length > MAX_CONTENT_BYTES) throw clientError('client.content_too_large', 'content too large');
  return bytes;
}

function exactKeys(o: Record<string, CanonicalValue>, keys: readonly string[]): void {
  const have = Object.keys(o);
  if (have.length !== keys.length || !keys.every((k) => Object.hasOwn(o, k))) {
    throw clientError('client.bad_content', 'content has missing or unknown fields');
  }
}

function str(o: Record<string, CanonicalValue>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw clientError('client.bad_content', `field ${k} must be a string`);
  return v;
}

function b64(o: Record<string, CanonicalValue>, k: string): Uint8Array {
  try {
    return decodeBase64Url(str(o, k));
  } catch (cause) {
    throw clientError('client.bad_content', `field ${k} is not base64url`, { cause });
  }
}

function withForwarded(o: Record<string, CanonicalValue>, keys: string[]): string[] {
  return Object.hasOwn(o, 'forwarded') ? [...keys, 'forwarded'] : keys;
}

/** The `forwarded` field if present (range-checked by checkMessageContent: never 0). */
function forwarded(o: Record<string, CanonicalValue>): { forwarded?: number } {
  if (!Object.hasOwn(o, 'forwarded')) return {};
  const n = o.forwarded;
  if (typeof n !== 'number') throw clientError('client.bad_content', 'forwarded must be an integer');
  return { forwarded: n };
}

/**
 * Decodes received content (hostile input). Throws `client.bad_content` (not canonical, unknown
 * version or type, missing/extra fields, out-of-range values) or `client.content_too_large`.
 */
export function decodeMessageContent(bytes: Uint8Array): MessageContent {
  const v = decodeCanonicalJson(bytes, MAX_CONTENT_BYTES);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw clientError('client.bad_content', 'not an object');
  const o = v as Record<string, CanonicalValue>;
  if (o.v !== 1) throw clientError('client.bad_content', 'unsupported content version');
  const type = str(o, 'type');
  let content: MessageContent;
  switch (type) {
    case 'text':
      exactKeys(o, withForwarded(o, ['v', 'type', 'text']));
      content = { type, text: str(o, 'text'), ...forwarded(o) };
      break;
    case 'attachment': {
      exactKeys(
        o,
        withForwarded(o, [
          'v',
          'type',
          'attachmentId',
          'key',
          'plaintextSha256',
          'blobSha256',
          'size',
          'mediaType',
          'name',
        ]),
      );
      const size = o.size;
      if (typeof size !== 'number') throw clientError('client.bad_content', 'size must be an integer');
      content = {
        type,
        attachmentId: str(o, 'attachmentId'),
        key: b64(o, 'key'),
        plaintextSha256: b64(o, 'plaintextSha256'),
        blobSha256: b64(o, 'blobSha256'),
        size,
        mediaType: str(o, 'mediaType'),
        name: str(o, 'name'),
        ...forwarded(o),
      };
      break;
    }
    case 'rename':
      exactKeys(o, ['v', 'type', 'name']);
      content = { type, name: str(o, 'name') };
      break;
    case 'leave':
      exactKeys(o, ['v', 'type']);
      content = { type };
      break;
    default:
      throw clientError('client.bad_content', 'unknown content type');
  }
  return checkMessageContent(content);
}
