import { constantTimeEqual } from '@fulcrum/common';
import type { Checkpoint } from './checkpoint.js';
import { type VerifiedConsistency, verifyConsistency } from './consistency-proof.js';
import { tlogError } from './errors.js';
import { EMPTY_ROOT } from './merkle-hash.js';
import { treeSize } from './sizes.js';

/** A checkpoint as a client remembers it (origin, size, root, and the note as evidence). */
export interface KnownCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** The signed note, kept so a fork can be proven to others. */
  readonly note?: string;
}

/**
 * Split-view check between two validly signed checkpoints of the same log (for example the one
 * a client saw and one gossiped by another client or a witness): equal sizes with different
 * roots are a fork, and this throws `tlog.fork_detected` with both notes in `detail`. Different
 * sizes need a consistency proof: use `verifyCheckpointExtends`.
 */
export function assertNoSplitView(a: KnownCheckpoint, b: KnownCheckpoint): void {
  if (a.origin !== b.origin) throw tlogError('tlog.checkpoint_origin_mismatch', 'checkpoints of two different logs');
  if (a.size === b.size && !constantTimeEqual(a.rootHash, b.rootHash)) {
    throw tlogError('tlog.fork_detected', 'the log signed two different trees of the same size', {
      origin: a.origin,
      size: a.size,
      notes: [a.note, b.note].filter((n) => n !== undefined),
    });
  }
}

/**
 * Checks that `next` extends `previous` with the given consistency proof (what a client does
 * when it moves to a newer checkpoint). Throws `tlog.checkpoint_origin_mismatch`,
 * `tlog.rollback` (next is smaller), `tlog.fork_detected` (same size, different root), or the
 * proof errors — `tlog.root_mismatch` means the server could not prove the new tree extends the
 * old one: treat it as a possible fork and keep both notes.
 */
export function verifyCheckpointExtends(
  previous: KnownCheckpoint,
  next: KnownCheckpoint | Checkpoint,
  proof: readonly Uint8Array[],
): VerifiedConsistency {
  const n = next;
  if (previous.origin !== n.origin)
    throw tlogError('tlog.checkpoint_origin_mismatch', 'checkpoints of two different logs');
  if (n.size < previous.size) {
    throw tlogError('tlog.rollback', 'the new checkpoint is smaller than the last verified one', {
      size: n.size,
      previousSize: previous.size,
    });
  }
  assertNoSplitView(previous, n);
  if (previous.size === 0) {
    // The empty tree is a prefix of every tree (the tlog-witness rule): nothing to prove, but
    // the remembered root must really be the empty tree's.
    verifyConsistency({ oldSize: 0, newSize: 0, oldRoot: previous.rootHash, newRoot: EMPTY_ROOT, proof });
    return { oldSize: treeSize(0), newSize: treeSize(n.size), oldRoot: previous.rootHash, newRoot: n.rootHash };
  }
  return verifyConsistency({
    oldSize: previous.size,
    newSize: n.size,
    oldRoot: previous.rootHash,
    newRoot: n.rootHash,
    proof,
  });
}
