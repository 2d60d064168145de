import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0006: reports to authorities (issue 7, decision 0004/0005): `authority_destinations` (where
 * reports go), `authority_reports` (what was built for a case, per kind), `authority_deliveries`
 * (one per report and destination: state, attempts, idempotency key, the remote ids of a
 * CyberTipline submission) and `authority_delivery_attempts` (every request sent and what came
 * back). Frozen once released.
 */
export function migration0006(dialect: Dialect): Migration {
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('authority_destinations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('credentials_ref', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('authority_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text')
        .addColumn('payload_sha256', 'text')
        .addColumn('payload_deleted_at', int)
        .addColumn('build_error', 'text')
        .addColumn('created_at', int, (c) => c.notNull())
        .addUniqueConstraint('authority_reports_once', ['report_id', 'kind', 'decision_id'])
        .execute();

      await db.schema
        .createTable('authority_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('authority_report_id', 'text', (c) => c.notNull().references('authority_reports.id'))
        .addColumn('destination_id', 'text', (c) => c.notNull().references('authority_destinations.id'))
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', int, (c) => c.notNull())
        .addColumn('lease_until', int)
        .addColumn('last_attempt_at', int)
        .addColumn('delivered_at', int)
        .addColumn('response_status', 'integer')
        .addColumn('response_digest', 'text')
        .addColumn('last_error', 'text')
        .addColumn('remote_report_id', 'text')
        .addColumn('remote_progress', 'text')
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('updated_at', int, (c) => c.notNull())
        .addUniqueConstraint('authority_deliveries_once', ['authority_report_id', 'destination_id'])
        .execute();
      await db.schema
        .createIndex('authority_deliveries_due_idx')
        .on('authority_deliveries')
        .columns(['state', 'next_attempt_at'])
        .execute();

      await db.schema
        .createTable('authority_delivery_attempts')
        .addColumn('delivery_id', 'text', (c) => c.notNull().references('authority_deliveries.id'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('at', int, (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_digest', 'text')
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('authority_delivery_attempts_pk', ['delivery_id', 'seq'])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'authority_delivery_attempts',
        'authority_deliveries',
        'authority_reports',
        'authority_destinations',
      ]) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
