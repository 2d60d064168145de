import {
  decodeEntryBundle,
  encodeEntryBundle,
  HASH_SIZE,
  isTlogError,
  parseTilePath,
  type TileSource,
} from '@fulcrum/tlog';
import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import { utf8Encode } from '@fulcrum/common';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** `log_tiles.level` of entry bundles. */
export const BUNDLE_LEVEL = -1;

/**
 * The log's resources by C2SP tlog-tiles path, read from storage: `checkpoint`, `tile/L/N[.p/W]`,
 * `tile/entries/N[.p/W]`. Only the widest version of each tile is stored; a narrower (partial)
 * one is its prefix (c2sp.org/tlog-tiles: a partial tile's hashes are the first W of the tile).
 * Anything not stored (beyond the tree, or a non-canonical path) reads as `undefined` (404).
 */
export function createDbTileSource(db: Reader): TileSource {
  return {
    async read(path: string): Promise<Uint8Array | undefined> {
      if (path === 'checkpoint') {
        const row = await db.selectFrom('log_checkpoint').select('note').where('id', '=', 1).executeTakeFirst();
        return row === undefined ? undefined : utf8Encode(row.note);
      }
      let parsed: ReturnType<typeof parseTilePath>;
      try {
        parsed = parseTilePath(path);
      } catch (err) {
        if (isTlogError(err, 'tlog.tile_bad_path')) return undefined;
        throw err;
      }
      const level = parsed.kind === 'entries' ? BUNDLE_LEVEL : parsed.level;
      const row = await db
        .selectFrom('log_tiles')
        .select(['width', 'data'])
        .where('level', '=', level)
        .where('tile_index', '=', parsed.index)
        .executeTakeFirst();
      if (row === undefined || row.width < parsed.width) return undefined;
      const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
      if (row.width === parsed.width) return data;
      if (parsed.kind === 'tile') return data.subarray(0, parsed.width * HASH_SIZE);
      return encodeEntryBundle(decodeEntryBundle(data, row.width).slice(0, parsed.width));
    },
  };
}
