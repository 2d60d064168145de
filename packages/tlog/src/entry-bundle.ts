import { tlogError } from './errors.js';
import { TILE_WIDTH } from './tile-path.js';

/** Largest entry an entry bundle can carry: its length prefix is a big-endian uint16. */
export const MAX_ENTRY_SIZE = 0xffff;
/** Largest possible bundle: 256 entries of 65535 bytes with their 2-byte prefixes. */
export const MAX_BUNDLE_SIZE = TILE_WIDTH * (2 + MAX_ENTRY_SIZE);

/** Encodes entries as a c2sp.org/tlog-tiles entry bundle: uint16-BE length || entry, repeated. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length < 1 || entries.length > TILE_WIDTH) {
    throw tlogError('tlog.bundle_malformed', 'a bundle holds 1..256 entries');
  }
  let total = 0;
  for (const e of entries) {
    if (!(e instanceof Uint8Array) || e.length > MAX_ENTRY_SIZE) {
      throw tlogError('tlog.entry_too_large', 'an entry must be at most 65535 bytes to fit an entry bundle');
    }
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 255;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * Decodes an entry bundle. If `width` is given the bundle must hold exactly that many entries
 * (the width its path or the tree size implies). Entries are views into `bytes` (no copy).
 * Throws `tlog.bundle_malformed` on a truncated prefix or entry, trailing bytes, more than 256
 * entries or more than MAX_BUNDLE_SIZE bytes. Linear time.
 */
export function decodeEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_BUNDLE_SIZE) {
    throw tlogError('tlog.bundle_malformed', 'entry bundle is larger than 256 maximum-size entries');
  }
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (out.length === TILE_WIDTH) throw tlogError('tlog.bundle_malformed', 'entry bundle has more than 256 entries');
    if (o + 2 > bytes.length) throw tlogError('tlog.bundle_malformed', 'truncated entry length prefix');
    const len = ((bytes[o] as number) << 8) | (bytes[o + 1] as number);
    if (o + 2 + len > bytes.length) throw tlogError('tlog.bundle_malformed', 'truncated entry');
    out.push(bytes.subarray(o + 2, o + 2 + len));
    o += 2 + len;
  }
  if (width !== undefined && out.length !== width) {
    throw tlogError('tlog.bundle_malformed', 'entry bundle does not hold the expected number of entries', {
      expected: width,
      actual: out.length,
    });
  }
  return out;
}
