import type { JsonObject, JsonValue } from '@fulcrum/evidence';
import type { Tx } from '../db/database.js';

/**
 * The moderation decisions on a report (migration 0005's `moderation_decisions`, with each
 * decision's appeal from `moderation_appeals`), oldest first, for its evidence bundle: action,
 * reason, who decided and who approved (four eyes), status, and the appeal's outcome. Staff are
 * named by account id: the bundle is for those entitled to the evidence, never published.
 */
export async function readModerationDecisions(tx: Tx, reportId: string): Promise<JsonValue[]> {
  const decisions = await tx.db
    .selectFrom('moderation_decisions')
    .selectAll()
    .where('report_id', '=', reportId)
    .orderBy('decided_at')
    .orderBy('id')
    .execute();
  const out: JsonObject[] = [];
  for (const d of decisions) {
    const appeal = await tx.db
      .selectFrom('moderation_appeals')
      .selectAll()
      .where('decision_id', '=', d.id)
      .executeTakeFirst();
    out.push({
      id: d.id,
      action: d.action,
      reason: d.reason,
      affectedAccountId: d.affected_account_id,
      authorityKinds: d.authority_kinds === null ? null : d.authority_kinds.split(','),
      durationMs: d.duration_ms,
      decidedBy: d.decided_by,
      decidedRole: d.decided_role,
      decidedAt: d.decided_at,
      status: d.status,
      approvedBy: d.approved_by,
      approvedAt: d.approved_at,
      approvalReason: d.approval_reason,
      appeal:
        appeal === undefined
          ? null
          : {
              id: appeal.id,
              accountId: appeal.account_id,
              statement: appeal.statement,
              filedAt: appeal.filed_at,
              status: appeal.status,
              decidedBy: appeal.decided_by,
              decidedAt: appeal.decided_at,
              outcomeReason: appeal.outcome_reason,
            },
    });
  }
  return out;
}
