import { FulcrumError, isFulcrumError } from '@fulcrum/common';

/**
 * Stable codes raised by @fulcrum/tlog. Branch on these, never on messages.
 * Each comment tells the caller what the code means and what to do about it.
 */
export type TlogErrorCode =
  // --- sizes, indices, hashes (RFC 9162 §2.1) ---
  /** A tree size or leaf index was not a safe non-negative integer (0..2^53-1): pass a whole number in range. */
  | 'tlog.bad_size'
  /** A leaf index is not below the tree size it is claimed to be in: ask for a proof against a larger tree. */
  | 'tlog.index_out_of_range'
  /** A hash (leaf, node or proof element) was not 32 bytes: the proof or input is corrupt; refetch it. */
  | 'tlog.bad_hash_length'
  /** A proof has the wrong number of hashes for its (index, size) or (size1, size2): the proof is corrupt or for other sizes. */
  | 'tlog.bad_proof_length'
  /** A proof recomputes a different root than the one it is checked against: the entry is not in that tree, or the log lied. */
  | 'tlog.root_mismatch'
  /** A hash reader (storage or tile port) returned the wrong number of hashes: a bug or corruption in the storage behind it. */
  | 'tlog.reader_failed'
  // --- consistency between views (split view / rollback) ---
  /** Two validly signed checkpoints of the same log cannot both be true (same size, different roots, or no consistency): the log forked; keep both notes as evidence. */
  | 'tlog.fork_detected'
  /** A checkpoint is smaller than one already verified for the same log: the log (or a cache) rolled back; keep the newer state. */
  | 'tlog.rollback'
  // --- C2SP signed-note ---
  /** A signed note does not follow c2sp.org/signed-note (layout, characters, names, base64): reject it; it cannot be repaired. */
  | 'tlog.note_malformed'
  /** A note exceeds the size or signature-count limit: reject it (or raise the limit explicitly if you trust the source). */
  | 'tlog.note_too_large'
  /** A signature from a known key (same name and key ID) failed to verify: the note was altered or forged; reject the whole note. */
  | 'tlog.note_bad_signature'
  /** No signature from a known key is present: the note is unsigned for this verifier; configure the right key or reject it. */
  | 'tlog.note_unverified'
  /** A verifier key string (vkey) or private key string is malformed, of an unknown type, or its key ID does not match: re-export it. */
  | 'tlog.bad_key'
  // --- C2SP tlog-checkpoint / tlog-cosignature ---
  /** A checkpoint body is not origin / size / base64 root hash / extension lines: reject it. */
  | 'tlog.checkpoint_malformed'
  /** The checkpoint origin is not the log the caller expected (or not the verifying key's name): it belongs to another log. */
  | 'tlog.checkpoint_origin_mismatch'
  /** A cosignature is malformed (length, timestamp above 2^53-1, non-checkpoint body): reject it. */
  | 'tlog.cosignature_malformed'
  // --- C2SP tlog-tiles ---
  /** A tile or entry-bundle path, level, index or width is invalid: build paths with `formatTilePath`. */
  | 'tlog.tile_bad_path'
  /** A tile's byte length is not 32 × its width: the tile is truncated or padded; refetch it. */
  | 'tlog.tile_bad_size'
  /** A tile or entry bundle does not hash to what the verified tree commits to: the server serves inconsistent data. */
  | 'tlog.tile_mismatch'
  /** A tile or entry bundle the tree size requires is missing from the tile source: the log is incomplete or pruned. */
  | 'tlog.tile_missing'
  /** An entry bundle is malformed (truncated length prefix, wrong count, oversized entry): reject it. */
  | 'tlog.bundle_malformed'
  // --- C2SP tlog-proof / tlog-policy / tlog-witness ---
  /** A c2sp.org/tlog-proof text is malformed: reject it. */
  | 'tlog.proof_malformed'
  /** A tlog-policy file is malformed or violates a rule (duplicate key, forward reference, bad threshold): fix the file. */
  | 'tlog.policy_malformed'
  /** The checkpoint is not signed by any log the policy lists (or the origin does not match): it is from an unknown log. */
  | 'tlog.policy_unknown_log'
  /** The verified cosignatures do not satisfy the policy quorum (`detail.cosignedBy` lists who did): wait for more witnesses or reject. */
  | 'tlog.policy_quorum_not_met'
  /**
   * The checkpoint's cosignatures satisfy the policy quorum only if too old (or future-dated)
   * ones are counted: no quorum of witnesses vouches that it was the log's latest within the
   * allowed age (`detail.stale` / `detail.future` name them). The log may be freezing this
   * verifier on an old view, or its witnesses are down: refuse it, fetch again later, report it
   * if it persists. Check this verifier's clock too.
   */
  | 'tlog.stale_checkpoint'
  /** A witness add-checkpoint request body is malformed: fix the client. */
  | 'tlog.witness_request_malformed'
  // --- log entries ---
  /** A log entry's bytes are not a canonical encoding (truncated, trailing bytes, bad kind name, bad body): reject it. */
  | 'tlog.entry_malformed'
  /** An entry kind (or kind version) is not in the registry: upgrade the reader, or treat the entry as opaque. */
  | 'tlog.entry_unknown_kind'
  /** An entry (or its body) exceeds the size limit (entries must fit a uint16 entry-bundle length): split or shrink it. */
  | 'tlog.entry_too_large'
  /** A kind was registered twice, or a kind definition is invalid: fix the registration code. */
  | 'tlog.entry_bad_registration'
  // --- key transparency (RFC 9497 VOPRF) ---
  /** A VOPRF element, scalar or key has the wrong length or is not a valid ristretto255 encoding: reject it. */
  | 'tlog.voprf_bad_input'
  /** The server's DLEQ proof does not verify against its logged public key: the label is not trustworthy; reject the lookup. */
  | 'tlog.voprf_bad_proof'
  /** A key the server served is not the key its log entry records (or the entry is of another kind / account): refuse the key and warn. */
  | 'tlog.kt_key_not_logged';

export type TlogError = FulcrumError<TlogErrorCode>;

/** Builds a typed tlog error. */
export function tlogError(
  code: TlogErrorCode,
  message: string,
  detail?: Record<string, unknown>,
  cause?: unknown,
): TlogError {
  const options: { detail?: Record<string, unknown>; cause?: unknown } = {};
  if (detail !== undefined) options.detail = detail;
  if (cause !== undefined) options.cause = cause;
  return new FulcrumError<TlogErrorCode>(code, message, options);
}

/** Type guard: `err` is a tlog error, optionally with one of `codes`. */
export function isTlogError(err: unknown, ...codes: TlogErrorCode[]): err is TlogError {
  return (
    isFulcrumError(err) &&
    err.code.startsWith('tlog.') &&
    (codes.length === 0 || codes.includes(err.code as TlogErrorCode))
  );
}
