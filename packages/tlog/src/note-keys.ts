import { concatBytes, decodeBase64, encodeBase64, encodeHex, utf8Encode, wipe } from '@fulcrum/common';
import type { Random } from '@fulcrum/common';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { tlogError } from './errors.js';

/** C2SP signed-note signature type bytes this package implements. */
export const SIGNATURE_TYPE = {
  /** Ed25519 over the note text (c2sp.org/signed-note). */
  ed25519: 0x01,
  /** Timestamped Ed25519 checkpoint cosignature, `cosignature/v1` (c2sp.org/tlog-cosignature). */
  cosignatureV1: 0x04,
  /** Timestamped ML-DSA-44 (sub)tree cosignature, `subtree/v1` (c2sp.org/tlog-cosignature). */
  mlDsa44Subtree: 0x06,
} as const;

/**
 * Checks a note verifier against a signature. `text` is the UTF-8 note text (ending in a newline,
 * without the blank separator line); `signature` is the decoded signature **after** the 4-byte
 * key ID. Returns false (never throws) when the signature does not verify.
 */
export interface NoteVerifier {
  readonly name: string;
  /** uint32 key ID: SHA-256(name || 0x0A || type || public key)[:4], big-endian. */
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * Produces note signatures (the bytes after the key ID) over the UTF-8 note text. May be async
 * so the key can live in an HSM or KMS.
 */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  readonly publicKey: Uint8Array;
  sign(text: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

// Unicode White_Space (as Go's unicode.IsSpace): key names must contain none of these.
const SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** Upper bound on a key name, in UTF-16 code units (cosigned_message names are ≤ 255 bytes). */
export const MAX_KEY_NAME_LENGTH = 255;

/** True if `text` has no ASCII control characters but newline and is valid Unicode (encodable as UTF-8). */
export function isValidNoteString(text: string): boolean {
  // One linear pass: ASCII controls other than newline are forbidden (c2sp.org/signed-note
  // "Format"), and so are lone UTF-16 surrogates, which have no UTF-8 encoding.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x0a) return false;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c >= 0xdc00) return false;
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** c2sp.org/signed-note: key names are non-empty, without Unicode spaces or '+'. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_KEY_NAME_LENGTH &&
    !SPACE.test(name) &&
    !name.includes('+') &&
    isValidNoteString(name)
  );
}

/** Throws `tlog.bad_key` unless `name` is a valid key name. */
export function assertKeyName(name: string): string {
  if (!isValidKeyName(name)) throw tlogError('tlog.bad_key', 'invalid key name (empty, space, plus or control)');
  return name;
}

/** key ID = SHA-256(key name || 0x0A || signature type || public key)[:4] as a big-endian uint32. */
export function computeKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8Encode(name), new Uint8Array([0x0a, type]), publicKey));
  return new DataView(h.buffer, h.byteOffset, 4).getUint32(0, false);
}

/** The 8-hex-digit form of a key ID, as vkeys write it. */
export function formatKeyId(keyId: number): string {
  return encodeHex(new Uint8Array([keyId >>> 24, (keyId >>> 16) & 255, (keyId >>> 8) & 255, keyId & 255]));
}

/** A key ID in signature form: 4 big-endian bytes. */
export function keyIdBytes(keyId: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, keyId >>> 0, false);
  return out;
}

function assertBytes(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw tlogError('tlog.bad_key', `${what} must be ${length} bytes`);
  }
}

/** RFC 8032 verification, strict (non-ZIP-215) so canonical encodings are required, as Go does. */
export function ed25519Verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** A c2sp.org/signed-note Ed25519 (type 0x01) verifier for a 32-byte public key. */
export function createEd25519NoteVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  assertBytes(publicKey, 32, 'Ed25519 public key');
  const pub = publicKey.slice();
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.ed25519, pub),
    type: SIGNATURE_TYPE.ed25519,
    publicKey: pub,
    verify: (text, signature) => ed25519Verify(signature, text, pub),
  };
}

/**
 * A c2sp.org/signed-note Ed25519 (type 0x01) signer from a 32-byte RFC 8032 seed. Ed25519 is
 * deterministic, so the same key and text always give the same signature line.
 * The seed is copied; wipe your own copy when you are done with it.
 */
export function createEd25519NoteSigner(name: string, seed: Uint8Array): NoteSigner {
  assertKeyName(name);
  assertBytes(seed, 32, 'Ed25519 seed');
  const secret = seed.slice();
  const publicKey = ed25519.getPublicKey(secret);
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.ed25519, publicKey),
    type: SIGNATURE_TYPE.ed25519,
    publicKey,
    sign: (text) => ed25519.sign(text, secret),
  };
}

/** The vkey string `<name>+<hex key ID>+base64(type || public key)` of a signer or verifier. */
export function formatVerifierKey(key: Pick<NoteVerifier, 'name' | 'keyId' | 'type' | 'publicKey'>): string {
  return `${key.name}+${formatKeyId(key.keyId)}+${encodeBase64(concatBytes(new Uint8Array([key.type]), key.publicKey))}`;
}

/**
 * Go's private key string for an Ed25519 note key:
 * `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte seed)`. It is a secret: store it as one.
 */
export function formatEd25519PrivateKey(name: string, seed: Uint8Array): string {
  const signer = createEd25519NoteSigner(name, seed);
  return `PRIVATE+KEY+${name}+${formatKeyId(signer.keyId)}+${encodeBase64(concatBytes(new Uint8Array([1]), seed))}`;
}

/**
 * Splits `text` at its first `count - 1` plus signs (the last field keeps any further '+', as
 * base64 may contain it); undefined if there are fewer fields.
 */
export function splitPlus(text: string, count: number): string[] | undefined {
  const out: string[] = [];
  let rest = text;
  for (let i = 0; i < count - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

/** Parses Go's `PRIVATE+KEY+…` string into an Ed25519 signer; throws `tlog.bad_key`. */
export function parseEd25519PrivateKey(skey: string): NoteSigner {
  if (typeof skey !== 'string' || skey.length > 512) throw tlogError('tlog.bad_key', 'malformed private key');
  // The base64 part may itself contain '+': split off the first four fields only.
  const parts = splitPlus(skey, 5);
  if (parts === undefined || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') {
    throw tlogError('tlog.bad_key', 'malformed private key');
  }
  const [, , name, idHex, b64] = parts as [string, string, string, string, string];
  let raw: Uint8Array;
  try {
    raw = decodeBase64(b64);
  } catch (cause) {
    throw tlogError('tlog.bad_key', 'malformed private key base64', undefined, cause);
  }
  if (raw.length !== 33 || raw[0] !== SIGNATURE_TYPE.ed25519) {
    wipe(raw);
    throw tlogError('tlog.bad_key', 'private key is not a 32-byte Ed25519 seed');
  }
  const signer = createEd25519NoteSigner(name, raw.subarray(1));
  wipe(raw);
  if (!/^[0-9a-f]{8}$/.test(idHex) || formatKeyId(signer.keyId) !== idHex) {
    throw tlogError('tlog.bad_key', 'private key ID does not match its name and key');
  }
  return signer;
}

/** Generates a fresh Ed25519 note key: its signer, vkey and Go-format private key string. */
export function generateEd25519NoteKey(
  name: string,
  random?: Random,
): { signer: NoteSigner; vkey: string; privateKey: string } {
  const seed = random ? random.bytes(32) : ed25519.utils.randomSecretKey();
  assertBytes(seed, 32, 'random seed');
  const signer = createEd25519NoteSigner(name, seed);
  const privateKey = formatEd25519PrivateKey(name, seed);
  wipe(seed);
  return { signer, vkey: formatVerifierKey(signer), privateKey };
}
