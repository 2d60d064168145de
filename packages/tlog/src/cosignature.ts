import { type Clock, concatBytes, u64be, utf8Encode, utf8Decode } from '@fulcrum/common';
import type { Random } from '@fulcrum/common';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { parseCheckpointText } from './checkpoint.js';
import { cosignatureTimestamp } from './checkpoint.js';
import { tlogError } from './errors.js';
import { HASH_SIZE } from './merkle-hash.js';
import {
  type NoteSigner,
  type NoteVerifier,
  SIGNATURE_TYPE,
  assertKeyName,
  computeKeyId,
  ed25519Verify,
} from './note-keys.js';
import { treeSize as toTreeSize } from './sizes.js';

/** ML-DSA-44 sizes (FIPS 204). */
export const ML_DSA_44_PUBLIC_KEY_SIZE = 1312;
export const ML_DSA_44_SIGNATURE_SIZE = 2420;

/** Largest cosignature timestamp this package signs or accepts: 2^53-1 (the spec allows up to 2^63-1). */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) {
    throw tlogError('tlog.cosignature_malformed', 'timestamp must be an integer in 0..2^53-1');
  }
}

/** POSIX seconds from a millisecond Clock. */
export function clockSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

// ---------------------------------------------------------------------------
// cosignature/v1 (Ed25519, signature type 0x04) — c2sp.org/tlog-cosignature
// ---------------------------------------------------------------------------

/**
 * The Ed25519 cosignature signed message: `cosignature/v1\n`, `time <timestamp>\n`, then the
 * whole checkpoint note text (with its final newline, without signature lines).
 */
export function cosignatureV1Message(checkpointText: string, timestamp: number): Uint8Array {
  checkTimestamp(timestamp);
  return utf8Encode(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

/** A verifier for `cosignature/v1` lines (type 0x04) from a 32-byte Ed25519 cosigner key. */
export function createCosignatureV1Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw tlogError('tlog.bad_key', 'Ed25519 cosigner key must be 32 bytes');
  }
  const pub = publicKey.slice();
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.cosignatureV1, pub),
    type: SIGNATURE_TYPE.cosignatureV1,
    publicKey: pub,
    verify(text, signature) {
      // timestamped_signature = u64 timestamp || 64-byte Ed25519 signature.
      if (signature.length !== 8 + 64) return false;
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined) return false;
      let body: string;
      try {
        body = utf8Decode(text);
      } catch {
        return false;
      }
      return ed25519Verify(signature.subarray(8), cosignatureV1Message(body, timestamp), pub);
    },
  };
}

/**
 * A `cosignature/v1` signer (type 0x04) from a 32-byte Ed25519 seed: each signature carries the
 * clock's current POSIX second. Use it only over checkpoints the witness has checked.
 */
export function createCosignatureV1Signer(name: string, seed: Uint8Array, clock: Clock): NoteSigner {
  assertKeyName(name);
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw tlogError('tlog.bad_key', 'Ed25519 seed must be 32 bytes');
  const secret = seed.slice();
  const publicKey = ed25519.getPublicKey(secret);
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.cosignatureV1, publicKey),
    type: SIGNATURE_TYPE.cosignatureV1,
    publicKey,
    sign(text) {
      const timestamp = clockSeconds(clock);
      const sig = ed25519.sign(cosignatureV1Message(utf8Decode(text), timestamp), secret);
      return concatBytes(u64be(timestamp), sig);
    },
  };
}

// ---------------------------------------------------------------------------
// subtree/v1 (ML-DSA-44, signature type 0x06) — c2sp.org/tlog-cosignature
// ---------------------------------------------------------------------------

/** What a subtree/v1 cosignature commits to. For a checkpoint: start 0, end = size. */
export interface CosignedSubtree {
  readonly cosignerName: string;
  /** POSIX seconds; must be 0 when start is not 0. */
  readonly timestamp: number;
  readonly origin: string;
  readonly start: number;
  readonly end: number;
  readonly hash: Uint8Array;
}

const SUBTREE_LABEL = utf8Encode('subtree/v1\n\0');

function opaque8(what: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length < 1 || bytes.length > 255) {
    throw tlogError('tlog.cosignature_malformed', `${what} must be 1..255 bytes`);
  }
  return concatBytes(new Uint8Array([bytes.length]), bytes);
}

/**
 * The ML-DSA-44 signed message (`cosigned_message`, RFC 8446 §3 presentation):
 * "subtree/v1\n\0" || u8-len cosigner_name || u64 timestamp || u8-len log_origin ||
 * u64 start || u64 end || hash[32].
 */
export function subtreeCosignedMessage(m: CosignedSubtree): Uint8Array {
  checkTimestamp(m.timestamp);
  toTreeSize(m.start);
  toTreeSize(m.end);
  if (m.start >= m.end) throw tlogError('tlog.cosignature_malformed', 'subtree start must be below end');
  if (m.start !== 0 && m.timestamp !== 0) {
    throw tlogError('tlog.cosignature_malformed', 'a subtree with a non-zero start must have a zero timestamp');
  }
  if (!(m.hash instanceof Uint8Array) || m.hash.length !== HASH_SIZE) {
    throw tlogError('tlog.cosignature_malformed', 'subtree hash must be 32 bytes');
  }
  return concatBytes(
    SUBTREE_LABEL,
    opaque8('cosigner name', utf8Encode(m.cosignerName)),
    u64be(m.timestamp),
    opaque8('log origin', utf8Encode(m.origin)),
    u64be(m.start),
    u64be(m.end),
    m.hash,
  );
}

function mlDsaVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== ML_DSA_44_SIGNATURE_SIZE) return false;
  try {
    // FIPS 204 ML-DSA.Verify with an empty context string.
    return ml_dsa44.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/**
 * A verifier for ML-DSA-44 `subtree/v1` cosignatures (type 0x06) on checkpoints: the note text
 * must be a checkpoint, and the signature covers (cosigner name, timestamp, origin, 0, size,
 * root). Extension lines are not covered (spec). Verification only needs the 1312-byte key.
 */
export function createMlDsa44CosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  assertKeyName(name);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ML_DSA_44_PUBLIC_KEY_SIZE) {
    throw tlogError('tlog.bad_key', 'ML-DSA-44 public key must be 1312 bytes');
  }
  const pub = publicKey.slice();
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.mlDsa44Subtree, pub),
    type: SIGNATURE_TYPE.mlDsa44Subtree,
    publicKey: pub,
    verify(text, signature) {
      if (signature.length !== 8 + ML_DSA_44_SIGNATURE_SIZE) return false;
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined) return false;
      try {
        const cp = parseCheckpointText(utf8Decode(text));
        if (cp.size === 0) return false; // a subtree needs start < end
        const message = subtreeCosignedMessage({
          cosignerName: name,
          timestamp,
          origin: cp.origin,
          start: 0,
          end: cp.size,
          hash: cp.rootHash,
        });
        return mlDsaVerify(signature.subarray(8), message, pub);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Verifies an ML-DSA-44 subtree/v1 cosignature on an arbitrary subtree (the sign-subtree API):
 * returns the subtree, or throws `tlog.note_bad_signature` / `tlog.cosignature_malformed`.
 */
export function verifySubtreeCosignature(
  verifier: NoteVerifier,
  subtree: Omit<CosignedSubtree, 'cosignerName' | 'timestamp'>,
  signature: Uint8Array,
): CosignedSubtree {
  if (verifier.type !== SIGNATURE_TYPE.mlDsa44Subtree) {
    throw tlogError('tlog.cosignature_malformed', 'not an ML-DSA-44 subtree cosigner key');
  }
  const timestamp = cosignatureTimestamp(signature);
  if (signature.length !== 8 + ML_DSA_44_SIGNATURE_SIZE || timestamp === undefined) {
    throw tlogError('tlog.cosignature_malformed', 'malformed subtree cosignature');
  }
  const full: CosignedSubtree = { ...subtree, cosignerName: verifier.name, timestamp };
  if (!mlDsaVerify(signature.subarray(8), subtreeCosignedMessage(full), verifier.publicKey)) {
    throw tlogError('tlog.note_bad_signature', 'subtree cosignature does not verify');
  }
  return full;
}

/**
 * An ML-DSA-44 `subtree/v1` checkpoint cosigner (type 0x06) from a 32-byte FIPS 204 key-generation
 * seed. Signing is hedged (randomised): pass `random` to supply the 32 bytes of fresh randomness,
 * otherwise WebCrypto's is used. Signatures differ on every call; all verify.
 */
export function createMlDsa44CosignatureSigner(
  name: string,
  seed: Uint8Array,
  clock: Clock,
  random?: Random,
): NoteSigner {
  assertKeyName(name);
  if (!(seed instanceof Uint8Array) || seed.length !== 32)
    throw tlogError('tlog.bad_key', 'ML-DSA-44 seed must be 32 bytes');
  const { publicKey, secretKey } = ml_dsa44.keygen(seed);
  return {
    name,
    keyId: computeKeyId(name, SIGNATURE_TYPE.mlDsa44Subtree, publicKey),
    type: SIGNATURE_TYPE.mlDsa44Subtree,
    publicKey,
    sign(text) {
      const cp = parseCheckpointText(utf8Decode(text));
      const timestamp = clockSeconds(clock);
      const message = subtreeCosignedMessage({
        cosignerName: name,
        timestamp,
        origin: cp.origin,
        start: 0,
        end: cp.size,
        hash: cp.rootHash,
      });
      const sig = random
        ? ml_dsa44.sign(message, secretKey, { extraEntropy: random.bytes(32) })
        : ml_dsa44.sign(message, secretKey);
      return concatBytes(u64be(timestamp), sig);
    },
  };
}
