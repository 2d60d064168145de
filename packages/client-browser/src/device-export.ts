/**
 * Passphrase-protected export and import of a device's whole state (every table of its store).
 *
 * The key is scrypt(passphrase, 32-byte random salt; N = 2^17, r = 8, p = 1 — OWASP's minimum for
 * scrypt) from @noble/hashes; the state is sealed with XChaCha20-Poly1305 (@noble/ciphers) under a
 * random 24-byte nonce, with the export's header (format, version, KDF parameters, cipher) as
 * associated data, so a changed parameter fails like a wrong passphrase. A wrong passphrase (or
 * any altered byte) is `client-browser.wrong_passphrase`; a file that is not an export at all is
 * `client-browser.bad_export`.
 *
 * The export is a copy of a live device: the MLS ratchets must advance in one place only, so the
 * copy is for moving a device (export here, import there, stop using this one) or restoring it
 * after this browser's storage was lost. Importing into a browser that already holds a device is
 * refused (`client-browser.not_empty`).
 */
import { type ClientStore, TABLES, type StoreWrite } from '@fulcrum/client';
import { decodeBase64Url, encodeBase64Url, utf8Decode, utf8Encode } from '@fulcrum/common';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { clientBrowserError } from './errors.js';

export const EXPORT_FORMAT = 'fulcrum-device-export';
export const MIN_PASSPHRASE_CHARS = 8;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** OWASP Password Storage Cheat Sheet: scrypt N = 2^17, r = 8, p = 1. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
/** Imports refuse costlier parameters (a hostile file must not make the page allocate gigabytes). */
const MAX_SCRYPT: ScryptParams = { N: 2 ** 20, r: 16, p: 4 };

/** A store whose tables can be enumerated (IndexedDbClientStore). */
export interface EnumerableStore extends ClientStore {
  tables(): Promise<string[]>;
}

interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  v: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: 'xchacha20poly1305';
}

interface ExportFile extends ExportHeader {
  nonce: string;
  ciphertext: string;
}

function headerBytes(h: ExportHeader): Uint8Array {
  // Fixed field order: the associated data is exactly these bytes on both sides.
  return utf8Encode(
    JSON.stringify({
      format: h.format,
      v: h.v,
      kdf: { name: h.kdf.name, N: h.kdf.N, r: h.kdf.r, p: h.kdf.p, salt: h.kdf.salt },
      cipher: h.cipher,
    }),
  );
}

function deriveKey(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return scryptAsync(utf8Encode(passphrase.normalize('NFKC')), salt, { ...params, dkLen: 32, maxmem: 2 ** 31 });
}

/**
 * Seals every entry of every table of `store` under `passphrase`. Returns the export file's bytes
 * (JSON). `client-browser.weak_passphrase` if shorter than MIN_PASSPHRASE_CHARS.
 */
export async function exportDeviceState(
  store: EnumerableStore,
  passphrase: string,
  options: { scrypt?: ScryptParams; random?: (n: number) => Uint8Array } = {},
): Promise<Uint8Array> {
  if ([...passphrase].length < MIN_PASSPHRASE_CHARS) {
    throw clientBrowserError('client-browser.weak_passphrase', 'the passphrase is too short', {
      detail: { min: MIN_PASSPHRASE_CHARS },
    });
  }
  const random = options.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  const tables: Record<string, [string, string][]> = {};
  for (const table of await store.tables()) {
    tables[table] = (await store.list(table)).map((e) => [e.key, encodeBase64Url(e.value)]);
  }
  const plaintext = utf8Encode(JSON.stringify({ tables }));
  const salt = random(32);
  const nonce = random(24);
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    v: 1,
    kdf: { name: 'scrypt', ...params, salt: encodeBase64Url(salt) },
    cipher: 'xchacha20poly1305',
  };
  const key = await deriveKey(passphrase, salt, params);
  try {
    const ciphertext = xchacha20poly1305(key, nonce, headerBytes(header)).encrypt(plaintext);
    const file: ExportFile = { ...header, nonce: encodeBase64Url(nonce), ciphertext: encodeBase64Url(ciphertext) };
    return utf8Encode(JSON.stringify(file));
  } finally {
    key.fill(0);
    plaintext.fill(0);
  }
}

function parseExport(bytes: Uint8Array): { header: ExportHeader; salt: Uint8Array; nonce: Uint8Array; ct: Uint8Array } {
  const bad = (why: string, cause?: unknown) =>
    clientBrowserError('client-browser.bad_export', `not a device export: ${why}`, cause ? { cause } : undefined);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(utf8Decode(bytes)) as Record<string, unknown>;
  } catch (cause) {
    throw bad('not JSON', cause);
  }
  if (v === null || typeof v !== 'object' || v.format !== EXPORT_FORMAT) throw bad('unknown format');
  if (v.v !== 1 || v.cipher !== 'xchacha20poly1305') throw bad('unsupported version');
  const kdf = v.kdf as Record<string, unknown> | undefined;
  if (kdf === undefined || kdf === null || kdf.name !== 'scrypt') throw bad('unsupported key derivation');
  const int = (x: unknown, max: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 1 && x <= max;
  if (!int(kdf.N, MAX_SCRYPT.N) || !int(kdf.r, MAX_SCRYPT.r) || !int(kdf.p, MAX_SCRYPT.p)) {
    throw bad('key derivation parameters out of range');
  }
  if (typeof kdf.salt !== 'string' || typeof v.nonce !== 'string' || typeof v.ciphertext !== 'string') {
    throw bad('missing fields');
  }
  let salt: Uint8Array;
  let nonce: Uint8Array;
  let ct: Uint8Array;
  try {
    salt = decodeBase64Url(kdf.salt);
    nonce = decodeBase64Url(v.nonce);
    ct = decodeBase64Url(v.ciphertext);
  } catch (cause) {
    throw bad('bad encoding', cause);
  }
  if (salt.length !== 32 || nonce.length !== 24 || ct.length < 16) throw bad('bad lengths');
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    v: 1,
    kdf: { name: 'scrypt', N: kdf.N as number, r: kdf.r as number, p: kdf.p as number, salt: kdf.salt },
    cipher: 'xchacha20poly1305',
  };
  return { header, salt, nonce, ct };
}

/**
 * Opens an export with `passphrase` and writes every entry into `store` in one batch. The store
 * must not hold a registered device. Returns the number of entries written.
 */
export async function importDeviceState(store: ClientStore, bytes: Uint8Array, passphrase: string): Promise<number> {
  const { header, salt, nonce, ct } = parseExport(bytes);
  if ((await store.get(TABLES.device, 'self')) !== undefined) {
    throw clientBrowserError('client-browser.not_empty', 'this browser already holds a device');
  }
  const key = await deriveKey(passphrase, salt, header.kdf);
  let plaintext: Uint8Array;
  try {
    plaintext = xchacha20poly1305(key, nonce, headerBytes(header)).decrypt(ct);
  } catch (cause) {
    throw clientBrowserError('client-browser.wrong_passphrase', 'the passphrase does not open this export', { cause });
  } finally {
    key.fill(0);
  }
  let tables: Record<string, unknown>;
  try {
    const v = JSON.parse(utf8Decode(plaintext)) as { tables?: Record<string, unknown> };
    if (v.tables === undefined || v.tables === null || typeof v.tables !== 'object') throw new Error('no tables');
    tables = v.tables;
  } catch (cause) {
    throw clientBrowserError('client-browser.bad_export', 'the export decrypted but is malformed', { cause });
  } finally {
    plaintext.fill(0);
  }
  const ops: StoreWrite[] = [];
  for (const [table, entries] of Object.entries(tables)) {
    if (!Array.isArray(entries)) throw clientBrowserError('client-browser.bad_export', 'malformed table');
    for (const e of entries) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'string') {
        throw clientBrowserError('client-browser.bad_export', 'malformed entry');
      }
      ops.push({ op: 'put', table, key: e[0], value: decodeBase64Url(e[1]) });
    }
  }
  if (!ops.some((o) => o.table === TABLES.device && o.key === 'self')) {
    throw clientBrowserError('client-browser.bad_export', 'the export holds no registered device');
  }
  await store.write(ops);
  return ops.length;
}
