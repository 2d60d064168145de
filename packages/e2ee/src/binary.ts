/**
 * A tiny strict binary reader/writer for this package's own canonical encodings (device certificates,
 * stored state) and for reading the public headers of MLS messages (RFC 9420 §2.1.2 variable-length
 * vectors). Every read is bounds-checked and raises `e2ee.malformed`; callers enforce overall size
 * limits before reading. Internal: not exported from the package.
 */
import { e2eeError } from './errors.js';

export class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  bytes(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  u8(n: number): this {
    return this.bytes(Uint8Array.of(n & 0xff));
  }
  u16(n: number): this {
    return this.bytes(Uint8Array.of((n >>> 8) & 0xff, n & 0xff));
  }
  u32(n: number): this {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, n >>> 0, false);
    return this.bytes(out);
  }
  u64(n: bigint): this {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, n, false);
    return this.bytes(out);
  }
  /** A byte string with a u32 length prefix (this package's own formats). */
  opaque32(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }
  /** A byte string with a u8 length prefix (short ids). */
  opaque8(b: Uint8Array): this {
    if (b.length > 255) throw e2eeError('e2ee.too_large', 'opaque8 value longer than 255 bytes');
    return this.u8(b.length).bytes(b);
  }
  /** RFC 9420 §2.1.2 variable-length integer, minimal encoding (values below 2^30). */
  varint(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 30) throw e2eeError('e2ee.too_large', 'vector too long');
    if (n < 64) return this.u8(n);
    if (n < 16384) return this.u16(0x4000 | n);
    return this.u32((0x80000000 | n) >>> 0);
  }
  /** An RFC 9420 `opaque x<V>` vector. */
  vector(b: Uint8Array): this {
    return this.varint(b.length).bytes(b);
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

export class Reader {
  private offset = 0;
  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }
  get position(): number {
    return this.offset;
  }
  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) throw e2eeError('e2ee.malformed', 'truncated input');
  }
  u8(): number {
    this.need(1);
    return this.buf[this.offset++] as number;
  }
  u16(): number {
    this.need(2);
    const v = ((this.buf[this.offset] as number) << 8) | (this.buf[this.offset + 1] as number);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.offset, 4).getUint32(0, false);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.offset, 8).getBigUint64(0, false);
    this.offset += 8;
    return v;
  }
  /** A copy of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }
  opaque8(): Uint8Array {
    return this.bytes(this.u8());
  }
  opaque32(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) throw e2eeError('e2ee.too_large', 'field longer than its limit', { detail: { limit: max } });
    return this.bytes(n);
  }
  /**
   * RFC 9420 §2.1.2 variable-length integer (the length of an `opaque<V>` vector): 1, 2 or 4 bytes,
   * the top two bits give the size; the 8-byte form (0b11) is invalid, and a value must use the
   * shortest encoding (the RFC requires minimal encoding).
   */
  varint(): number {
    const first = this.u8();
    const prefix = first >> 6;
    if (prefix === 0) return first & 0x3f;
    if (prefix === 1) {
      const v = ((first & 0x3f) << 8) | this.u8();
      if (v < 64) throw e2eeError('e2ee.malformed', 'non-minimal variable-length integer');
      return v;
    }
    if (prefix === 2) {
      const b1 = this.u8();
      const b2 = this.u8();
      const b3 = this.u8();
      const value = (first & 0x3f) * 2 ** 24 + b1 * 2 ** 16 + b2 * 2 ** 8 + b3;
      if (value < 16384) throw e2eeError('e2ee.malformed', 'non-minimal variable-length integer');
      return value;
    }
    throw e2eeError('e2ee.malformed', 'invalid variable-length integer prefix');
  }
  /** An RFC 9420 `opaque x<V>` vector, with a caller-given maximum length. */
  vector(max: number): Uint8Array {
    const n = this.varint();
    if (n > max) throw e2eeError('e2ee.too_large', 'vector longer than its limit', { detail: { limit: max } });
    return this.bytes(n);
  }
  /** Skips an RFC 9420 `opaque x<V>` vector (or a vector of structs, skipped as bytes). */
  skipVector(max: number): void {
    const n = this.varint();
    if (n > max) throw e2eeError('e2ee.too_large', 'vector longer than its limit', { detail: { limit: max } });
    this.skip(n);
  }
  /** Throws unless every byte was consumed (strict parsers reject trailing data). */
  end(): void {
    if (this.offset !== this.buf.length) throw e2eeError('e2ee.malformed', 'trailing bytes');
  }
}
