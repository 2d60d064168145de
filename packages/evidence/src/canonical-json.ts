import { utf8Decode, utf8Encode } from '@fulcrum/common';
import { evidenceError } from './errors.js';

/** The JSON values a manifest may hold: no floats (integers within ±(2^53-1) only), no undefined. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/** Nesting deeper than this is refused (a hostile manifest must not exhaust the stack). */
export const MAX_JSON_DEPTH = 32;

function fail(message: string, code: 'evidence.bad_input' | 'evidence.malformed'): never {
  throw evidenceError(code, message);
}

/** True if `s` has a lone UTF-16 surrogate (it has no UTF-8 encoding, so no canonical bytes). */
function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return true;
  }
  return false;
}

function write(value: unknown, depth: number, code: 'evidence.bad_input' | 'evidence.malformed'): string {
  if (depth > MAX_JSON_DEPTH) fail(`JSON nested deeper than ${MAX_JSON_DEPTH}`, code);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value) || Object.is(value, -0)) fail('JSON numbers must be safe integers', code);
      return String(value);
    case 'string':
      if (hasLoneSurrogate(value)) fail('JSON strings must be valid Unicode', code);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => write(v, depth + 1, code)).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) fail('JSON objects must be plain objects', code);
      const keys = Object.keys(value).sort();
      const parts: string[] = [];
      for (const k of keys) {
        if (hasLoneSurrogate(k)) fail('JSON keys must be valid Unicode', code);
        const v = (value as Record<string, unknown>)[k];
        parts.push(`${JSON.stringify(k)}:${write(v, depth + 1, code)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return fail(`JSON cannot hold a ${typeof value}`, code);
  }
}

/**
 * Canonical JSON (the RFC 8785 JCS rules for the subset manifests use): object members sorted by
 * key in UTF-16 code-unit order, no whitespace, strings escaped as ECMAScript `JSON.stringify`
 * does, numbers only safe integers (so their text is unique), UTF-8 bytes. Throws
 * `evidence.bad_input` for a value outside that subset.
 */
export function encodeCanonicalJson(value: JsonValue): Uint8Array {
  return utf8Encode(write(value, 0, 'evidence.bad_input'));
}

/**
 * Parses canonical JSON: the bytes must be valid UTF-8, parse as JSON, and be exactly the
 * canonical encoding of what they parse to (so each value has one byte string). Throws
 * `evidence.malformed`.
 */
export function decodeCanonicalJson(bytes: Uint8Array): JsonValue {
  let text: string;
  try {
    text = utf8Decode(bytes);
  } catch (cause) {
    throw evidenceError('evidence.malformed', 'manifest is not UTF-8', undefined, cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw evidenceError('evidence.malformed', 'manifest is not JSON', undefined, cause);
  }
  // A non-canonical encoding (whitespace, key order, escapes, duplicate keys, 1.0) re-encodes differently.
  if (write(parsed, 0, 'evidence.malformed') !== text) fail('manifest is not canonical JSON', 'evidence.malformed');
  return parsed as JsonValue;
}
