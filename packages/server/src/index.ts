// @fulcrum/server: Fastify HTTP + WebSocket over Kysely storage (SQLite or PostgreSQL), an event bus and jobs.
export { startServer } from './start-server.js';
export type { RunningServer } from './start-server.js';
export { resolveConfig } from './config.js';
export type { ResolvedConfig, ServerConfig } from './config.js';
export { Database, pgConnectionConfig, SQLITE_FILE, Tx } from './db/database.js';
export type { DatabaseStats, StorageConfig } from './db/database.js';
export { TABLE_NAMES } from './db/schema.js';
export { REPORT_TABLE_NAMES } from './db/schema.js';
export {
  CATEGORY_PRIORITY,
  DEFAULT_REPORT_RETENTION_MS,
  getReport,
  isBlocked,
  listReportFiles,
  listReportMessages,
  listReportRejections,
  REPORT_CATEGORIES,
} from './reports/store.js';
export type { ReportFileRecord, ReportMessageRecord, ReportRecord } from './reports/store.js';
export type { DatabaseSchema, Dialect, TableName } from './db/schema.js';
export type { Bus, BusEvent, Unsubscribe } from './bus/bus.js';
export { InProcessBus } from './bus/in-process-bus.js';
export { NatsBus } from './bus/nats-bus.js';
export type { NatsBusOptions } from './bus/nats-bus.js';
export { DEFAULT_GROUP_COMMIT, WriteQueue } from './write-queue.js';
export type { GroupCommitOptions, WriteQueueStats } from './write-queue.js';
export { LOG_TABLE_NAMES, TransparencyLog } from './log/transparency-log.js';
export type { TransparencyLogOptions } from './log/transparency-log.js';
export { DEFAULT_WITNESS_REFRESH_MS, parseLogWitnesses, WitnessCollector } from './log/witness-collector.js';
export type { LogWitnessConfig, WitnessCollectorOptions, WitnessStatus } from './log/witness-collector.js';
export { appendLogEntry } from './log/sequencer.js';
export { CHECKPOINT_CACHE, IMMUTABLE_CACHE, PARTIAL_CACHE } from './log/routes.js';
export {
  startWitness,
  type RunningWitness,
  type WitnessConfig,
  type WitnessLogConfig,
} from './witness/start-witness.js';
export {
  DEFAULT_FRANKING_REPORT_WINDOW_MS,
  DEFAULT_FRANKING_ROTATION_MS,
  FrankingKeys,
  loadFrankingKeyring,
} from './franking/franking-keys.js';
export type { FrankingKeyOptions, FrankingStamp } from './franking/franking-keys.js';
export {
  grantStaffRole,
  listStaff,
  revokeStaffRole,
  STAFF_ROLES,
  staffRoles,
} from './moderation/staff.js';
export type { StaffRole } from './moderation/staff.js';
export { DEFAULT_LEASE_MS, ModerationService } from './moderation/service.js';
export type { ModerationOptions } from './moderation/service.js';
export type { AuthorityHook, AuthorityReportKind } from './moderation/authority-hook.js';
export { openEvidenceKey, loadEvidencePublicKey } from './evidence/evidence-key.js';
export { exportEvidence, platformIssuer, MESSAGE_CONTENT_MEDIA_TYPE } from './evidence/export.js';
export type { ExportEvidenceInput, ExportedEvidence } from './evidence/export.js';
export { readModerationDecisions } from './evidence/decisions.js';
export { listEvidenceHolds, placeEvidenceHold, MAX_HOLD_REASON } from './evidence/holds.js';
export type { EvidenceHold } from './evidence/holds.js';
export { runRetention } from './evidence/retention.js';
export type { RetentionResult } from './evidence/retention.js';
export { EVIDENCE_KEY_PATH } from './evidence/routes.js';
export type { ServerEvidenceErrorCode } from './evidence/errors.js';
export {
  AUTHORITY_KINDS,
  AUTHORITY_TRANSPORTS,
  AuthorityService,
  addDestination,
  disableDestination,
  getDestination,
  listDestinations,
} from './authority/index.js';
export type {
  AuthorityDestination,
  AuthorityKind,
  AuthorityOptions,
  AuthorityTransport,
  DeliveryRecord,
  EnqueueInput,
  EnqueueResult,
  NewDestination,
  ServerAuthorityErrorCode,
} from './authority/index.js';
export { AUTHORITY_TABLE_NAMES } from './db/schema.js';
