import {
  concatBytes,
  decodeBase64Url,
  encodeBase64Url,
  encodeHex,
  randomBytes,
  u32be,
  utf8Encode,
} from '@fulcrum/common';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { evidenceError } from './errors.js';

export const EVIDENCE_KEY_LENGTH = 32;
export const EVIDENCE_SIGNATURE_LENGTH = 64;
/** The text form's prefix: `fulcrum-evidence-ed25519:` + base64url of the 32-byte public key. */
export const EVIDENCE_PUBLIC_KEY_PREFIX = 'fulcrum-evidence-ed25519:';

/** The platform's evidence signing key (Ed25519, RFC 8032). The secret is the 32-byte seed. */
export interface EvidenceSigningKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** `evidenceKeyId(publicKey)`: named in every manifest the key signs. */
  readonly keyId: string;
}

/** Length-prefixed domain label (u32 big-endian length ‖ UTF-8). */
export function label(text: string): Uint8Array {
  const bytes = utf8Encode(text);
  return concatBytes(u32be(bytes.length), bytes);
}

const KEY_ID_LABEL = label('fulcrum evidence key id v1');

function checkKey(key: Uint8Array, what: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== EVIDENCE_KEY_LENGTH) {
    throw evidenceError('evidence.bad_key', `${what} must be ${EVIDENCE_KEY_LENGTH} bytes`);
  }
  return key;
}

/** Key id: the first 8 bytes of SHA-256(lp("fulcrum evidence key id v1") ‖ publicKey), as 16 hex digits. */
export function evidenceKeyId(publicKey: Uint8Array): string {
  return encodeHex(sha256(concatBytes(KEY_ID_LABEL, checkKey(publicKey, 'public key'))).subarray(0, 8));
}

/** The signing key of a 32-byte secret seed. */
export function evidenceSigningKeyFromSecret(secretKey: Uint8Array): EvidenceSigningKey {
  checkKey(secretKey, 'secret key');
  const publicKey = ed25519.getPublicKey(secretKey);
  return { secretKey: secretKey.slice(), publicKey, keyId: evidenceKeyId(publicKey) };
}

/** A fresh signing key (the platform makes one on first start and keeps it). */
export function generateEvidenceSigningKey(random: (length: number) => Uint8Array = randomBytes): EvidenceSigningKey {
  const seed = random(EVIDENCE_KEY_LENGTH);
  try {
    return evidenceSigningKeyFromSecret(seed);
  } finally {
    seed.fill(0);
  }
}

/** The public key's text form, as served at `GET /v1/evidence/key` and printed by `fulcrum evidence key`. */
export function formatEvidencePublicKey(publicKey: Uint8Array): string {
  return `${EVIDENCE_PUBLIC_KEY_PREFIX}${encodeBase64Url(checkKey(publicKey, 'public key'))}`;
}

/**
 * Parses a public key's text form (`fulcrum-evidence-ed25519:<base64url>`, surrounding whitespace
 * allowed). Throws `evidence.bad_key`.
 */
export function parseEvidencePublicKey(text: string): Uint8Array {
  const t = typeof text === 'string' ? text.trim() : '';
  if (!t.startsWith(EVIDENCE_PUBLIC_KEY_PREFIX)) {
    throw evidenceError('evidence.bad_key', `an evidence public key starts with ${EVIDENCE_PUBLIC_KEY_PREFIX}`);
  }
  try {
    return decodeBase64Url(t.slice(EVIDENCE_PUBLIC_KEY_PREFIX.length), EVIDENCE_KEY_LENGTH);
  } catch (cause) {
    throw evidenceError('evidence.bad_key', 'the evidence public key is not 32 bytes of base64url', undefined, cause);
  }
}

/** Ed25519 (RFC 8032, strict: non-ZIP-215) signature over `message`. */
export function signEvidence(key: EvidenceSigningKey, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, key.secretKey);
}

export function verifyEvidenceSignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  checkKey(publicKey, 'public key');
  if (!(signature instanceof Uint8Array) || signature.length !== EVIDENCE_SIGNATURE_LENGTH) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
