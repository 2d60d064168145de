import { type TString, Type } from '@sinclair/typebox';
import { base64UrlLength } from './limits.js';

const B64URL_PATTERN = '^[A-Za-z0-9_-]*$';

/**
 * A JSON string field holding base64url (no padding) of `min`..`max` bytes. The schema bounds
 * the text length, so an oversized field is refused before anything decodes it; the server
 * still decodes strictly (`decodeBase64Url`) and refuses non-canonical text.
 */
export function base64UrlBytes(min: number, max: number, description?: string): TString {
  return Type.String({
    pattern: B64URL_PATTERN,
    minLength: base64UrlLength(min),
    maxLength: base64UrlLength(max),
    ...(description === undefined ? {} : { description }),
    contentEncoding: 'base64url',
  });
}

/** A base64url field of exactly `n` bytes. */
export function base64UrlExact(n: number, description?: string): TString {
  return base64UrlBytes(n, n, description);
}
