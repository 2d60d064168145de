import { concatBytes, constantTimeEqual } from '@fulcrum/common';
import { decodeEntryBundle, encodeEntryBundle } from './entry-bundle.js';
import { tlogError } from './errors.js';
import {
  HASH_SIZE,
  type Sha256,
  assertHash,
  foldSubtreesWith,
  hashLeafWith,
  rootFromLeafHashesWith,
} from './merkle-hash.js';
import { bitLength, treeSize as toTreeSize } from './sizes.js';
import {
  type BundleId,
  TILE_WIDTH,
  type TileId,
  edgeTiles,
  formatBundlePath,
  formatTilePath,
  hashesAtTileLevel,
} from './tile-path.js';

/** A tile with its bytes: `width` 32-byte hashes. */
export interface TileData extends TileId {
  readonly data: Uint8Array;
}

/** An entry bundle with its bytes. */
export interface BundleData extends BundleId {
  readonly data: Uint8Array;
}

/** Splits tile bytes into 32-byte views. */
export function tileHashes(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < data.length; o += HASH_SIZE) out.push(data.subarray(o, o + HASH_SIZE));
  return out;
}

/**
 * The complete-subtree hashes that make up the root, from the edge (partial) tile contents:
 * tile level l holding w hashes contributes, for each set bit h of w from the highest, the MTH
 * of 2^h consecutive hashes (a complete subtree at tree level 8l + h). Highest level first,
 * so `foldSubtrees` of the result is the root (RFC 9162 §2.1.1).
 */
export function edgeSubtreeHashes(edges: readonly (readonly Uint8Array[])[]): Uint8Array[] {
  return edgeSubtreeHashesWith(undefined, edges);
}

function edgeSubtreeHashesWith(hash: Sha256 | undefined, edges: readonly (readonly Uint8Array[])[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let level = edges.length - 1; level >= 0; level--) {
    const edge = edges[level] ?? [];
    let pos = 0;
    for (let h = bitLength(edge.length) - 1; h >= 0; h--) {
      const chunk = 2 ** h;
      if ((edge.length & chunk) === 0) continue;
      out.push(rootFromLeafHashesWith(hash, edge.slice(pos, pos + chunk)));
      pos += chunk;
    }
  }
  return out;
}

/**
 * Streams leaf hashes into tiles (c2sp.org/tlog-tiles), keeping only the partial ("edge") tile
 * of each level in memory: O(256 · levels) memory for any log size. Used by the log's
 * integrator (append → tiles to store) and by auditors (entries → expected tiles and root).
 */
export class TileBuilder {
  private count: number;
  private readonly edges: Uint8Array[][];
  private completed: TileData[] = [];
  private readonly hash: Sha256 | undefined;

  private constructor(size: number, edges: Uint8Array[][], hash: Sha256 | undefined) {
    this.count = size;
    this.edges = edges;
    this.hash = hash;
  }

  /** An empty tree (`hash`: a SHA-256 to use instead of the default, see `Sha256`). */
  static empty(hash?: Sha256): TileBuilder {
    return new TileBuilder(0, [], hash);
  }

  /**
   * Resumes from a tree of `size` given its edge tiles (exactly `edgeTiles(size)`, any order).
   * Throws `tlog.tile_bad_size` if a tile is missing or has the wrong width or byte length.
   */
  static resume(size: number, tiles: readonly TileData[], hash?: Sha256): TileBuilder {
    toTreeSize(size);
    const want = edgeTiles(size);
    const edges: Uint8Array[][] = [];
    for (const w of want) {
      const t = tiles.find((x) => x.level === w.level && x.index === w.index);
      if (t === undefined || t.width !== w.width || t.data.length !== w.width * HASH_SIZE) {
        throw tlogError('tlog.tile_bad_size', 'edge tile missing or of the wrong width', { level: w.level });
      }
      edges[w.level] = tileHashes(t.data.slice());
    }
    const levels = want.length === 0 ? 0 : Math.max(...want.map((w) => w.level)) + 1;
    for (let l = 0; l < levels; l++) edges[l] ??= [];
    return new TileBuilder(size, edges, hash);
  }

  /** Number of leaves appended so far (the tree size). */
  get size(): number {
    return this.count;
  }

  /** Appends one leaf hash; full tiles it completes are queued for `takeCompletedTiles`. */
  appendLeafHash(leafHash: Uint8Array): void {
    assertHash(leafHash, 'leaf hash');
    this.count++;
    let hash = leafHash;
    for (let level = 0; ; level++) {
      let edge = this.edges[level];
      if (edge === undefined) {
        edge = [];
        this.edges[level] = edge;
      }
      edge.push(hash);
      if (edge.length < TILE_WIDTH) return;
      const index = hashesAtTileLevel(this.count, level) / TILE_WIDTH - 1;
      this.completed.push({ level, index, width: TILE_WIDTH, data: concatBytes(...edge) });
      // The full tile's MTH is one hash at the level above (tlog-tiles "Merkle Tree").
      hash = rootFromLeafHashesWith(this.hash, edge);
      this.edges[level] = [];
    }
  }

  /** Returns (and forgets) the full tiles completed since the last call. */
  takeCompletedTiles(): TileData[] {
    const out = this.completed;
    this.completed = [];
    return out;
  }

  /** The current partial tiles, lowest level first. */
  partialTiles(): TileData[] {
    return edgeTiles(this.count).map((t) => ({ ...t, data: concatBytes(...(this.edges[t.level] ?? [])) }));
  }

  /** The root hash of the tree so far. */
  root(): Uint8Array {
    return foldSubtreesWith(this.hash, edgeSubtreeHashesWith(this.hash, this.edges));
  }
}

/** Reads stored resources by tile path ("tile/0/000.p/8", "tile/entries/x001/234", "checkpoint"). */
export interface TileSource {
  /** The bytes at `path` (relative to the log prefix), or undefined if there is none (HTTP 404). */
  read(path: string): Promise<Uint8Array | undefined>;
}

/** What an integration step produces: the new tree head and every resource to store. */
export interface IntegrationResult {
  readonly size: number;
  readonly rootHash: Uint8Array;
  /** Newly completed full tiles and the new partial tiles (write all; full tiles are immutable). */
  readonly tiles: readonly TileData[];
  /** Newly completed full bundles and the new partial bundle. */
  readonly bundles: readonly BundleData[];
}

/**
 * The integrator step of a tiled log: given the stored tree of `oldSize` (read through `source`)
 * and new entries, returns the new root and the tiles and entry bundles to write. If `oldRootHash`
 * is given, the stored edge tiles must reproduce it (`tlog.tile_mismatch` otherwise), so a
 * corrupted store is never extended. Entries must be ≤ 65535 bytes (`tlog.entry_too_large`).
 * `sha256` replaces the default SHA-256 for every hash of the step (see `Sha256`).
 */
export async function integrateEntries(args: {
  readonly oldSize: number;
  readonly entries: readonly Uint8Array[];
  readonly source: TileSource;
  readonly oldRootHash?: Uint8Array;
  readonly sha256?: Sha256;
}): Promise<IntegrationResult> {
  const { oldSize, entries, source, sha256 } = args;
  toTreeSize(oldSize);
  toTreeSize(oldSize + entries.length);
  const oldEdges = edgeTiles(oldSize);
  const edgeData = await Promise.all(oldEdges.map((t) => fetchTile(source, t)));
  const builder = TileBuilder.resume(oldSize, edgeData, sha256);
  if (args.oldRootHash !== undefined && !constantTimeEqual(builder.root(), args.oldRootHash)) {
    throw tlogError('tlog.tile_mismatch', 'stored tiles do not reproduce the stored root');
  }
  // The partial bundle of the old tree is extended, then rewritten.
  const bundleIndex = Math.floor(oldSize / TILE_WIDTH);
  const oldWidth = oldSize % TILE_WIDTH;
  let pending: Uint8Array[] = [];
  if (oldWidth > 0) {
    pending = decodeEntryBundle(await fetchBundle(source, { index: bundleIndex, width: oldWidth }), oldWidth);
  }
  const bundles: BundleData[] = [];
  let nextBundle = bundleIndex;
  for (const entry of entries) {
    builder.appendLeafHash(hashLeafWith(sha256, entry));
    pending.push(entry);
    if (pending.length === TILE_WIDTH) {
      bundles.push({ index: nextBundle++, width: TILE_WIDTH, data: encodeEntryBundle(pending) });
      pending = [];
    }
  }
  if (pending.length > 0 && entries.length > 0) {
    bundles.push({ index: nextBundle, width: pending.length, data: encodeEntryBundle(pending) });
  }
  const unchanged = new Set(oldEdges.map((t) => `${t.level}/${t.index}/${t.width}`));
  const partial = builder.partialTiles().filter((t) => !unchanged.has(`${t.level}/${t.index}/${t.width}`));
  return {
    size: builder.size,
    rootHash: builder.root(),
    tiles: [...builder.takeCompletedTiles(), ...partial],
    bundles,
  };
}

async function fetchTile(source: TileSource, t: TileId): Promise<TileData> {
  const data = await source.read(formatTilePath(t));
  if (data === undefined)
    throw tlogError('tlog.tile_missing', 'stored tile is missing', { level: t.level, index: t.index });
  if (data.length !== t.width * HASH_SIZE) throw tlogError('tlog.tile_bad_size', 'stored tile has the wrong size');
  return { ...t, data };
}

async function fetchBundle(source: TileSource, b: BundleId): Promise<Uint8Array> {
  const data = await source.read(formatBundlePath(b));
  if (data === undefined) throw tlogError('tlog.tile_missing', 'stored entry bundle is missing', { index: b.index });
  return data;
}
