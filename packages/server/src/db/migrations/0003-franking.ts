import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0003: the server's franking keys (issue 7, decision 0004), and the franking stamp a queued
 * application message carries to its recipient until acknowledged. Frozen once released.
 */
export function migration0003(dialect: Dialect): Migration {
  const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('franking_keys')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('secret', blob, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('retired_at', int)
        .execute();
      await db.schema.createIndex('franking_keys_created_idx').on('franking_keys').column('created_at').execute();
      // SQLite adds one column per ALTER TABLE.
      await db.schema.alterTable('queue_items').addColumn('franking_key_id', 'text').execute();
      await db.schema.alterTable('queue_items').addColumn('franking_tag', blob).execute();
      await db.schema.alterTable('queue_items').addColumn('franking_epoch', int).execute();
      await db.schema.alterTable('queue_items').addColumn('franking_seq', int).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const c of ['franking_key_id', 'franking_tag', 'franking_epoch', 'franking_seq']) {
        await db.schema.alterTable('queue_items').dropColumn(c).execute();
      }
      await db.schema.dropTable('franking_keys').execute();
    },
  };
}
