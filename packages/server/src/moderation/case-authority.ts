/**
 * `GET /v1/mod/cases/:reportId/authority` (docs/protocol.md §Moderation): the reports to
 * authorities a case produced and where their deliveries stand, for the moderation console.
 * Same visibility as the case itself (staff only; child-safety cases to `child_safety` staff
 * only). Never returns a payload (it may carry reported content), a destination's target or its
 * credentials reference: the operator reads those on the store.
 */
import type { CaseAuthorityResponse } from '@fulcrum/wire';
import { wireError } from '@fulcrum/wire';
import type { Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import { getReport } from '../reports/store.js';
import { requireCategory, requireStaff } from './staff.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];

export async function caseAuthorityReports(
  db: Reader,
  caller: string,
  reportId: string,
): Promise<CaseAuthorityResponse> {
  const staff = await requireStaff(db, caller);
  const report = await getReport(db, reportId);
  if (report === undefined) throw wireError('moderation.case_not_found', 'no such case');
  requireCategory(staff, report.category);
  const rows = await db
    .selectFrom('authority_reports')
    .select([
      'id',
      'kind',
      'decision_id',
      'created_at',
      'media_type',
      'payload_sha256',
      'payload_deleted_at',
      'build_error',
    ])
    .where('report_id', '=', reportId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(100)
    .execute();
  const ids = rows.map((r) => r.id);
  const deliveries =
    ids.length === 0
      ? []
      : await db
          .selectFrom('authority_deliveries as d')
          .innerJoin('authority_destinations as t', 't.id', 'd.destination_id')
          .select([
            'd.authority_report_id',
            't.transport',
            'd.state',
            'd.attempts',
            'd.last_attempt_at',
            'd.delivered_at',
            'd.response_status',
            'd.last_error',
          ])
          .where('d.authority_report_id', 'in', ids)
          .orderBy('d.created_at')
          .orderBy('d.id')
          .execute();
  return {
    reports: rows.map((r) => ({
      kind: r.kind,
      decisionId: r.decision_id,
      createdAt: Number(r.created_at),
      mediaType: r.media_type,
      ...(r.payload_sha256 !== null ? { payloadSha256: r.payload_sha256 } : {}),
      payloadDeleted: r.payload_deleted_at !== null,
      ...(r.build_error !== null ? { buildError: r.build_error } : {}),
      deliveries: deliveries
        .filter((d) => d.authority_report_id === r.id)
        .slice(0, 100)
        .map((d) => ({
          transport: d.transport,
          state: d.state,
          attempts: Number(d.attempts),
          ...(d.last_attempt_at !== null ? { lastAttemptAt: Number(d.last_attempt_at) } : {}),
          ...(d.delivered_at !== null ? { deliveredAt: Number(d.delivered_at) } : {}),
          ...(d.response_status !== null ? { responseStatus: Number(d.response_status) } : {}),
          ...(d.last_error !== null ? { lastError: d.last_error } : {}),
        })),
    })),
  };
}
