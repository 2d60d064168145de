/**
 * `log_tiles`: C2SP tlog-tiles resources, the widest version of each tile kept. A tile's
 * narrower (partial) versions are prefixes of the wider one, so `tile/L/N.p/W` is served from
 * any stored width ≥ W. `level = -1` holds entry bundles (`tile/entries/N`).
 */
export interface LogTilesTable {
  /** Tile level 0..63, or -1 for an entry bundle. */
  level: number;
  tile_index: number;
  /** 1..256 (256 = full, immutable). */
  width: number;
  data: Uint8Array;
}
