import type { AttachmentChunksTable } from './tables/attachment-chunks.js';
import type { AttachmentsTable } from './tables/attachments.js';
import type { AccountsTable } from './tables/accounts.js';
import type { DevicesTable } from './tables/devices.js';
import type { GroupMembersTable } from './tables/group-members.js';
import type { GroupsTable } from './tables/groups.js';
import type { KeyPackagesTable } from './tables/key-packages.js';
import type { QueueItemsTable } from './tables/queue-items.js';
import type { RequestNoncesTable } from './tables/request-nonces.js';
import type { SentMessagesTable } from './tables/sent-messages.js';

/** Every table, as Kysely sees it. */
export interface DatabaseSchema {
  accounts: AccountsTable;
  devices: DevicesTable;
  key_packages: KeyPackagesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  queue_items: QueueItemsTable;
  sent_messages: SentMessagesTable;
  request_nonces: RequestNoncesTable;
  attachments: AttachmentsTable;
  attachment_chunks: AttachmentChunksTable;
}

export type TableName = keyof DatabaseSchema;
export const TABLE_NAMES: readonly TableName[] = [
  'accounts',
  'devices',
  'key_packages',
  'groups',
  'group_members',
  'queue_items',
  'sent_messages',
  'request_nonces',
  'attachments',
  'attachment_chunks',
];

export type Dialect = 'sqlite' | 'postgres';
