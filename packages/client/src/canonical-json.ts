/**
 * Canonical JSON, the byte encoding of application-message plaintexts (README "Message content").
 *
 * A value encodes to exactly one byte string, so that a signature, MAC or franking commitment over
 * the bytes is over the value: objects have their keys sorted by UTF-16 code unit (as RFC 8785 JCS),
 * no whitespace, strings escaped as ECMAScript `JSON.stringify` does (which is what JCS specifies),
 * numbers are safe integers only (no fractions, exponents or -0), and the result is UTF-8.
 * Decoding parses and re-encodes, and refuses input whose bytes differ: that rejects duplicate keys,
 * unsorted keys, whitespace, non-minimal escapes and numbers such as `1.0`.
 */
import { utf8Decode, utf8Encode } from '@fulcrum/common';
import { clientError } from './errors.js';

export type CanonicalValue =
  | string
  | number
  | boolean
  | null
  | readonly CanonicalValue[]
  | { readonly [key: string]: CanonicalValue };

/** Most nested arrays/objects a decoded value may have (stack-safe, cheap). */
const MAX_DEPTH = 16;

function encodeValue(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw clientError('client.bad_content', 'value nested too deeply');
  if (v === null || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) {
      throw clientError('client.bad_content', 'canonical JSON numbers are safe integers');
    }
    return String(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => encodeValue(x, depth + 1)).join(',')}]`;
  if (typeof v === 'object') {
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const parts: string[] = [];
    for (const k of keys) {
      const x = obj[k];
      if (x === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${encodeValue(x, depth + 1)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw clientError('client.bad_content', `cannot encode ${typeof v} as canonical JSON`);
}

/** Encodes `value` as canonical JSON bytes. Throws `client.bad_content` for unsupported values. */
export function encodeCanonicalJson(value: CanonicalValue): Uint8Array {
  return utf8Encode(encodeValue(value, 0));
}

/**
 * Decodes canonical JSON bytes of at most `maxBytes`; throws `client.content_too_large` or
 * `client.bad_content` (invalid UTF-8, invalid JSON, or not the canonical encoding of its value).
 */
export function decodeCanonicalJson(bytes: Uint8Array, maxBytes: number): CanonicalValue {
  if (bytes.length > maxBytes) {
    throw clientError('client.content_too_large', 'canonical JSON longer than its limit', { detail: { maxBytes } });
  }
  let text: string;
  let value: unknown;
  try {
    text = utf8Decode(bytes);
    value = JSON.parse(text);
  } catch (cause) {
    throw clientError('client.bad_content', 'not UTF-8 JSON', { cause });
  }
  if (encodeValue(value, 0) !== text) throw clientError('client.bad_content', 'JSON is not in canonical form');
  return value as CanonicalValue;
}
