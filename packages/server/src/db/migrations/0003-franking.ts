import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/** 0003: the server's franking keys (issue 7, decision 0004). Frozen once released. */
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
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('franking_keys').execute();
    },
  };
}
