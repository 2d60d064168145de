import { decodeBase64, encodeBase64, utf8Decode } from '@fulcrum/common';
import { tlogError } from './errors.js';
import { HASH_SIZE } from './merkle-hash.js';
import { type NoteSigner, type NoteVerifier, isValidNoteString } from './note-keys.js';
import { type NoteLimits, type VerifiedNote, signNote, verifyNote } from './signed-note.js';
import { type TreeSize, parseDecimal, treeSize as toTreeSize } from './sizes.js';

/** A C2SP tlog-checkpoint body: origin, tree size, root hash and optional extension lines. */
export interface Checkpoint {
  readonly origin: string;
  readonly size: TreeSize;
  readonly rootHash: Uint8Array;
  /** Opaque, non-empty extension lines (not RECOMMENDED by the spec; not covered by ML-DSA cosignatures). */
  readonly extensions: readonly string[];
}

/** Maximum checkpoint body size (origin + size + hash + extensions). */
export const MAX_CHECKPOINT_TEXT_BYTES = 16 * 1024;

function malformed(message: string): never {
  throw tlogError('tlog.checkpoint_malformed', message);
}

/**
 * Parses a checkpoint note text (c2sp.org/tlog-checkpoint "Note text"): at least three
 * non-empty lines, each ending in a newline: origin, decimal size without leading zeroes,
 * base64 32-byte root hash, then extension lines. Throws `tlog.checkpoint_malformed`.
 */
export function parseCheckpointText(text: string): Checkpoint {
  if (typeof text !== 'string' || text.length > MAX_CHECKPOINT_TEXT_BYTES) malformed('checkpoint text too large');
  if (!text.endsWith('\n') || !isValidNoteString(text)) malformed('checkpoint text must be lines ending in newlines');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) malformed('checkpoint needs origin, size and root hash lines');
  if (lines.some((l) => l.length === 0)) malformed('checkpoint lines must be non-empty');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  const size = parseDecimal(sizeText, 'tlog.checkpoint_malformed') as TreeSize;
  let rootHash: Uint8Array;
  try {
    rootHash = decodeBase64(rootText);
  } catch {
    return malformed('root hash is not canonical base64');
  }
  if (rootHash.length !== HASH_SIZE) malformed('root hash is not 32 bytes');
  return { origin, size, rootHash, extensions };
}

/** Formats a checkpoint body; throws `tlog.checkpoint_malformed` on an invalid field. */
export function formatCheckpointText(cp: Checkpoint): string {
  toTreeSize(cp.size);
  if (!(cp.rootHash instanceof Uint8Array) || cp.rootHash.length !== HASH_SIZE) malformed('root hash must be 32 bytes');
  const lines = [cp.origin, String(cp.size), encodeBase64(cp.rootHash), ...cp.extensions];
  for (const l of lines) {
    if (typeof l !== 'string' || l.length === 0 || l.includes('\n') || !isValidNoteString(l)) {
      malformed('checkpoint lines must be non-empty single lines');
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Signs a checkpoint with the log's key(s) and returns the signed note. */
export async function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): Promise<string> {
  return signNote(formatCheckpointText(cp), signers);
}

/** A verified cosignature on a checkpoint (or subtree): who, which type, and when. */
export interface VerifiedCosignature {
  readonly name: string;
  readonly keyId: number;
  readonly type: number;
  /** POSIX seconds the cosigner stated (tlog-cosignature `timestamp`). */
  readonly timestamp: number;
  readonly verifier: NoteVerifier;
}

/** A checkpoint whose log signature (and any known cosignatures) verified. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /** The checkpoint note exactly as verified. */
  readonly note: string;
  readonly verifiedNote: VerifiedNote;
  /** The log keys that signed it. */
  readonly logKeys: readonly NoteVerifier[];
  /** Verified cosignatures from the witness keys passed in. */
  readonly cosignatures: readonly VerifiedCosignature[];
}

export interface VerifyCheckpointOptions {
  /** The log's key(s): at least one must have signed. Its key name must equal the checkpoint origin. */
  readonly logVerifiers: readonly NoteVerifier[];
  /** Witness cosignature keys (types 0x04 / 0x06): their cosignatures are verified and returned. */
  readonly witnessVerifiers?: readonly NoteVerifier[];
  /** If set, the origin line must equal it. */
  readonly origin?: string;
  readonly limits?: NoteLimits;
}

/** Reads the timestamp of a timestamped cosignature (first 8 bytes, big-endian); undefined above 2^53-1. */
export function cosignatureTimestamp(signature: Uint8Array): number | undefined {
  if (signature.length < 8) return undefined;
  const t = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0, false);
  return t <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : undefined;
}

const COSIGNATURE_TYPES = new Set([0x04, 0x06]);

/**
 * Verifies a checkpoint note: the note rules of c2sp.org/signed-note over all given keys, then
 * a signature from one of `logVerifiers` whose key name equals the origin (the tlog-policy rule),
 * then the body (c2sp.org/tlog-checkpoint). Returns the checkpoint and every verified
 * cosignature. Throws `tlog.note_*`, `tlog.checkpoint_malformed` or
 * `tlog.checkpoint_origin_mismatch`.
 */
export function verifyCheckpoint(note: string | Uint8Array, options: VerifyCheckpointOptions): VerifiedCheckpoint {
  const witnesses = options.witnessVerifiers ?? [];
  const verifiedNote = verifyNote(note, [...options.logVerifiers, ...witnesses], options.limits);
  const checkpoint = parseCheckpointText(verifiedNote.text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw tlogError('tlog.checkpoint_origin_mismatch', 'checkpoint is for another log', {
      origin: checkpoint.origin,
      expected: options.origin,
    });
  }
  const logSet = new Set(options.logVerifiers);
  const logKeys = verifiedNote.verified.filter((v) => logSet.has(v.verifier)).map((v) => v.verifier);
  if (logKeys.length === 0) throw tlogError('tlog.note_unverified', 'checkpoint is not signed by the log');
  if (!logKeys.some((k) => k.name === checkpoint.origin)) {
    throw tlogError('tlog.checkpoint_origin_mismatch', 'log key name does not match the checkpoint origin', {
      origin: checkpoint.origin,
    });
  }
  const witnessSet = new Set(witnesses);
  const cosignatures: VerifiedCosignature[] = [];
  for (const { verifier, signature } of verifiedNote.verified) {
    if (!witnessSet.has(verifier) || !COSIGNATURE_TYPES.has(verifier.type)) continue;
    // The verifier already rejected timestamps that do not fit, so this is defined.
    const timestamp = cosignatureTimestamp(signature.signature) as number;
    cosignatures.push({ name: verifier.name, keyId: verifier.keyId, type: verifier.type, timestamp, verifier });
  }
  const text = typeof note === 'string' ? note : utf8Decode(note);
  return { checkpoint, note: text, verifiedNote, logKeys, cosignatures };
}
