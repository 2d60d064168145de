import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0004: report intake (issue 7, decision 0004): `reports` (also the moderation case),
 * `report_messages`, `report_files`, `blocks` — the shapes decision 0004 fixes — plus intake's own
 * `reported_openings` (replay detection), `report_rejections` (refusal counters by code) and
 * `group_membership_history` (who could have received which message). Frozen once released.
 */
export function migration0004(dialect: Dialect): Migration {
  const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('reporter_account_id', 'text', (c) => c.notNull())
        .addColumn('reporter_device_id', 'text', (c) => c.notNull())
        .addColumn('reported_account_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('retain_until', int, (c) => c.notNull())
        .addColumn('content_deleted_at', int)
        .execute();
      // The moderation queue reads by status, then priority, then age.
      await db.schema
        .createIndex('reports_queue_idx')
        .on('reports')
        .columns(['status', 'priority', 'created_at'])
        .execute();
      await db.schema.createIndex('reports_reported_idx').on('reports').column('reported_account_id').execute();
      await db.schema.createIndex('reports_reporter_idx').on('reports').column('reporter_account_id').execute();
      await db.schema.createIndex('reports_retain_idx').on('reports').column('retain_until').execute();

      await db.schema
        .createTable('report_messages')
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('sender_account_id', 'text', (c) => c.notNull())
        .addColumn('sender_device_id', 'text', (c) => c.notNull())
        .addColumn('server_seq', int, (c) => c.notNull())
        .addColumn('epoch', int, (c) => c.notNull())
        .addColumn('server_time', int, (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('body', blob)
        .addColumn('franking_key', blob)
        .addColumn('commitment', blob, (c) => c.notNull())
        .addColumn('tag', blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('report_messages_pk', ['report_id', 'position'])
        .execute();

      await db.schema
        .createTable('report_files')
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('attachment_id', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('size', int, (c) => c.notNull())
        .addColumn('plaintext_sha256', blob, (c) => c.notNull())
        .addColumn('blob_sha256', blob, (c) => c.notNull())
        .addColumn('md5', blob, (c) => c.notNull())
        .addColumn('pdq', 'text')
        .addColumn('content', blob)
        .addPrimaryKeyConstraint('report_files_pk', ['report_id', 'position'])
        .execute();

      await db.schema
        .createTable('blocks')
        .addColumn('blocker_account_id', 'text', (c) => c.notNull())
        .addColumn('blocked_account_id', 'text', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('blocks_pk', ['blocker_account_id', 'blocked_account_id'])
        .execute();
      await db.schema.createIndex('blocks_blocked_idx').on('blocks').column('blocked_account_id').execute();

      await db.schema
        .createTable('reported_openings')
        .addColumn('reporter_account_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('server_seq', int, (c) => c.notNull())
        .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id'))
        .addPrimaryKeyConstraint('reported_openings_pk', ['reporter_account_id', 'conversation_id', 'server_seq'])
        .execute();

      await db.schema
        .createTable('report_rejections')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('count', int, (c) => c.notNull())
        .addColumn('last_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('group_membership_history')
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('joined_seq', int, (c) => c.notNull())
        .addColumn('left_seq', int)
        .addPrimaryKeyConstraint('group_membership_history_pk', ['group_id', 'device_id', 'joined_seq'])
        .execute();
      // Members of a store older than this migration have no recorded join: they are taken as
      // members from the start (seq 0). Their reports still need a valid server tag.
      await sql`insert into group_membership_history (group_id, device_id, joined_seq, left_seq)
        select group_id, device_id, 0, null from group_members`.execute(db);
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const t of [
        'group_membership_history',
        'report_rejections',
        'reported_openings',
        'blocks',
        'report_files',
        'report_messages',
        'reports',
      ]) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
