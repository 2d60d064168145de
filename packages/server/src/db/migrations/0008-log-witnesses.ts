import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0008: witness cosignatures collected by the transparency log (issue 6): per-witness state and
 * the witnessed checkpoint served at `/log/checkpoint`. Numbered after the ones decision 0004
 * reserves (0003–0007). Frozen once released.
 */
export function migration0008(dialect: Dialect): Migration {
  const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('log_witnesses')
        .addColumn('vkey', 'text', (c) => c.primaryKey())
        .addColumn('cosigned_size', int)
        .addColumn('cosigned_root', blob)
        .addColumn('cosignature', 'text')
        .addColumn('cosigned_at', int)
        .addColumn('last_error', 'text')
        .addColumn('last_attempt_at', int)
        .execute();
      await db.schema
        .createTable('log_witnessed_checkpoint')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('size', int, (c) => c.notNull())
        .addColumn('root_hash', blob, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('cosignatures', 'integer', (c) => c.notNull())
        .addColumn('updated_at', int, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('log_witnessed_checkpoint').execute();
      await db.schema.dropTable('log_witnesses').execute();
    },
  };
}
