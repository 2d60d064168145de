import { decodeBase64, encodeBase64 } from '@fulcrum/common';
import { type VerifiedCheckpoint, parseCheckpointText } from './checkpoint.js';
import { tlogError } from './errors.js';
import { splitHeaderAndNote } from './header-and-note.js';
import type { HashReader } from './hash-reader.js';
import { type VerifiedInclusion, createInclusionProof, verifyInclusion } from './inclusion-proof.js';
import { HASH_SIZE, assertHash } from './merkle-hash.js';
import { DEFAULT_NOTE_LIMITS, parseNote } from './signed-note.js';
import { type LeafIndex, parseDecimal } from './sizes.js';

/** The first line of every proof. */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** A tree of at most 2^63 entries needs at most 63 proof hashes. */
const MAX_PROOF_LINES = 63;
/** Default cap on the decoded `extra` data. */
const DEFAULT_MAX_EXTRA = 16 * 1024;

/** A parsed c2sp.org/tlog-proof: entry index, inclusion proof, the checkpoint note, optional extra data. */
export interface TlogProof {
  /** Opaque, unauthenticated application data (e.g. context needed to rebuild the leaf). */
  readonly extra?: Uint8Array;
  readonly index: LeafIndex;
  readonly proof: readonly Uint8Array[];
  /** The (cosigned) checkpoint note, verbatim. */
  readonly checkpointNote: string;
}

function malformed(message: string): never {
  throw tlogError('tlog.proof_malformed', message);
}

/** Formats a tlog-proof. Throws `tlog.proof_malformed` on an invalid part. */
export function formatTlogProof(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0) malformed('index must be a non-negative integer');
  if (p.proof.length > MAX_PROOF_LINES) malformed('too many proof hashes');
  for (const h of p.proof)
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) malformed('proof hashes are 32 bytes');
  parseNote(p.checkpointNote); // must be a well-formed signed note
  const extra = p.extra === undefined ? '' : `extra ${encodeBase64(p.extra)}\n`;
  const proof = p.proof.map((h) => `${encodeBase64(h)}\n`).join('');
  return `${TLOG_PROOF_HEADER}\n${extra}index ${p.index}\n${proof}\n${p.checkpointNote}`;
}

/**
 * Parses a tlog-proof (c2sp.org/tlog-proof "Format"): header, optional `extra <base64>`,
 * `index <decimal>`, up to 63 base64 hash lines, an empty line, then the checkpoint note.
 * Checks structure only (the note is parsed, not verified). Throws `tlog.proof_malformed`.
 */
export function parseTlogProof(
  input: string | Uint8Array,
  limits: { readonly maxBytes?: number; readonly maxExtraBytes?: number } = {},
): TlogProof {
  const maxBytes = limits.maxBytes ?? DEFAULT_NOTE_LIMITS.maxBytes + 8 * 1024 + DEFAULT_MAX_EXTRA * 2;
  const { headerLines: lines, note: checkpointNote } = splitHeaderAndNote(input, maxBytes, 'proof', malformed);
  let i = 0;
  if (lines[i++] !== TLOG_PROOF_HEADER) malformed('first line is not c2sp.org/tlog-proof@v1');
  let extra: Uint8Array | undefined;
  if (lines[i]?.startsWith('extra ')) {
    const b64 = (lines[i++] as string).slice(6);
    if (b64.length > ((limits.maxExtraBytes ?? DEFAULT_MAX_EXTRA) * 4) / 3 + 4) malformed('extra data too large');
    try {
      extra = decodeBase64(b64);
    } catch {
      return malformed('extra is not canonical base64');
    }
  }
  const indexLine = lines[i++];
  if (indexLine === undefined || !indexLine.startsWith('index ')) malformed('missing index line');
  const index = parseDecimal(indexLine.slice(6), 'tlog.proof_malformed') as LeafIndex;
  const hashLines = lines.slice(i);
  if (hashLines.length > MAX_PROOF_LINES) malformed('more than 63 proof hashes');
  const proof = hashLines.map((l) => {
    let h: Uint8Array;
    try {
      h = decodeBase64(l);
    } catch {
      return malformed('proof line is not canonical base64');
    }
    if (h.length !== HASH_SIZE) malformed('proof line is not a 32-byte hash');
    return h;
  });
  try {
    parseNote(checkpointNote);
  } catch (cause) {
    throw tlogError('tlog.proof_malformed', 'the checkpoint is not a signed note', undefined, cause);
  }
  return extra === undefined ? { index, proof, checkpointNote } : { extra, index, proof, checkpointNote };
}

/**
 * Creates a tlog-proof for entry `index` under a (cosigned) checkpoint note the log already
 * published: the inclusion proof is generated at the checkpoint's size from the storage port.
 */
export async function createTlogProof(args: {
  readonly index: number;
  readonly checkpointNote: string;
  readonly reader: HashReader;
  readonly extra?: Uint8Array;
}): Promise<string> {
  const cp = parseCheckpointText(parseNote(args.checkpointNote).text);
  const proof = await createInclusionProof(args.index, cp.size, args.reader);
  const base = { index: args.index as LeafIndex, proof, checkpointNote: args.checkpointNote };
  return formatTlogProof(args.extra === undefined ? base : { ...base, extra: args.extra });
}

/** A verified tlog-proof: the checkpoint (as the caller's verifier accepted it) and the inclusion. */
export interface VerifiedTlogProof<C extends VerifiedCheckpoint = VerifiedCheckpoint> {
  readonly index: LeafIndex;
  readonly extra?: Uint8Array;
  readonly checkpoint: C;
  readonly inclusion: VerifiedInclusion;
}

/**
 * Verifies a tlog-proof offline (c2sp.org/tlog-proof "Verifying a tlog proof"): step 1, the
 * leaf hash, is the caller's (`leafHash`); steps 2-3 are `verifyCheckpoint` (for example a
 * policy check with `verifyCheckpointWithPolicy`); step 4 is the RFC 9162 inclusion proof
 * against the checkpoint root. Throws `tlog.proof_malformed`, the checkpoint verifier's
 * errors, or the inclusion errors (`tlog.root_mismatch`, `tlog.index_out_of_range`, …).
 */
export function verifyTlogProof<C extends VerifiedCheckpoint>(
  input: string | Uint8Array,
  args: { readonly leafHash: Uint8Array; readonly verifyCheckpoint: (note: string) => C },
): VerifiedTlogProof<C> {
  assertHash(args.leafHash, 'leaf hash');
  const p = parseTlogProof(input);
  const checkpoint = args.verifyCheckpoint(p.checkpointNote);
  const inclusion = verifyInclusion({
    leafIndex: p.index,
    treeSize: checkpoint.checkpoint.size,
    leafHash: args.leafHash,
    proof: p.proof,
    rootHash: checkpoint.checkpoint.rootHash,
  });
  const base = { index: p.index, checkpoint, inclusion };
  return p.extra === undefined ? base : { ...base, extra: p.extra };
}
