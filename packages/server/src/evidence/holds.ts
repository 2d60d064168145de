import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import { serverEvidenceError } from './errors.js';

export const MAX_HOLD_REASON = 2000;

/** A preservation hold. */
export interface EvidenceHold {
  readonly id: string;
  readonly reportId: string;
  readonly reason: string;
  readonly until: number;
  readonly createdBy: string;
  readonly createdAt: number;
}

/**
 * Places a preservation hold on a report's content until `until`, and extends
 * `reports.retain_until` to at least `until` (never shortens it). Throws
 * `evidence.report_not_found`, `evidence.content_deleted` (too late: retention already ran) or
 * `evidence.bad_hold`.
 */
export async function placeEvidenceHold(
  db: Database,
  input: { reportId: string; reason: string; until: number; createdBy: string; now: number },
): Promise<EvidenceHold> {
  const reason = input.reason.trim();
  if (reason.length === 0 || reason.length > MAX_HOLD_REASON)
    throw serverEvidenceError('evidence.bad_hold', `a hold needs a reason of 1..${MAX_HOLD_REASON} characters`);
  if (!Number.isSafeInteger(input.until) || input.until <= input.now)
    throw serverEvidenceError('evidence.bad_hold', 'a hold must end in the future');
  if (input.createdBy.trim() === '') throw serverEvidenceError('evidence.bad_hold', 'a hold needs its creator');
  const hold: EvidenceHold = {
    id: `hold_${randomBytes(16).toString('base64url')}`,
    reportId: input.reportId,
    reason,
    until: input.until,
    createdBy: input.createdBy,
    createdAt: input.now,
  };
  return db.transaction(
    async (tx) => {
      const report = await tx.db
        .selectFrom('reports')
        .select(['content_deleted_at'])
        .where('id', '=', input.reportId)
        .executeTakeFirst();
      if (report === undefined) throw serverEvidenceError('evidence.report_not_found', 'no such report');
      if (report.content_deleted_at !== null)
        throw serverEvidenceError('evidence.content_deleted', "the report's content was already deleted");
      await tx.db
        .insertInto('evidence_holds')
        .values({
          id: hold.id,
          report_id: hold.reportId,
          reason: hold.reason,
          until: hold.until,
          created_by: hold.createdBy,
          created_at: hold.createdAt,
        })
        .execute();
      await tx.db
        .updateTable('reports')
        .set({ retain_until: hold.until })
        .where('id', '=', hold.reportId)
        .where('retain_until', '<', hold.until)
        .execute();
      return hold;
    },
    { retries: 3 },
  );
}

/** A report's holds, oldest first. */
export async function listEvidenceHolds(db: Kysely<DatabaseSchema>, reportId: string): Promise<EvidenceHold[]> {
  const rows = await db
    .selectFrom('evidence_holds')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    reportId: r.report_id,
    reason: r.reason,
    until: r.until,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}
