import { decodeBase64 } from '@fulcrum/common';
import { createCosignatureV1Verifier, createMlDsa44CosignatureVerifier } from './cosignature.js';
import { tlogError } from './errors.js';
import { type NoteVerifier, assertKeyName, createEd25519NoteVerifier, formatKeyId, splitPlus } from './note-keys.js';

/** Longest vkey accepted (an ML-DSA-44 vkey is about 1.8 kB). */
export const MAX_VKEY_LENGTH = 4096;

/**
 * Builds a verifier for each supported signature type from its public key material; the key ID
 * is recomputed from (name, type, key).
 */
type VerifierFactory = (name: string, publicKey: Uint8Array) => NoteVerifier;
const factories = new Map<number, VerifierFactory>([
  [0x01, createEd25519NoteVerifier],
  [0x04, createCosignatureV1Verifier],
  [0x06, createMlDsa44CosignatureVerifier],
]);

/**
 * Parses a c2sp.org/signed-note verifier key `<name>+<hex key ID>+base64(type || key)` into a
 * verifier. Supported types: 0x01 Ed25519, 0x04 cosignature/v1 Ed25519, 0x06 ML-DSA-44
 * subtree/v1. Throws `tlog.bad_key` on any malformed part, an unknown type, a wrong key length,
 * or a key ID that does not match SHA-256(name || 0x0A || type || key)[:4].
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string' || vkey.length > MAX_VKEY_LENGTH) throw tlogError('tlog.bad_key', 'malformed vkey');
  // name+id+base64, where only the base64 part may contain '+'.
  const parts = splitPlus(vkey, 3);
  if (parts === undefined) throw tlogError('tlog.bad_key', 'a vkey has three +-separated parts');
  const [name, idHex, b64] = parts as [string, string, string];
  assertKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw tlogError('tlog.bad_key', 'vkey key ID must be 8 lowercase hex digits');
  let raw: Uint8Array;
  try {
    raw = decodeBase64(b64);
  } catch (cause) {
    throw tlogError('tlog.bad_key', 'vkey key material is not base64', undefined, cause);
  }
  if (raw.length < 2) throw tlogError('tlog.bad_key', 'vkey key material is empty');
  const type = raw[0] as number;
  const factory = factories.get(type);
  if (factory === undefined) throw tlogError('tlog.bad_key', 'unknown vkey signature type', { type });
  const verifier = factory(name, raw.subarray(1));
  if (formatKeyId(verifier.keyId) !== idHex)
    throw tlogError('tlog.bad_key', 'vkey key ID does not match its name and key');
  return verifier;
}
