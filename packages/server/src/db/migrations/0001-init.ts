import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * 0001: the platform's tables (issue 3). Migrations are frozen once released: a later change
 * is a new numbered file, never an edit here.
 */
export function migration0001(dialect: Dialect): Migration {
  const blob = dialect === 'sqlite' ? 'blob' : 'bytea';
  const int = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('accounts')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('identity_key', blob, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('devices')
        .addColumn('device_id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
        .addColumn('certificate', blob, (c) => c.notNull())
        .addColumn('request_key', blob, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('revoked_at', int)
        .addColumn('revocation', blob)
        .addColumn('queue_seq', int, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('devices_account_idx').on('devices').column('account_id').execute();

      let kp = db.schema.createTable('key_packages');
      kp =
        dialect === 'sqlite'
          ? kp.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
          : kp.addColumn('id', 'bigserial', (c) => c.primaryKey());
      await kp
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.device_id'))
        .addColumn('ref', blob, (c) => c.notNull())
        .addColumn('data', blob, (c) => c.notNull())
        .addColumn('last_resort', 'integer', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('claim_count', int, (c) => c.notNull().defaultTo(0))
        .addColumn('last_claimed_at', int)
        .addUniqueConstraint('key_packages_device_ref_unique', ['device_id', 'ref'])
        .execute();
      // Claims take the oldest normal package of a device: (device_id, last_resort, id).
      await db.schema
        .createIndex('key_packages_claim_idx')
        .on('key_packages')
        .columns(['device_id', 'last_resort', 'id'])
        .execute();

      await db.schema
        .createTable('groups')
        .addColumn('group_id', 'text', (c) => c.primaryKey())
        .addColumn('epoch', int, (c) => c.notNull())
        .addColumn('group_seq', int, (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .addColumn('updated_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.group_id'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.device_id'))
        .addColumn('joined_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'device_id'])
        .execute();
      await db.schema.createIndex('group_members_device_idx').on('group_members').column('device_id').execute();

      await db.schema
        .createTable('queue_items')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('seq', int, (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('sender_device_id', 'text')
        .addColumn('payload', blob, (c) => c.notNull())
        .addColumn('server_time', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('queue_items_pk', ['device_id', 'seq'])
        .execute();

      await db.schema
        .createTable('sent_messages')
        .addColumn('sender_device_id', 'text', (c) => c.notNull())
        .addColumn('client_message_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('group_seq', int, (c) => c.notNull())
        .addColumn('epoch', int)
        .addColumn('created_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('sent_messages_pk', ['sender_device_id', 'client_message_id'])
        .execute();
      await db.schema.createIndex('sent_messages_created_idx').on('sent_messages').column('created_at').execute();

      await db.schema
        .createTable('request_nonces')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('expires_at', int, (c) => c.notNull())
        .addPrimaryKeyConstraint('request_nonces_pk', ['device_id', 'nonce'])
        .execute();
      await db.schema.createIndex('request_nonces_expiry_idx').on('request_nonces').column('expires_at').execute();

      await db.schema
        .createTable('attachments')
        .addColumn('attachment_id', 'text', (c) => c.primaryKey())
        .addColumn('uploader_device_id', 'text', (c) => c.notNull())
        .addColumn('size', int, (c) => c.notNull())
        .addColumn('sha256', blob, (c) => c.notNull())
        .addColumn('created_at', int, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('attachment_chunks')
        .addColumn('attachment_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('data', blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('attachment_chunks_pk', ['attachment_id', 'idx'])
        .execute();
    },
  };
}
