import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0005: the moderation workflow (issue 7, decision 0004 §Moderation): staff roles, case leases,
 * decisions (with four-eyes approval), account sanctions (what the auth path checks), appeals,
 * notices to affected accounts, and the audit trail. Frozen once released.
 */
export function migration0005(dialect: Dialect): Migration {
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('staff_roles')
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('moderator', 'child_safety', 'admin')`))
        .addColumn('granted_by', 'text')
        .addColumn('granted_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('staff_roles_pk', ['account_id', 'role'])
        .execute();

      // One row per claimed case: the primary key is what makes two holders impossible.
      await db.schema
        .createTable('moderation_leases')
        .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.id'))
        .addColumn('holder_account_id', 'text', (c) => c.notNull())
        .addColumn('acquired_at', int, (c) => c.notNull())
        .addColumn('expires_at', int, (c) => c.notNull())
        .addColumn('assigned_by', 'text')
        .execute();

      await db.schema
        .createTable('moderation_decisions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('affected_account_id', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) =>
          c.notNull().check(sql`action in ('dismiss', 'warn', 'restrict', 'suspend', 'ban', 'escalate')`),
        )
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('authority_kinds', 'text')
        .addColumn('duration_ms', int)
        .addColumn('decided_by', 'text', (c) => c.notNull())
        .addColumn('decided_role', 'text', (c) => c.notNull())
        .addColumn('decided_at', int, (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('awaiting_approval', 'effective', 'rejected', 'overturned')`),
        )
        .addColumn('approved_by', 'text')
        .addColumn('approved_at', int)
        .addColumn('approval_reason', 'text')
        // Four eyes, also in the schema: the approver is never the decider.
        .addCheckConstraint('moderation_decisions_four_eyes', sql`approved_by is null or approved_by <> decided_by`)
        .execute();
      await db.schema
        .createIndex('moderation_decisions_report_idx')
        .on('moderation_decisions')
        .column('report_id')
        .execute();
      await db.schema
        .createIndex('moderation_decisions_affected_idx')
        .on('moderation_decisions')
        .column('affected_account_id')
        .execute();

      // What the auth path checks: one row per (account, kind) in force.
      await db.schema
        .createTable('account_sanctions')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('restrict', 'suspend', 'ban')`))
        .addColumn('decision_id', 'text', (c) => c.notNull().references('moderation_decisions.id'))
        .addColumn('since', int, (c) => c.notNull())
        .addColumn('until', int)
        .addPrimaryKeyConstraint('account_sanctions_pk', ['account_id', 'kind'])
        .execute();

      await db.schema
        .createTable('moderation_appeals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('decision_id', 'text', (c) => c.notNull().unique().references('moderation_decisions.id'))
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('statement', 'text', (c) => c.notNull())
        .addColumn('filed_at', int, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'upheld', 'overturned')`))
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', int)
        .addColumn('outcome_reason', 'text')
        .execute();
      await db.schema.createIndex('moderation_appeals_status_idx').on('moderation_appeals').column('status').execute();

      await db.schema
        .createTable('moderation_notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('decision_id', 'text', (c) => c.notNull().references('moderation_decisions.id'))
        .addColumn('appeal_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('moderation_notices_account_idx')
        .on('moderation_notices')
        .columns(['account_id', 'created_at'])
        .execute();

      await db.schema
        .createTable('moderation_audit')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', int, (c) => c.notNull())
        .addColumn('actor_account_id', 'text')
        .addColumn('actor_role', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('report_id', 'text')
        .addColumn('decision_id', 'text')
        .addColumn('appeal_id', 'text')
        .addColumn('target_account_id', 'text')
        .addColumn('log_index', int, (c) => c.notNull().unique())
        .execute();
      await db.schema.createIndex('moderation_audit_report_idx').on('moderation_audit').column('report_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'moderation_audit',
        'moderation_notices',
        'moderation_appeals',
        'account_sanctions',
        'moderation_decisions',
        'moderation_leases',
        'staff_roles',
      ]) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
