import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0007: evidence (issue 7, decision 0004): the platform's evidence signing key, preservation
 * holds and the record of exported bundles. Frozen once released.
 */
export function migration0007(dialect: Dialect): Migration {
  const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('evidence_keys')
        .addColumn('purpose', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('public_key', blob, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('evidence_holds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('until', int, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('evidence_holds_report_idx')
        .on('evidence_holds')
        .columns(['report_id', 'until'])
        .execute();
      await db.schema
        .createTable('evidence_exports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('bundle_sha256', blob, (c) => c.notNull())
        .addColumn('commitment', blob, (c) => c.notNull())
        .addColumn('log_index', int, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('evidence_exports_report_idx').on('evidence_exports').column('report_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of ['evidence_exports', 'evidence_holds', 'evidence_keys']) await db.schema.dropTable(t).execute();
    },
  };
}
