import { tlogError } from './errors.js';
import { shiftRight, treeSize as toTreeSize } from './sizes.js';

/** Hashes in a full tile, and entries in a full entry bundle (c2sp.org/tlog-tiles). */
export const TILE_WIDTH = 256;
/** Tree levels spanned by one tile level (256 = 2^8). */
export const TILE_HEIGHT = 8;
/** Largest tile level a path may name (spec: 0..63). */
export const MAX_TILE_LEVEL = 63;

/**
 * A Merkle tile: `level` L, `index` N, `width` W (1..256, 256 = full). Its hashes are the
 * Merkle Tree Hashes of D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L] for i < W.
 */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** An entry bundle: the entries D[N·256 : N·256 + W]. */
export interface BundleId {
  readonly index: number;
  readonly width: number;
}

export type TilePath = ({ readonly kind: 'tile' } & TileId) | ({ readonly kind: 'entries' } & BundleId);

function badPath(message: string): never {
  throw tlogError('tlog.tile_bad_path', message);
}

function checkIndexWidth(index: number, width: number): void {
  if (!Number.isSafeInteger(index) || index < 0) badPath('tile index must be a non-negative safe integer');
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) badPath('tile width must be 1..256');
}

/** `<N>` as zero-padded 3-digit groups, all but the last prefixed `x` (1234067 → x001/x234/067). */
export function formatTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) badPath('tile index must be a non-negative safe integer');
  let n = index;
  let out = String(n % 1000).padStart(3, '0');
  n = Math.floor(n / 1000);
  while (n > 0) {
    out = `x${String(n % 1000).padStart(3, '0')}/${out}`;
    n = Math.floor(n / 1000);
  }
  return out;
}

const widthSuffix = (width: number) => (width === TILE_WIDTH ? '' : `.p/${width}`);

/** `tile/<L>/<N>[.p/<W>]` for a Merkle tile. */
export function formatTilePath(tile: TileId): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > MAX_TILE_LEVEL)
    badPath('tile level must be 0..63');
  checkIndexWidth(tile.index, tile.width);
  return `tile/${tile.level}/${formatTileIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]` for an entry bundle. */
export function formatBundlePath(bundle: BundleId): string {
  checkIndexWidth(bundle.index, bundle.width);
  return `tile/entries/${formatTileIndex(bundle.index)}${widthSuffix(bundle.width)}`;
}

const PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/){0,5}[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * Parses a tile or entry-bundle path (relative to the log prefix) in canonical form only:
 * level 0..63 without leading zeroes, index groups as written by `formatTileIndex` (no
 * superfluous leading `x000/` group), width 1..255 without leading zeroes. Throws `tlog.tile_bad_path`.
 */
export function parseTilePath(path: string): TilePath {
  if (typeof path !== 'string' || path.length > 64) badPath('tile path too long');
  const m = PATH.exec(path);
  if (m === null) badPath('not a tile path');
  const [, levelText, indexText, widthText] = m as unknown as [string, string, string, string | undefined];
  const groups = indexText.split('/').map((g) => (g.startsWith('x') ? g.slice(1) : g));
  if (groups.length > 1 && groups[0] === '000') badPath('tile index has a leading zero group');
  const index = groups.reduce((acc, g) => acc * 1000 + Number(g), 0);
  if (!Number.isSafeInteger(index)) badPath('tile index too large');
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) badPath('partial tile width must be 1..255');
  if (levelText === 'entries') return { kind: 'entries', index, width };
  const level = Number(levelText);
  if (level > MAX_TILE_LEVEL) badPath('tile level must be 0..63');
  return { kind: 'tile', level, index, width };
}

/** Number of tile-level-`level` hashes in a tree of `size` entries: floor(size / 256^level). */
export function hashesAtTileLevel(size: number, level: number): number {
  return shiftRight(size, TILE_HEIGHT * level);
}

/** The width of tile (level, index) in a tree of `size`, or 0 if that tile does not exist yet. */
export function tileWidth(size: number, level: number, index: number): number {
  const n = hashesAtTileLevel(size, level) - index * TILE_WIDTH;
  return n <= 0 ? 0 : Math.min(n, TILE_WIDTH);
}

/** Per level: how many full tiles and the width of the partial tile (0 = none) — tlog-tiles "Partial Tiles". */
export interface TileLevelCount {
  readonly level: number;
  readonly fullTiles: number;
  readonly partialWidth: number;
}

/** The tiles a tree of `size` is made of, level by level (empty for size 0). */
export function tileCounts(size: number): TileLevelCount[] {
  toTreeSize(size);
  const out: TileLevelCount[] = [];
  for (let level = 0; ; level++) {
    const n = hashesAtTileLevel(size, level);
    if (n === 0) break;
    out.push({ level, fullTiles: Math.floor(n / TILE_WIDTH), partialWidth: n % TILE_WIDTH });
  }
  return out;
}

/** The partial ("edge") tiles of a tree of `size`, one per level that has one, lowest level first. */
export function edgeTiles(size: number): TileId[] {
  return tileCounts(size)
    .filter((c) => c.partialWidth > 0)
    .map((c) => ({ level: c.level, index: c.fullTiles, width: c.partialWidth }));
}

/** The entry bundles of a tree of `size`: full ones, then the partial one if any. */
export function bundleCount(size: number): { fullBundles: number; partialWidth: number } {
  toTreeSize(size);
  return { fullBundles: Math.floor(size / TILE_WIDTH), partialWidth: size % TILE_WIDTH };
}
