import { constantTimeEqual } from '@fulcrum/common';
import { MAX_ENTRY_SIZE } from './entry-bundle.js';
import { FieldReader, FieldWriter } from './entry-fields.js';
import { isTlogError, tlogError } from './errors.js';

/** Envelope format byte of every Fulcrum log entry (bump only for an incompatible envelope). */
export const ENTRY_FORMAT_V1 = 0x01;
/** Fixed envelope bytes around the kind name and body: format, kind length, version, time, body length. */
const ENVELOPE_OVERHEAD = 1 + 1 + 2 + 8 + 2;
/** Kind names: dotted lowercase identifiers, 1..64 bytes, e.g. `key.device_revoked`. */
const KIND_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;
const MAX_KIND_LENGTH = 64;

/** A log entry before interpretation of its body. */
export interface LogEntryEnvelope {
  /** What the entry records, e.g. `key.device`. */
  readonly kind: string;
  /** Version of the body format for this kind (1..65535). */
  readonly version: number;
  /** Milliseconds since the Unix epoch, as stated by the log when it accepted the entry. */
  readonly time: number;
  readonly body: Uint8Array;
}

function malformed(message: string): never {
  throw tlogError('tlog.entry_malformed', message);
}

function checkKind(kind: string): void {
  if (typeof kind !== 'string' || kind.length === 0 || kind.length > MAX_KIND_LENGTH || !KIND_PATTERN.test(kind)) {
    throw tlogError('tlog.entry_malformed', 'kind must be a dotted lowercase name of 1..64 characters');
  }
}

function writeU32(out: Uint8Array, o: number, word: number): void {
  out[o] = word >>> 24;
  out[o + 1] = (word >>> 16) & 0xff;
  out[o + 2] = (word >>> 8) & 0xff;
  out[o + 3] = word & 0xff;
}

/**
 * The canonical entry encoding (big-endian):
 *   u8 format = 0x01 · u8 kind length · kind (ASCII) · u16 version · u64 time (ms) ·
 *   u16 body length · body
 * The whole entry must fit an entry bundle (≤ 65535 bytes). Each envelope has exactly one
 * encoding; bodies are canonical through their kind's codec (checked on decode).
 */
export function encodeLogEntry(entry: LogEntryEnvelope): Uint8Array {
  checkKind(entry.kind);
  if (!Number.isInteger(entry.version) || entry.version < 1 || entry.version > 0xffff)
    malformed('version must be 1..65535');
  if (!(entry.body instanceof Uint8Array)) malformed('body must be bytes');
  const { kind, version, time, body } = entry;
  if (ENVELOPE_OVERHEAD + kind.length + body.length > MAX_ENTRY_SIZE) {
    throw tlogError('tlog.entry_too_large', 'entry exceeds 65535 bytes', { kind });
  }
  if (!Number.isSafeInteger(time) || time < 0) malformed('integer out of range for 64 bits');
  // Written in place into one allocation (the same bytes `FieldWriter` gives, without its parts
  // and copies): every append encodes its entry on the server's write path (bench/tlog).
  const out = new Uint8Array(ENVELOPE_OVERHEAD + kind.length + body.length);
  let o = 0;
  out[o++] = ENTRY_FORMAT_V1;
  out[o++] = kind.length;
  for (let i = 0; i < kind.length; i++) out[o++] = kind.charCodeAt(i); // ASCII: checkKind
  out[o++] = version >>> 8;
  out[o++] = version & 0xff;
  writeU32(out, o, Math.floor(time / 2 ** 32)); // time < 2^53: two 32-bit halves
  writeU32(out, o + 4, time >>> 0);
  o += 8;
  out[o++] = body.length >>> 8;
  out[o++] = body.length & 0xff;
  out.set(body, o);
  return out;
}

/** Decodes the envelope of any entry (known kind or not). Throws `tlog.entry_malformed` / `tlog.entry_too_large`. */
export function decodeLogEntry(bytes: Uint8Array): LogEntryEnvelope {
  if (!(bytes instanceof Uint8Array)) malformed('entry must be bytes');
  if (bytes.length > MAX_ENTRY_SIZE) throw tlogError('tlog.entry_too_large', 'entry exceeds 65535 bytes');
  const r = new FieldReader(bytes);
  if (r.u8() !== ENTRY_FORMAT_V1) malformed('unknown entry format');
  const kindLength = r.u8();
  const kindBytes = r.fixed(kindLength);
  let kind = '';
  for (const b of kindBytes) kind += String.fromCharCode(b);
  checkKind(kind);
  const version = r.u16();
  if (version === 0) malformed('version 0 is not valid');
  const time = r.u64();
  const body = r.bytes16();
  r.end();
  return { kind, version, time, body };
}

/** How one kind (at one version) encodes and decodes its body. */
export interface EntryKind<T> {
  readonly kind: string;
  readonly version: number;
  /** Body size limit for this kind (default: whatever fits the entry). */
  readonly maxBodyBytes?: number;
  /** Canonical encoding of a value. */
  encodeBody(value: T): Uint8Array;
  /** Parses a body; throws `tlog.entry_malformed`. Must accept exactly what encodeBody produces. */
  decodeBody(body: Uint8Array): T;
  /** One-line human description (for log listings); must reveal nothing beyond the entry itself. */
  describe?(value: T): string;
}

/** A decoded entry of a registered kind. */
export interface DecodedLogEntry<T = unknown> extends LogEntryEnvelope {
  readonly value: T;
  readonly definition: EntryKind<T>;
}

const keyOf = (kind: string, version: number) => `${kind}@${version}`;

/**
 * An immutable set of entry kinds. Later capabilities add their kinds with `with(...)` (for
 * example `hashlist.version`, `warrant.order`) without touching the log: the log only stores
 * canonical bytes; readers decode the kinds they know and can list the others as opaque.
 */
export class EntryRegistry {
  private constructor(private readonly kinds: ReadonlyMap<string, EntryKind<unknown>>) {}

  static of(kinds: readonly EntryKind<unknown>[] = []): EntryRegistry {
    return kinds.reduce((r, k) => r.with(k), new EntryRegistry(new Map()));
  }

  /** A new registry with one more kind; throws `tlog.entry_bad_registration` on a duplicate or invalid kind. */
  with<T>(def: EntryKind<T>): EntryRegistry {
    try {
      checkKind(def.kind);
    } catch (cause) {
      throw tlogError('tlog.entry_bad_registration', 'invalid kind name', { kind: def.kind }, cause);
    }
    if (!Number.isInteger(def.version) || def.version < 1 || def.version > 0xffff) {
      throw tlogError('tlog.entry_bad_registration', 'kind version must be 1..65535', { kind: def.kind });
    }
    const k = keyOf(def.kind, def.version);
    if (this.kinds.has(k)) throw tlogError('tlog.entry_bad_registration', 'kind already registered', { kind: k });
    const next = new Map(this.kinds);
    next.set(k, def as EntryKind<unknown>);
    return new EntryRegistry(next);
  }

  has(kind: string, version: number): boolean {
    return this.kinds.has(keyOf(kind, version));
  }

  /** Every registered (kind, version). */
  list(): { kind: string; version: number }[] {
    return [...this.kinds.values()].map((k) => ({ kind: k.kind, version: k.version }));
  }

  /** Encodes a value of a registered kind as a canonical entry stamped with `time` (ms). */
  encode<T>(def: EntryKind<T>, time: number, value: T): Uint8Array {
    if (this.kinds.get(keyOf(def.kind, def.version)) !== def) {
      throw tlogError('tlog.entry_unknown_kind', 'kind is not registered', { kind: def.kind, version: def.version });
    }
    const body = def.encodeBody(value);
    if (def.maxBodyBytes !== undefined && body.length > def.maxBodyBytes) {
      throw tlogError('tlog.entry_too_large', 'body exceeds the kind limit', { kind: def.kind });
    }
    return encodeLogEntry({ kind: def.kind, version: def.version, time, body });
  }

  /**
   * Decodes an entry of a registered kind. Throws `tlog.entry_unknown_kind` for others,
   * `tlog.entry_malformed` if the body does not parse or is not in canonical form (re-encoding
   * must give the same bytes).
   */
  decode(bytes: Uint8Array): DecodedLogEntry {
    const env = decodeLogEntry(bytes);
    const def = this.kinds.get(keyOf(env.kind, env.version));
    if (def === undefined) {
      throw tlogError('tlog.entry_unknown_kind', 'entry kind is not registered', {
        kind: env.kind,
        version: env.version,
      });
    }
    if (def.maxBodyBytes !== undefined && env.body.length > def.maxBodyBytes) {
      throw tlogError('tlog.entry_too_large', 'body exceeds the kind limit', { kind: env.kind });
    }
    let value: unknown;
    try {
      value = def.decodeBody(env.body);
    } catch (cause) {
      if (isTlogError(cause, 'tlog.entry_malformed')) throw cause;
      throw tlogError('tlog.entry_malformed', 'entry body does not parse', { kind: env.kind }, cause);
    }
    if (!constantTimeEqual(def.encodeBody(value), env.body)) malformed('entry body is not in canonical form');
    return { ...env, value, definition: def };
  }
}

/** Builds a kind from a FieldWriter/FieldReader pair (the usual way to define one). */
export function defineEntryKind<T>(spec: {
  readonly kind: string;
  readonly version: number;
  readonly maxBodyBytes?: number;
  write(w: FieldWriter, value: T): void;
  read(r: FieldReader): T;
  describe?(value: T): string;
}): EntryKind<T> {
  const def: EntryKind<T> = {
    kind: spec.kind,
    version: spec.version,
    encodeBody(value) {
      const w = new FieldWriter();
      spec.write(w, value);
      return w.finish();
    },
    decodeBody(body) {
      const r = new FieldReader(body);
      const value = spec.read(r);
      r.end();
      return value;
    },
    ...(spec.maxBodyBytes !== undefined ? { maxBodyBytes: spec.maxBodyBytes } : {}),
    ...(spec.describe !== undefined ? { describe: spec.describe } : {}),
  };
  return def;
}
