import { constantTimeEqual } from '@fulcrum/common';
import { tlogError } from './errors.js';
import type { HashReader, SubtreeId } from './hash-reader.js';
import { HASH_SIZE, foldSubtrees, hashChildren } from './merkle-hash.js';
import { treeSize as toTreeSize } from './sizes.js';
import { type TileSource, edgeSubtreeHashes, tileHashes } from './tile-builder.js';
import { TILE_HEIGHT, TILE_WIDTH, edgeTiles, formatTilePath, tileWidth } from './tile-path.js';

/**
 * One tile with every inner level of its 8-level subtree, computed lazily: `levels[h][j]` is the
 * hash of complete subtree j at height h inside the tile (h = 0: the tile's own hashes).
 */
class ExpandedTile {
  private readonly levels: Uint8Array[][];

  constructor(readonly hashes: Uint8Array[]) {
    this.levels = [hashes];
  }

  subtree(height: number, j: number): Uint8Array {
    for (let h = this.levels.length; h <= height; h++) {
      const below = this.levels[h - 1] as Uint8Array[];
      const level: Uint8Array[] = [];
      for (let i = 0; i + 1 < below.length; i += 2)
        level.push(hashChildren(below[i] as Uint8Array, below[i + 1] as Uint8Array));
      this.levels.push(level);
    }
    const hash = this.levels[height]?.[j];
    if (hash === undefined) throw tlogError('tlog.reader_failed', 'subtree is not inside this tile');
    return hash;
  }

  /** MTH of the full tile (height-8 subtree). */
  root(): Uint8Array {
    return this.subtree(TILE_HEIGHT, 0);
  }
}

export interface TileHashReaderOptions {
  /** The tree size whose tiles are read (it decides which tiles are partial). */
  readonly treeSize: number;
  readonly source: TileSource;
  /**
   * The verified root hash for `treeSize` (from a verified checkpoint). When given, every tile is
   * checked before use: the edge tiles must reproduce this root and each full tile must hash to
   * its entry in the (verified) tile above; otherwise `tlog.tile_mismatch`. Omit it only for
   * storage you trust (the log's own database).
   */
  readonly rootHash?: Uint8Array;
  /** How many full tiles to keep in memory (default 4096 ≈ 32 MiB, at least 16). */
  readonly cacheTiles?: number;
}

/** A `HashReader` over tiles, plus direct access to verified tiles. */
export interface TileHashReader extends HashReader {
  readonly treeSize: number;
  /** The hashes of tile (level, index) at this tree size (partial if it is the edge). */
  readTile(level: number, index: number): Promise<Uint8Array[]>;
}

/**
 * Serves complete-subtree hashes from c2sp.org/tlog-tiles tiles, so inclusion and consistency
 * proofs (and roots) come from a tile store or a remote tiled log. A subtree at tree level
 * L = 8·t + h is read from tile level t and hashed up h levels inside its tile. Partial tiles
 * that are gone (the log grew) are read from the full tile's prefix, as the spec allows.
 */
export function createTileHashReader(options: TileHashReaderOptions): TileHashReader {
  const size = options.treeSize;
  toTreeSize(size);
  const { source, rootHash } = options;
  // At least a full verification chain (one tile per level) stays cached.
  const cap = Math.max(options.cacheTiles ?? 4096, 16);
  const cache = new Map<string, Promise<ExpandedTile>>();
  // Edge tiles live outside the bounded cache: every verification chain ends in them.
  const edgeMap = new Map<string, ExpandedTile>();
  let edgeCheck: Promise<void> | undefined;

  async function fetchRaw(level: number, index: number, width: number): Promise<Uint8Array[]> {
    let data = await source.read(formatTilePath({ level, index, width }));
    if (data === undefined && width < TILE_WIDTH) {
      const full = await source.read(formatTilePath({ level, index, width: TILE_WIDTH }));
      if (full !== undefined && full.length === TILE_WIDTH * HASH_SIZE) data = full.subarray(0, width * HASH_SIZE);
    }
    if (data === undefined) throw tlogError('tlog.tile_missing', 'tile is missing', { level, index, width });
    if (data.length !== width * HASH_SIZE) {
      throw tlogError('tlog.tile_bad_size', 'tile is not 32 bytes times its width', { level, index, width });
    }
    return tileHashes(data.slice());
  }

  /** Checks all edge tiles at once against the root (they alone determine it). */
  function verifyEdges(): Promise<void> {
    edgeCheck ??= (async () => {
      const edges = edgeTiles(size);
      const tiles = await Promise.all(edges.map((t) => fetchRaw(t.level, t.index, t.width)));
      const byLevel: Uint8Array[][] = [];
      edges.forEach((t, i) => {
        byLevel[t.level] = tiles[i] as Uint8Array[];
      });
      for (let l = 0; l < byLevel.length; l++) byLevel[l] ??= [];
      if (rootHash !== undefined && !constantTimeEqual(foldSubtrees(edgeSubtreeHashes(byLevel)), rootHash)) {
        throw tlogError('tlog.tile_mismatch', 'edge tiles do not reproduce the checkpoint root');
      }
      edges.forEach((t, i) => {
        edgeMap.set(`${t.level}/${t.index}`, new ExpandedTile(tiles[i] as Uint8Array[]));
      });
    })();
    return edgeCheck;
  }

  async function load(level: number, index: number): Promise<ExpandedTile> {
    const width = tileWidth(size, level, index);
    if (width === 0) throw tlogError('tlog.reader_failed', 'tile is beyond the tree size', { level, index, size });
    if (width < TILE_WIDTH) {
      // An edge tile: verified (and cached) together with the other edges.
      await verifyEdges();
      const edge = edgeMap.get(`${level}/${index}`);
      if (edge === undefined) throw tlogError('tlog.reader_failed', 'edge tile not cached');
      return edge;
    }
    const tile = new ExpandedTile(await fetchRaw(level, index, TILE_WIDTH));
    if (rootHash !== undefined) {
      // A full tile's MTH is hash (index mod 256) of tile (level+1, index / 256), which is
      // either an edge tile (verified against the root) or a full tile verified the same way.
      const parent = await get(level + 1, Math.floor(index / TILE_WIDTH));
      if (!constantTimeEqual(parent.hashes[index % TILE_WIDTH] as Uint8Array, tile.root())) {
        throw tlogError('tlog.tile_mismatch', 'tile does not hash to its entry in the tile above', { level, index });
      }
    }
    return tile;
  }

  function get(level: number, index: number): Promise<ExpandedTile> {
    const key = `${level}/${index}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const loading = load(level, index);
    // Failed loads are not cached, so a transient fetch error can be retried.
    loading.catch(() => {
      if (cache.get(key) === loading) cache.delete(key);
    });
    cache.set(key, loading);
    if (cache.size > cap) cache.delete(cache.keys().next().value as string);
    return loading;
  }

  return {
    treeSize: size,
    async readTile(level, index) {
      return (await get(level, index)).hashes.slice();
    },
    async readHashes(ids: readonly SubtreeId[]): Promise<Uint8Array[]> {
      const located = ids.map((id) => {
        if (!Number.isSafeInteger(id.level) || id.level < 0 || !Number.isSafeInteger(id.index) || id.index < 0) {
          throw tlogError('tlog.reader_failed', 'bad subtree id');
        }
        if ((id.index + 1) * 2 ** id.level > size) {
          throw tlogError('tlog.reader_failed', 'subtree is not complete at this tree size', { ...id, size });
        }
        const t = Math.floor(id.level / TILE_HEIGHT);
        const h = id.level % TILE_HEIGHT;
        const first = id.index * 2 ** h; // position of its first hash at tile level t
        return { t, h, tileIndex: Math.floor(first / TILE_WIDTH), j: (first % TILE_WIDTH) / 2 ** h };
      });
      // One load per distinct tile, whatever the cache size.
      const distinct = new Map<string, Promise<ExpandedTile>>();
      for (const l of located) {
        const key = `${l.t}/${l.tileIndex}`;
        if (!distinct.has(key)) distinct.set(key, get(l.t, l.tileIndex));
      }
      const tiles = await Promise.all(
        located.map((l) => distinct.get(`${l.t}/${l.tileIndex}`) as Promise<ExpandedTile>),
      );
      return located.map((l, i) => (tiles[i] as ExpandedTile).subtree(l.h, l.j).slice());
    },
  };
}
