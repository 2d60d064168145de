import type { AttachmentChunksTable } from './tables/attachment-chunks.js';
import type { AttachmentsTable } from './tables/attachments.js';
import type { AccountsTable } from './tables/accounts.js';
import type { AccountSanctionsTable } from './tables/account-sanctions.js';
import type { AuthorityDeliveriesTable, AuthorityDeliveryAttemptsTable } from './tables/authority-deliveries.js';
import type { AuthorityDestinationsTable } from './tables/authority-destinations.js';
import type { AuthorityReportsTable } from './tables/authority-reports.js';
import type { BlocksTable } from './tables/blocks.js';
import type { DevicesTable } from './tables/devices.js';
import type { EvidenceExportsTable } from './tables/evidence-exports.js';
import type { EvidenceHoldsTable } from './tables/evidence-holds.js';
import type { EvidenceKeysTable } from './tables/evidence-keys.js';
import type { FrankingKeysTable } from './tables/franking-keys.js';
import type { GroupMembersTable } from './tables/group-members.js';
import type { GroupMembershipHistoryTable } from './tables/group-membership-history.js';
import type { GroupsTable } from './tables/groups.js';
import type { KeyPackagesTable } from './tables/key-packages.js';
import type { LogCheckpointTable } from './tables/log-checkpoint.js';
import type { LogEntriesTable } from './tables/log-entries.js';
import type { LogKeysTable } from './tables/log-keys.js';
import type { LogSequenceTable } from './tables/log-sequence.js';
import type { LogTilesTable } from './tables/log-tiles.js';
import type { LogWitnessedCheckpointTable } from './tables/log-witnessed-checkpoint.js';
import type { LogWitnessesTable } from './tables/log-witnesses.js';
import type { ModerationAppealsTable } from './tables/moderation-appeals.js';
import type { ModerationAuditTable } from './tables/moderation-audit.js';
import type { ModerationDecisionsTable } from './tables/moderation-decisions.js';
import type { ModerationLeasesTable } from './tables/moderation-leases.js';
import type { ModerationNoticesTable } from './tables/moderation-notices.js';
import type { QueueItemsTable } from './tables/queue-items.js';
import type { ReportFilesTable } from './tables/report-files.js';
import type { ReportMessagesTable } from './tables/report-messages.js';
import type { ReportRejectionsTable } from './tables/report-rejections.js';
import type { ReportedOpeningsTable } from './tables/reported-openings.js';
import type { ReportsTable } from './tables/reports.js';
import type { RequestNoncesTable } from './tables/request-nonces.js';
import type { SentMessagesTable } from './tables/sent-messages.js';
import type { StaffRolesTable } from './tables/staff-roles.js';

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
  // The transparency log (src/log): public data and the log's keys, not in TABLE_NAMES below.
  log_sequence: LogSequenceTable;
  log_entries: LogEntriesTable;
  log_tiles: LogTilesTable;
  log_checkpoint: LogCheckpointTable;
  log_keys: LogKeysTable;
  log_witnesses: LogWitnessesTable;
  log_witnessed_checkpoint: LogWitnessedCheckpointTable;
  // Message franking (src/franking): the server's HMAC keys, secret; not in TABLE_NAMES below.
  franking_keys: FrankingKeysTable;
  // Report intake (migration 0004, decision 0004): listed in REPORT_TABLE_NAMES, not TABLE_NAMES
  // (they hold revealed plaintext by design). group_membership_history is a messaging table.
  group_membership_history: GroupMembershipHistoryTable;
  reports: ReportsTable;
  report_messages: ReportMessagesTable;
  report_files: ReportFilesTable;
  blocks: BlocksTable;
  reported_openings: ReportedOpeningsTable;
  report_rejections: ReportRejectionsTable;
  // Moderation (migration 0005, src/moderation): listed in MODERATION_TABLE_NAMES.
  staff_roles: StaffRolesTable;
  moderation_leases: ModerationLeasesTable;
  moderation_decisions: ModerationDecisionsTable;
  account_sanctions: AccountSanctionsTable;
  moderation_appeals: ModerationAppealsTable;
  moderation_notices: ModerationNoticesTable;
  moderation_audit: ModerationAuditTable;
  // Reports to authorities (migration 0006, src/authority): destinations, built payloads, deliveries.
  authority_destinations: AuthorityDestinationsTable;
  authority_reports: AuthorityReportsTable;
  authority_deliveries: AuthorityDeliveriesTable;
  authority_delivery_attempts: AuthorityDeliveryAttemptsTable;
  // Evidence (migration 0007): the evidence signing key, preservation holds, exported bundles.
  evidence_keys: EvidenceKeysTable;
  evidence_holds: EvidenceHoldsTable;
  evidence_exports: EvidenceExportsTable;
}

export type TableName = keyof DatabaseSchema;
/** The messaging tables (the transparency log's `log_*` tables are listed in `LOG_TABLE_NAMES`). */
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
  'group_membership_history',
];

/** The report intake tables (migration 0004): they hold what reporters revealed. */
export const REPORT_TABLE_NAMES: readonly TableName[] = [
  'reports',
  'report_messages',
  'report_files',
  'blocks',
  'reported_openings',
  'report_rejections',
];

/** The moderation tables (migration 0005). */
export const MODERATION_TABLE_NAMES: readonly TableName[] = [
  'staff_roles',
  'moderation_leases',
  'moderation_decisions',
  'account_sanctions',
  'moderation_appeals',
  'moderation_notices',
  'moderation_audit',
];

export type Dialect = 'sqlite' | 'postgres';

/** The evidence tables (migration 0007). `evidence_keys` holds the evidence signing key's secret. */
export const EVIDENCE_TABLE_NAMES: readonly TableName[] = ['evidence_keys', 'evidence_holds', 'evidence_exports'];

/** The authority-report tables (migration 0006): payloads hold reported content (CyberTipline, Art. 18). */
export const AUTHORITY_TABLE_NAMES: readonly TableName[] = [
  'authority_destinations',
  'authority_reports',
  'authority_deliveries',
  'authority_delivery_attempts',
];
