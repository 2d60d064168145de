import { randomBytes } from 'node:crypto';
import { wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import { type Tx, toDbBytes } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { ReportCategory, ReportStatus } from '../db/tables/reports.js';

export type { ReportCategory, ReportStatus } from '../db/tables/reports.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

/** Decision 0004: 0 = most urgent. */
export const CATEGORY_PRIORITY: Readonly<Record<ReportCategory, number>> = {
  child_sexual_exploitation: 0,
  grooming: 0,
  terrorism: 1,
  threats: 1,
  harassment: 2,
  spam: 3,
  other: 3,
};

export const REPORT_CATEGORIES = Object.keys(CATEGORY_PRIORITY) as readonly ReportCategory[];

/** Default retention of reported material (decision 0004): 90 days from `created_at`. */
export const DEFAULT_REPORT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/** A fresh report id: `rpt_` + 22 base64url characters (16 random bytes). */
export function createReportId(): string {
  return `rpt_${randomBytes(16).toString('base64url')}`;
}

/** One verified message of a report (an opening the server checked), in conversation order. */
export interface VerifiedReportMessage {
  role: 'reported' | 'context';
  senderAccountId: string;
  senderDeviceId: string;
  serverSeq: number;
  epoch: number;
  serverTime: number;
  keyId: string;
  body: Uint8Array;
  frankingKey: Uint8Array;
  commitment: Uint8Array;
  tag: Uint8Array;
}

/** An attachment of a reported message, decrypted and checked against the committed values. */
export interface VerifiedReportFile {
  /** Index into `messages` of the message carrying it. */
  position: number;
  attachmentId: string;
  mediaType: string;
  name: string;
  size: number;
  plaintextSha256: Uint8Array;
  blobSha256: Uint8Array;
  md5: Uint8Array;
  /** 64 hex characters, or null when the file is not an image the server could decode. */
  pdq: string | null;
  content: Uint8Array;
}

/** A report whose every opening (and attachment) has been verified. */
export interface VerifiedReport {
  id: string;
  reporterAccountId: string;
  reporterDeviceId: string;
  /** The MLS sender's account of the first reported message. */
  reportedAccountId: string;
  conversationId: string;
  category: ReportCategory;
  note: string | null;
  createdAt: number;
  /** `createdAt` + retention. */
  retainUntil: number;
  /** Sorted by serverSeq; positions are the array indices. */
  messages: readonly VerifiedReportMessage[];
  files: readonly VerifiedReportFile[];
}

/**
 * Stores a verified report, in the caller's transaction: the case row (`status: 'open'`), its
 * messages and files, and the reported messages in `reported_openings`. A reported message this
 * reporter account already reported throws `report.replayed` (the caller's transaction must then
 * roll back; nothing of this report is kept).
 */
export async function insertVerifiedReport(tx: Tx, report: VerifiedReport): Promise<void> {
  for (let i = 1; i < report.messages.length; i++) {
    if (
      (report.messages[i - 1] as VerifiedReportMessage).serverSeq >=
      (report.messages[i] as VerifiedReportMessage).serverSeq
    ) {
      throw new Error('report messages must be in strictly increasing serverSeq order');
    }
  }
  await tx.db
    .insertInto('reports')
    .values({
      id: report.id,
      reporter_account_id: report.reporterAccountId,
      reporter_device_id: report.reporterDeviceId,
      reported_account_id: report.reportedAccountId,
      conversation_id: report.conversationId,
      category: report.category,
      priority: CATEGORY_PRIORITY[report.category],
      note: report.note,
      created_at: report.createdAt,
      status: 'open',
      retain_until: report.retainUntil,
      content_deleted_at: null,
    })
    .execute();
  for (const m of report.messages.filter((m) => m.role === 'reported')) {
    const inserted = await tx.db
      .insertInto('reported_openings')
      .values({
        reporter_account_id: report.reporterAccountId,
        conversation_id: report.conversationId,
        server_seq: m.serverSeq,
        report_id: report.id,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('report_id')
      .executeTakeFirst();
    if (inserted === undefined) {
      throw wireError('report.replayed', 'this message was already reported by this account', {
        serverSeq: m.serverSeq,
      });
    }
  }
  if (report.messages.length > 0) {
    await tx.db
      .insertInto('report_messages')
      .values(
        report.messages.map((m, position) => ({
          report_id: report.id,
          position,
          role: m.role,
          sender_account_id: m.senderAccountId,
          sender_device_id: m.senderDeviceId,
          server_seq: m.serverSeq,
          epoch: m.epoch,
          server_time: m.serverTime,
          key_id: m.keyId,
          body: toDbBytes(m.body),
          franking_key: toDbBytes(m.frankingKey),
          commitment: toDbBytes(m.commitment),
          tag: toDbBytes(m.tag),
        })),
      )
      .execute();
  }
  for (const f of report.files) {
    await tx.db
      .insertInto('report_files')
      .values({
        report_id: report.id,
        position: f.position,
        attachment_id: f.attachmentId,
        media_type: f.mediaType,
        name: f.name,
        size: f.size,
        plaintext_sha256: toDbBytes(f.plaintextSha256),
        blob_sha256: toDbBytes(f.blobSha256),
        md5: toDbBytes(f.md5),
        pdq: f.pdq,
        content: toDbBytes(f.content),
      })
      .execute();
  }
}

/** A `reports` row. */
export interface ReportRecord {
  id: string;
  reporterAccountId: string;
  reporterDeviceId: string;
  reportedAccountId: string;
  conversationId: string;
  category: ReportCategory;
  priority: number;
  note: string | null;
  createdAt: number;
  status: ReportStatus;
  retainUntil: number;
  contentDeletedAt: number | null;
}

/** A `report_messages` row; `body` and `frankingKey` are null once the content was deleted. */
export interface ReportMessageRecord {
  reportId: string;
  position: number;
  role: 'reported' | 'context';
  senderAccountId: string;
  senderDeviceId: string;
  serverSeq: number;
  epoch: number;
  serverTime: number;
  keyId: string;
  body: Uint8Array | null;
  frankingKey: Uint8Array | null;
  commitment: Uint8Array;
  tag: Uint8Array;
}

/** A `report_files` row; `content` is null once the content was deleted. */
export interface ReportFileRecord {
  reportId: string;
  position: number;
  attachmentId: string;
  mediaType: string;
  name: string;
  size: number;
  plaintextSha256: Uint8Array;
  blobSha256: Uint8Array;
  md5: Uint8Array;
  pdq: string | null;
  content: Uint8Array | null;
}

const bytes = (b: Uint8Array): Uint8Array => new Uint8Array(b);
const maybeBytes = (b: Uint8Array | null): Uint8Array | null => (b === null ? null : new Uint8Array(b));

/** The report (case) row, or undefined. */
export async function getReport(db: Reader, id: string): Promise<ReportRecord | undefined> {
  const r = await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
  if (r === undefined) return undefined;
  return {
    id: r.id,
    reporterAccountId: r.reporter_account_id,
    reporterDeviceId: r.reporter_device_id,
    reportedAccountId: r.reported_account_id,
    conversationId: r.conversation_id,
    category: r.category,
    priority: r.priority,
    note: r.note,
    createdAt: r.created_at,
    status: r.status,
    retainUntil: r.retain_until,
    contentDeletedAt: r.content_deleted_at,
  };
}

/** The report's messages, by position (conversation order). */
export async function listReportMessages(db: Reader, reportId: string): Promise<ReportMessageRecord[]> {
  const rows = await db
    .selectFrom('report_messages')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    reportId: r.report_id,
    position: r.position,
    role: r.role,
    senderAccountId: r.sender_account_id,
    senderDeviceId: r.sender_device_id,
    serverSeq: r.server_seq,
    epoch: r.epoch,
    serverTime: r.server_time,
    keyId: r.key_id,
    body: maybeBytes(r.body),
    frankingKey: maybeBytes(r.franking_key),
    commitment: bytes(r.commitment),
    tag: bytes(r.tag),
  }));
}

/** The report's files, by the position of their message. */
export async function listReportFiles(db: Reader, reportId: string): Promise<ReportFileRecord[]> {
  const rows = await db
    .selectFrom('report_files')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    reportId: r.report_id,
    position: r.position,
    attachmentId: r.attachment_id,
    mediaType: r.media_type,
    name: r.name,
    size: r.size,
    plaintextSha256: bytes(r.plaintext_sha256),
    blobSha256: bytes(r.blob_sha256),
    md5: bytes(r.md5),
    pdq: r.pdq,
    content: maybeBytes(r.content),
  }));
}

// Blocks live in blocks.ts; re-exported for the callers that knew them here.
export { insertBlock, isBlocked } from './blocks.js';

/**
 * Counts one refused report under its error code. Call it in a transaction of its own, after the
 * refused report's transaction rolled back, so that the count survives the refusal.
 */
export async function countReportRejection(tx: Tx, code: string, now: number): Promise<void> {
  await tx.db
    .insertInto('report_rejections')
    .values({ code, count: 1, last_at: now })
    .onConflict((oc) =>
      oc.column('code').doUpdateSet((eb) => ({ count: eb('report_rejections.count', '+', 1), last_at: now })),
    )
    .execute();
}

/** The refusal counters, by code. */
export async function listReportRejections(db: Reader): Promise<Record<string, number>> {
  const rows = await db.selectFrom('report_rejections').select(['code', 'count']).orderBy('code').execute();
  return Object.fromEntries(rows.map((r) => [r.code, r.count]));
}
