import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0002: the transparency log (issue 6): sequencer counter, entries, tiles and bundles, the
 * latest checkpoint, and the log's keys. Frozen once released.
 */
export function migration0002(dialect: Dialect): Migration {
  const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('log_sequence')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('next_index', int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('log_entries')
        .addColumn('idx', int, (c) => c.primaryKey())
        .addColumn('entry', blob, (c) => c.notNull())
        .addColumn('subject', 'text')
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('log_entries_subject_idx').on('log_entries').column('subject').execute();
      await db.schema
        .createTable('log_tiles')
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('tile_index', int, (c) => c.notNull())
        .addColumn('width', 'integer', (c) => c.notNull())
        .addColumn('data', blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_tiles_pk', ['level', 'tile_index'])
        .execute();
      await db.schema
        .createTable('log_checkpoint')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('size', int, (c) => c.notNull())
        .addColumn('root_hash', blob, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('updated_at', int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('log_keys')
        .addColumn('purpose', 'text', (c) => c.primaryKey())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ['log_keys', 'log_checkpoint', 'log_tiles', 'log_entries', 'log_sequence']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
