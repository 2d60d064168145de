import { randomBytes } from 'node:crypto';
import { decodeBase64Url, encodeHex } from '@fulcrum/common';
import {
  createEvidenceBundle,
  type EvidenceFile,
  type EvidenceManifest,
  type EvidenceSigningKey,
  encodeEvidenceBundle,
  type FrankingOpeningInput,
  isValidMediaType,
  type JsonObject,
} from '@fulcrum/evidence';
import { EVIDENCE_BUNDLE_ENTRY, parseEd25519PrivateKey } from '@fulcrum/tlog';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Kysely } from 'kysely';
import { type Database, toDbBytes } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import { appendLogEntry } from '../log/sequencer.js';
import { getReport, listReportFiles, listReportMessages } from '../reports/store.js';
import { readModerationDecisions } from './decisions.js';
import { serverEvidenceError } from './errors.js';
import { listEvidenceHolds } from './holds.js';

/** Media type of a revealed message body (the client's canonical message content bytes). */
export const MESSAGE_CONTENT_MEDIA_TYPE = 'application/vnd.fulcrum.message-content';

export interface ExportEvidenceInput {
  readonly reportId: string;
  /** Who exports (an operator name, or a staff account id): recorded in `evidence_exports` and the bundle. */
  readonly exportedBy: string;
  readonly now: number;
  /** Names the platform in the bundle (default: the transparency log's origin). */
  readonly issuer?: string;
}

export interface ExportedEvidence {
  readonly exportId: string;
  /** The bundle file (`@fulcrum/evidence` container). */
  readonly bytes: Uint8Array;
  readonly manifest: EvidenceManifest;
  /** SHA-256 of `bytes` (kept in `evidence_exports`, never published). */
  readonly bundleSha256: Uint8Array;
  /** The salted commitment appended to the log. */
  readonly commitment: Uint8Array;
  /** Index of the `evidence.bundle` log entry. */
  readonly logIndex: number;
}

/** The log's origin (the checkpoint key's name), the default issuer of bundles. */
export async function platformIssuer(db: Kysely<DatabaseSchema>): Promise<string> {
  const row = await db.selectFrom('log_keys').select('secret').where('purpose', '=', 'checkpoint').executeTakeFirst();
  return row === undefined ? 'fulcrum' : parseEd25519PrivateKey(row.secret).name;
}

/** A file name segment the bundle format accepts, from a user-supplied attachment name. */
function safeSegment(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are replaced
  let s = name.replace(/[\u0000-\u001f\u007f\\/]/g, '_').slice(0, 120);
  if (s === '' || s === '.' || s === '..') s = 'file';
  return s;
}

function mediaTypeOf(declared: string): string {
  const t = declared.split(';')[0]?.trim().toLowerCase() ?? '';
  return isValidMediaType(t) ? t : 'application/octet-stream';
}

/**
 * Exports a report as a signed evidence bundle, in one transaction: reads the report, its
 * messages (revealed bodies as files, their verified context as metadata, the franking openings
 * as verification data), its files (decrypted attachments as files, with the committed digests),
 * its holds and its moderation decisions (with their appeals); signs the bundle with the
 * platform's evidence key; appends an `evidence.bundle` entry (the salted commitment only) to the
 * transparency log and records the export in `evidence_exports`. The entry and the record commit
 * together or not at all. Throws `evidence.report_not_found`, `evidence.content_deleted`.
 */
export async function exportEvidence(
  db: Database,
  key: EvidenceSigningKey,
  input: ExportEvidenceInput,
): Promise<ExportedEvidence> {
  const issuer = input.issuer ?? (await platformIssuer(db.kysely));
  return db.transaction(
    async (tx) => {
      const report = await getReport(tx.db, input.reportId);
      if (report === undefined) throw serverEvidenceError('evidence.report_not_found', 'no such report');
      if (report.contentDeletedAt !== null) {
        throw serverEvidenceError('evidence.content_deleted', "the report's content was deleted by retention", {
          deletedAt: report.contentDeletedAt,
        });
      }
      const messages = await listReportMessages(tx.db, report.id);
      const reportFiles = await listReportFiles(tx.db, report.id);
      const holds = await listEvidenceHolds(tx.db, report.id);
      const conversationId = decodeBase64Url(report.conversationId);

      const files: EvidenceFile[] = [];
      const openings: FrankingOpeningInput[] = [];
      const messageMeta: JsonObject[] = [];
      for (const m of messages) {
        if (m.body === null || m.frankingKey === null) {
          throw serverEvidenceError('evidence.content_deleted', 'a message body was deleted');
        }
        const file = `messages/${m.position}.bin`;
        files.push({ name: file, mediaType: MESSAGE_CONTENT_MEDIA_TYPE, content: m.body });
        openings.push({
          file,
          frankingKey: m.frankingKey,
          commitment: m.commitment,
          tag: m.tag,
          context: {
            conversationId,
            epoch: m.epoch,
            senderDeviceId: m.senderDeviceId,
            serverSeq: m.serverSeq,
            serverTime: m.serverTime,
            keyId: m.keyId,
          },
        });
        messageMeta.push({
          position: m.position,
          role: m.role,
          file,
          senderAccountId: m.senderAccountId,
          senderDeviceId: m.senderDeviceId,
          serverSeq: m.serverSeq,
          epoch: m.epoch,
          serverTime: m.serverTime,
          frankingKeyId: m.keyId,
        });
      }
      const fileMeta: JsonObject[] = [];
      for (const f of reportFiles) {
        if (f.content === null) throw serverEvidenceError('evidence.content_deleted', 'an attachment was deleted');
        // Integrity of our own storage: the stored file is the one intake checked against the commitment.
        if (encodeHex(sha256(f.content)) !== encodeHex(f.plaintextSha256)) {
          throw new Error(`report file ${f.position} does not match its committed SHA-256`);
        }
        const file = `files/${f.position}/${safeSegment(f.name)}`;
        files.push({ name: file, mediaType: mediaTypeOf(f.mediaType), content: f.content });
        fileMeta.push({
          messagePosition: f.position,
          file,
          attachmentId: f.attachmentId,
          mediaType: f.mediaType,
          name: f.name,
          size: f.size,
          plaintextSha256: encodeHex(f.plaintextSha256),
          blobSha256: encodeHex(f.blobSha256),
          md5: encodeHex(f.md5),
          pdq: f.pdq,
        });
      }
      const decisions = await readModerationDecisions(tx, report.id);
      const bundle = createEvidenceBundle(
        {
          issuer,
          createdAt: input.now,
          files,
          metadata: {
            kind: 'fulcrum.report',
            report: {
              id: report.id,
              category: report.category,
              priority: report.priority,
              status: report.status,
              note: report.note,
              createdAt: report.createdAt,
              retainUntil: report.retainUntil,
              reporterAccountId: report.reporterAccountId,
              reporterDeviceId: report.reporterDeviceId,
              reportedAccountId: report.reportedAccountId,
              conversationId: report.conversationId,
            },
            messages: messageMeta,
            files: fileMeta,
            decisions,
            holds: holds.map((h) => ({
              reason: h.reason,
              until: h.until,
              createdBy: h.createdBy,
              createdAt: h.createdAt,
            })),
            exportedBy: input.exportedBy,
          },
          verification: {
            franking: openings,
            platform: {
              reportAcceptedAt: report.createdAt,
              serverTags:
                'verified at intake: each opening opened its commitment and the server tag verified under the franking key named by its keyId, within the report window',
              sender: 'each message context names the MLS sender device; the reporter was a member at each serverSeq',
              attachments:
                'decrypted at intake and checked against the attachment key, plaintext SHA-256, blob SHA-256, size and type committed in the franked body',
            },
          },
        },
        key,
      );
      const bytes = encodeEvidenceBundle(bundle);
      const bundleSha256 = sha256(bytes);
      const { index } = await appendLogEntry(tx, {
        kind: EVIDENCE_BUNDLE_ENTRY.kind,
        version: EVIDENCE_BUNDLE_ENTRY.version,
        time: input.now,
        body: EVIDENCE_BUNDLE_ENTRY.encodeBody({ commitment: bundle.commitment }),
      });
      const exportId = `evx_${randomBytes(16).toString('base64url')}`;
      await tx.db
        .insertInto('evidence_exports')
        .values({
          id: exportId,
          report_id: report.id,
          created_at: input.now,
          created_by: input.exportedBy,
          bundle_sha256: toDbBytes(bundleSha256),
          commitment: toDbBytes(bundle.commitment),
          log_index: index,
        })
        .execute();
      return {
        exportId,
        bytes,
        manifest: bundle.manifest,
        bundleSha256,
        commitment: bundle.commitment,
        logIndex: index,
      };
    },
    { retries: 3 },
  );
}
