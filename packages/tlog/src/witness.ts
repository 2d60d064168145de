import { constantTimeEqual, decodeBase64, encodeBase64, encodeHex, utf8Encode } from '@fulcrum/common';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Checkpoint, parseCheckpointText } from './checkpoint.js';
import { verifyConsistency } from './consistency-proof.js';
import { type TlogErrorCode, isTlogError, tlogError } from './errors.js';
import { splitHeaderAndNote } from './header-and-note.js';
import { EMPTY_ROOT, HASH_SIZE } from './merkle-hash.js';
import type { NoteSigner, NoteVerifier } from './note-keys.js';
import { DEFAULT_NOTE_LIMITS, formatSignatureLine, parseNote, verifyNote } from './signed-note.js';
import { type TreeSize, parseDecimal } from './sizes.js';

/** At most 63 consistency proof lines (tlog-witness "add-checkpoint"). */
const MAX_PROOF_LINES = 63;
/** Default cap on an add-checkpoint body: a maximal note plus 63 proof lines and the old line. */
export const MAX_ADD_CHECKPOINT_BODY = DEFAULT_NOTE_LIMITS.maxBytes + 64 * 64;

/** A parsed add-checkpoint request body. */
export interface AddCheckpointRequest {
  readonly oldSize: TreeSize;
  readonly proof: readonly Uint8Array[];
  readonly checkpointNote: string;
}

function malformed(message: string): never {
  throw tlogError('tlog.witness_request_malformed', message);
}

/**
 * Parses `old <size>\n`, zero to 63 base64 hash lines, an empty line, then the checkpoint note
 * (c2sp.org/tlog-witness "add-checkpoint"). Throws `tlog.witness_request_malformed`.
 */
export function parseAddCheckpointBody(
  body: string | Uint8Array,
  maxBytes = MAX_ADD_CHECKPOINT_BODY,
): AddCheckpointRequest {
  const { headerLines, note } = splitHeaderAndNote(body, maxBytes, 'request body', malformed);
  const [oldLine, ...proofLines] = headerLines as [string, ...string[]];
  if (!oldLine.startsWith('old ')) malformed('first line must be "old <size>"');
  const oldSize = parseDecimal(oldLine.slice(4), 'tlog.witness_request_malformed') as TreeSize;
  if (proofLines.length > MAX_PROOF_LINES) malformed('more than 63 consistency proof lines');
  const proof = proofLines.map((l) => {
    let h: Uint8Array;
    try {
      h = decodeBase64(l);
    } catch {
      return malformed('proof line is not canonical base64');
    }
    if (h.length !== HASH_SIZE) malformed('proof line is not a 32-byte hash');
    return h;
  });
  return { oldSize, proof, checkpointNote: note };
}

/** Formats an add-checkpoint request body (what a log sends to a witness). */
export function formatAddCheckpointBody(req: {
  oldSize: number;
  proof: readonly Uint8Array[];
  checkpointNote: string;
}): string {
  return `old ${req.oldSize}\n${req.proof.map((h) => `${encodeBase64(h)}\n`).join('')}\n${req.checkpointNote}`;
}

/** What a witness persists per log origin: the latest checkpoint it cosigned. */
export interface WitnessRecord {
  readonly size: TreeSize;
  readonly rootHash: Uint8Array;
  /** The checkpoint note with the log signature(s) the witness verified and its own cosignatures. */
  readonly note: string;
}

export interface AddCheckpointContext {
  /** The log keys the witness trusts, by origin; undefined = unknown origin (404). */
  readonly logKeys: (origin: string) => readonly NoteVerifier[] | undefined;
  /** The latest cosigned record for an origin (undefined = never cosigned: size 0). */
  readonly state: (origin: string) => WitnessRecord | undefined;
  /** The witness's cosigning keys (cosignature/v1 and/or ML-DSA-44 subtree/v1). */
  readonly cosigners: readonly NoteSigner[];
}

/** The HTTP outcome of add-checkpoint, as c2sp.org/tlog-witness defines it. */
export type AddCheckpointResult =
  | {
      readonly status: 200;
      readonly contentType: 'text/plain; charset=utf-8';
      /** One signature line per witness key. */
      readonly body: string;
      /**
       * Persist this BEFORE responding, atomically and only if the stored size for `origin` is
       * still `expectedSize` (compare-and-swap); otherwise re-run the request (tlog-witness:
       * the check and the update must be atomic, or a race rolls the witness back).
       */
      readonly update: { readonly origin: string; readonly expectedSize: number; readonly record: WitnessRecord };
    }
  | {
      readonly status: 409;
      readonly contentType: 'text/x.tlog.size';
      readonly body: string;
      readonly latestSize: number;
    }
  | {
      readonly status: 400 | 403 | 404 | 422;
      readonly contentType: 'text/plain; charset=utf-8';
      readonly body: string;
      readonly code: TlogErrorCode;
      /**
       * For 422 on a validly signed checkpoint that conflicts with what the witness cosigned:
       * the note, kept as evidence of log misbehaviour (the spec allows logging it).
       */
      readonly evidence?: string;
    };

function fail(
  status: 400 | 403 | 404 | 422,
  code: TlogErrorCode,
  message: string,
  evidence?: string,
): AddCheckpointResult {
  const base = { status, contentType: 'text/plain; charset=utf-8' as const, body: `${message}\n`, code };
  return evidence === undefined ? base : { ...base, evidence };
}

/**
 * The witness side of c2sp.org/tlog-witness `add-checkpoint`, as a pure state machine: given the
 * request body, the trusted log keys and the stored state, returns the HTTP status and body,
 * and on success the new record to persist. It never cosigns a checkpoint that is not
 * consistent with the one it cosigned before. Checks, in order:
 *   400 malformed body or checkpoint · 404 unknown origin · 403 no valid log signature or a
 *   failing one · 400 old size > checkpoint size · 409 old size ≠ stored size (body: stored
 *   size) · 422 size 0 with a non-empty-tree root, non-empty proof from 0, failing consistency
 *   proof, or equal sizes with different roots (a fork) · 200 cosignature lines.
 */
export async function witnessAddCheckpoint(
  body: string | Uint8Array,
  ctx: AddCheckpointContext,
): Promise<AddCheckpointResult> {
  let req: AddCheckpointRequest;
  let checkpoint: Checkpoint;
  try {
    req = parseAddCheckpointBody(body);
    const note = parseNote(req.checkpointNote);
    checkpoint = parseCheckpointText(note.text);
  } catch (e) {
    if (isTlogError(e)) return fail(400, e.code, 'malformed add-checkpoint request');
    throw e;
  }
  const keys = ctx.logKeys(checkpoint.origin);
  if (keys === undefined || keys.length === 0)
    return fail(404, 'tlog.checkpoint_origin_mismatch', 'unknown log origin');
  let verifiedNote: string;
  try {
    verifiedNote = verifyCheckpointNote(req.checkpointNote, keys);
  } catch (e) {
    if (isTlogError(e, 'tlog.note_unverified', 'tlog.note_bad_signature')) {
      return fail(403, e.code, 'checkpoint is not validly signed by a trusted log key');
    }
    if (isTlogError(e)) return fail(400, e.code, 'malformed checkpoint note');
    throw e;
  }
  if (req.oldSize > checkpoint.size) return fail(400, 'tlog.bad_size', 'old size is larger than the checkpoint size');
  const stored = ctx.state(checkpoint.origin);
  const storedSize = stored?.size ?? 0;
  if (req.oldSize !== storedSize) {
    return { status: 409, contentType: 'text/x.tlog.size', body: `${storedSize}\n`, latestSize: storedSize };
  }
  if (checkpoint.size === 0 && !constantTimeEqual(checkpoint.rootHash, EMPTY_ROOT)) {
    return fail(422, 'tlog.root_mismatch', 'a checkpoint of size 0 must have the empty tree root', verifiedNote);
  }
  if (req.oldSize === 0) {
    // The empty tree is consistent with every tree: no proof may be sent.
    if (req.proof.length !== 0) return fail(422, 'tlog.bad_proof_length', 'old size 0 needs an empty proof');
  } else {
    try {
      verifyConsistency({
        oldSize: req.oldSize,
        newSize: checkpoint.size,
        oldRoot: (stored as WitnessRecord).rootHash,
        newRoot: checkpoint.rootHash,
        proof: req.proof,
      });
    } catch (e) {
      if (isTlogError(e)) {
        const fork = req.oldSize === checkpoint.size ? 'tlog.fork_detected' : e.code;
        return fail(422, fork, 'checkpoint is not consistent with the latest cosigned checkpoint', verifiedNote);
      }
      throw e;
    }
  }
  const text = utf8Encode(checkpointTextOf(req.checkpointNote));
  const lines: string[] = [];
  for (const c of ctx.cosigners) {
    lines.push(formatSignatureLine({ name: c.name, keyId: c.keyId, signature: await c.sign(text) }));
  }
  const responseBody = lines.join('');
  return {
    status: 200,
    contentType: 'text/plain; charset=utf-8',
    body: responseBody,
    update: {
      origin: checkpoint.origin,
      expectedSize: storedSize,
      record: { size: checkpoint.size, rootHash: checkpoint.rootHash, note: verifiedNote + responseBody },
    },
  };
}

function checkpointTextOf(note: string): string {
  return parseNote(note).text;
}

/** Verifies the log signature(s) and returns the note with only the verified log signatures kept. */
function verifyCheckpointNote(note: string, keys: readonly NoteVerifier[]): string {
  const opened = verifyNote(note, keys);
  return `${opened.text}\n${opened.verified.map((v) => formatSignatureLine(v.signature)).join('')}`;
}

/** The monitoring path `<origin hash>/checkpoint`: lowercase hex SHA-256 of the origin. */
export function witnessCheckpointPath(origin: string): string {
  return `${encodeHex(sha256(utf8Encode(origin)))}/checkpoint`;
}
