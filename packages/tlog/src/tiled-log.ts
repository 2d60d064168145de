import { constantTimeEqual } from '@fulcrum/common';
import type { VerifiedCheckpoint } from './checkpoint.js';
import { createConsistencyProof, verifyConsistency } from './consistency-proof.js';
import { decodeEntryBundle, encodeEntryBundle } from './entry-bundle.js';
import { isTlogError, tlogError } from './errors.js';
import { hashLeaf } from './merkle-hash.js';
import { treeSize as toTreeSize } from './sizes.js';
import { TileBuilder, type TileData, type TileSource } from './tile-builder.js';
import { createTileHashReader } from './tile-hash-reader.js';
import { TILE_WIDTH, formatBundlePath, formatTilePath } from './tile-path.js';

export interface AuditTiledLogOptions {
  readonly source: TileSource;
  /** The verified tree size and root (from a verified checkpoint). */
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  /** Called with every entry, in order, after its bundle was fetched. */
  readonly onEntry?: (index: number, entry: Uint8Array) => void | Promise<void>;
  /** Also fetch every tile and compare it with the tiles recomputed from the entries (default true). */
  readonly checkTiles?: boolean;
  /** Bundles fetched ahead of processing (default 4). */
  readonly prefetch?: number;
}

/** The outcome of a full audit: every entry re-hashed, every tile rebuilt. */
export interface AuditResult {
  readonly treeSize: number;
  readonly rootHash: Uint8Array;
  readonly entries: number;
  readonly tilesChecked: number;
}

/**
 * Re-derives the tree of `treeSize` from its entry bundles alone: fetches every bundle, hashes
 * every entry as a leaf, rebuilds every tile, and requires the rebuilt root to equal `rootHash`
 * (`tlog.root_mismatch`) and, with `checkTiles`, every served tile to equal its rebuilt twin
 * (`tlog.tile_mismatch`). Memory stays O(256 · levels + prefetch bundles).
 */
export async function auditTiledLog(options: AuditTiledLogOptions): Promise<AuditResult> {
  const { source, treeSize, rootHash } = options;
  toTreeSize(treeSize);
  const checkTiles = options.checkTiles ?? true;
  const prefetch = Math.max(1, options.prefetch ?? 4);
  const builder = TileBuilder.empty();
  const bundleTotal = Math.ceil(treeSize / TILE_WIDTH);
  const widthOf = (i: number) => Math.min(TILE_WIDTH, treeSize - i * TILE_WIDTH);
  const fetchBundle = async (i: number) => {
    const width = widthOf(i);
    let data = await source.read(formatBundlePath({ index: i, width }));
    if (data === undefined && width < TILE_WIDTH) {
      // A partial bundle may be gone once full; its prefix is in the full bundle.
      const full = await source.read(formatBundlePath({ index: i, width: TILE_WIDTH }));
      if (full !== undefined) data = encodeEntryBundle(decodeEntryBundle(full, TILE_WIDTH).slice(0, width));
    }
    if (data === undefined) throw tlogError('tlog.tile_missing', 'entry bundle is missing', { index: i });
    return decodeEntryBundle(data, width);
  };
  let tilesChecked = 0;
  const compare = async (tiles: readonly TileData[]) => {
    if (!checkTiles) return;
    await Promise.all(
      tiles.map(async (t) => {
        const served = await source.read(formatTilePath(t));
        if (served === undefined)
          throw tlogError('tlog.tile_missing', 'tile is missing', { level: t.level, index: t.index });
        if (!constantTimeEqual(served, t.data)) {
          throw tlogError('tlog.tile_mismatch', 'served tile differs from the tile rebuilt from entries', {
            level: t.level,
            index: t.index,
            width: t.width,
          });
        }
        tilesChecked++;
      }),
    );
  };
  const queue: Promise<Uint8Array[]>[] = [];
  let next = 0;
  let index = 0;
  while (index < treeSize) {
    while (queue.length < prefetch && next < bundleTotal) {
      const p = fetchBundle(next++);
      p.catch(() => undefined); // observed when awaited below
      queue.push(p);
    }
    const entries = await (queue.shift() as Promise<Uint8Array[]>);
    for (const entry of entries) {
      if (options.onEntry) await options.onEntry(index, entry);
      builder.appendLeafHash(hashLeaf(entry));
      index++;
    }
    await compare(builder.takeCompletedTiles());
  }
  // Edge tiles are only required to exist for checkpointed sizes, which this one is.
  await compare(builder.partialTiles());
  const root = builder.root();
  if (!constantTimeEqual(root, rootHash)) {
    throw tlogError('tlog.root_mismatch', 'entries do not hash to the checkpoint root');
  }
  return { treeSize, rootHash: root, entries: index, tilesChecked };
}

/** A previously verified state of a log (what a client or monitor keeps on disk). */
export interface TrustedLogState {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

export interface VerifyTiledLogOptions {
  readonly source: TileSource;
  /**
   * Verifies the checkpoint note fetched from `<prefix>/checkpoint`: for example
   * `(note) => verifyCheckpoint(note, { logVerifiers })` or a policy check
   * (`verifyCheckpointWithPolicy`). It must throw if the note is not acceptable.
   */
  readonly verifyCheckpoint: (note: Uint8Array) => VerifiedCheckpoint;
  /** The last state verified for this log, if any: the new checkpoint must extend it. */
  readonly previous?: TrustedLogState;
  /** Also re-derive the root from every entry (a full audit). */
  readonly audit?: false | Omit<AuditTiledLogOptions, 'source' | 'treeSize' | 'rootHash'>;
}

export interface TiledLogVerdict {
  readonly checkpoint: VerifiedCheckpoint;
  /** Set when `previous` was given and the new checkpoint provably extends it. */
  readonly consistentWith?: TrustedLogState;
  readonly audit?: AuditResult;
}

/**
 * Reads and verifies a C2SP tiled log using only the spec's static resources: fetches and
 * verifies `checkpoint`; if a previous state is known, proves from verified tiles that the new
 * tree extends it (`tlog.rollback` if smaller, `tlog.fork_detected` if inconsistent — two
 * signed, conflicting views of the log); optionally audits every entry. Throws typed errors only.
 */
export async function verifyTiledLog(options: VerifyTiledLogOptions): Promise<TiledLogVerdict> {
  const note = await options.source.read('checkpoint');
  if (note === undefined) throw tlogError('tlog.tile_missing', 'the log serves no checkpoint');
  const checkpoint = options.verifyCheckpoint(note);
  const { size, rootHash } = checkpoint.checkpoint;
  let consistentWith: TrustedLogState | undefined;
  const prev = options.previous;
  if (prev !== undefined) {
    toTreeSize(prev.size);
    if (size < prev.size) {
      throw tlogError('tlog.rollback', 'checkpoint is smaller than the last verified one', {
        size,
        previousSize: prev.size,
      });
    }
    if (size === prev.size) {
      if (!constantTimeEqual(rootHash, prev.rootHash)) {
        throw tlogError('tlog.fork_detected', 'two different roots for the same tree size', { size });
      }
    } else if (prev.size > 0) {
      const reader = createTileHashReader({ treeSize: size, rootHash, source: options.source });
      const proof = await createConsistencyProof(prev.size, size, reader);
      try {
        verifyConsistency({ oldSize: prev.size, newSize: size, oldRoot: prev.rootHash, newRoot: rootHash, proof });
      } catch (e) {
        // The proof comes from tiles verified against the new signed root: if it does not
        // reach the old root, the log has signed two inconsistent trees.
        if (isTlogError(e, 'tlog.root_mismatch')) {
          throw tlogError('tlog.fork_detected', 'new checkpoint does not extend the last verified one', {
            size,
            previousSize: prev.size,
          });
        }
        throw e;
      }
    }
    consistentWith = prev;
  }
  const audit =
    options.audit === undefined || options.audit === false
      ? undefined
      : await auditTiledLog({ ...options.audit, source: options.source, treeSize: size, rootHash });
  const verdict: { checkpoint: VerifiedCheckpoint; consistentWith?: TrustedLogState; audit?: AuditResult } = {
    checkpoint,
  };
  if (consistentWith !== undefined) verdict.consistentWith = consistentWith;
  if (audit !== undefined) verdict.audit = audit;
  return verdict;
}
