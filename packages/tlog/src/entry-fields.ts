import { utf8Decode, utf8Encode } from '@fulcrum/common';
import { tlogError } from './errors.js';

/** True if `text` has no lone UTF-16 surrogate (so it encodes to UTF-8 and back unchanged). */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

function malformed(message: string): never {
  throw tlogError('tlog.entry_malformed', message);
}

/**
 * A canonical binary writer for entry bodies: big-endian integers, u16-length-prefixed byte and
 * UTF-8 strings, fixed-size byte fields. Every value has exactly one encoding, so equal values
 * give equal bytes (and equal leaf hashes).
 */
export class FieldWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private uint(n: number, bytes: number, max: number): this {
    if (!Number.isSafeInteger(n) || n < 0 || n > max) malformed(`integer out of range for ${bytes * 8} bits`);
    const out = new Uint8Array(bytes);
    let v = n;
    for (let i = bytes - 1; i >= 0; i--) {
      out[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return this.push(out);
  }

  u8(n: number): this {
    return this.uint(n, 1, 0xff);
  }
  u16(n: number): this {
    return this.uint(n, 2, 0xffff);
  }
  u32(n: number): this {
    return this.uint(n, 4, 0xffffffff);
  }
  /** u64, limited to 2^53-1 so it round-trips through a JS number. */
  u64(n: number): this {
    return this.uint(n, 8, Number.MAX_SAFE_INTEGER);
  }
  /** Exactly `length` bytes. */
  fixed(bytes: Uint8Array, length: number): this {
    if (!(bytes instanceof Uint8Array) || bytes.length !== length) malformed(`field must be ${length} bytes`);
    return this.push(bytes.slice());
  }
  /** u16 length || bytes. */
  bytes16(bytes: Uint8Array, max = 0xffff): this {
    if (!(bytes instanceof Uint8Array) || bytes.length > Math.min(max, 0xffff)) malformed('byte field too long');
    return this.u16(bytes.length).push(bytes.slice());
  }
  /** u16 length || UTF-8. */
  string16(text: string, max = 0xffff): this {
    // Lone surrogates would silently become U+FFFD: two values, one encoding. Refuse them.
    if (typeof text !== 'string' || !isWellFormed(text)) malformed('expected a well-formed Unicode string');
    return this.bytes16(utf8Encode(text), max);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** Reads what FieldWriter wrote; every bound is checked (`tlog.entry_malformed`). */
export class FieldReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  private take(n: number): Uint8Array {
    if (this.offset + n > this.bytes.length) malformed('truncated field');
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  private uint(bytes: number): number {
    let v = 0;
    for (const b of this.take(bytes)) v = v * 256 + b;
    return v;
  }

  u8(): number {
    return this.uint(1);
  }
  u16(): number {
    return this.uint(2);
  }
  u32(): number {
    return this.uint(4);
  }
  u64(): number {
    const hi = this.uint(4);
    if (hi >= 2 ** 21) malformed('u64 above 2^53-1');
    return hi * 2 ** 32 + this.uint(4);
  }
  fixed(length: number): Uint8Array {
    return this.take(length).slice();
  }
  bytes16(max = 0xffff): Uint8Array {
    const n = this.u16();
    if (n > max) malformed('byte field too long');
    return this.take(n).slice();
  }
  string16(max = 0xffff): string {
    const bytes = this.bytes16(max);
    try {
      return utf8Decode(bytes);
    } catch {
      return malformed('string field is not UTF-8');
    }
  }
  /** Requires that every byte was consumed (no trailing data). */
  end(): void {
    if (this.offset !== this.bytes.length) malformed('trailing bytes');
  }
}
