import { encodeBase64Url, utf8Encode } from '@fulcrum/common';
import {
  type AppealRecord,
  type CaseView,
  type DecideRequest,
  type DecisionRecord,
  MODERATION_NOTICE_GROUP_ID,
  type ModerationNotice,
  type ModerationNoticeEvent,
  type QueueCase,
  type RevealResponse,
  wireError,
} from '@fulcrum/wire';
import type { Kysely, Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { ModerationAppealsTable } from '../db/tables/moderation-appeals.js';
import type { ModerationDecisionAction, ModerationDecisionsTable } from '../db/tables/moderation-decisions.js';
import type { ReportCategory } from '../db/tables/reports.js';
import {
  getReport,
  listReportFiles,
  listReportMessages,
  REPORT_CATEGORIES,
  type ReportRecord,
} from '../reports/store.js';
import { enqueue } from '../store/queue.js';
import { createModerationId, recordModerationEvent } from './audit.js';
import type { AuthorityHook, AuthorityReportKind } from './authority-hook.js';
import {
  actingRole,
  CHILD_SAFETY_CATEGORIES,
  requireCategory,
  requireStaff,
  type StaffMember,
  type StaffRole,
  visibleCategories,
} from './staff.js';

type Reader = Kysely<DatabaseSchema> | Tx['db'];
type DecisionRow = Selectable<ModerationDecisionsTable>;
type AppealRow = Selectable<ModerationAppealsTable>;

/** Default claim lease: 15 minutes, renewed by claiming again. */
export const DEFAULT_LEASE_MS = 15 * 60_000;

/** Decisions that need a second staff member's approval before they take effect (four eyes). */
export const FOUR_EYES_ACTIONS: readonly ModerationDecisionAction[] = ['ban', 'escalate'];
/** Decisions that restrict the account (an Article 17 statement of reasons is due: `dsa_sor`). */
export const RESTRICTING_ACTIONS: readonly ModerationDecisionAction[] = ['restrict', 'suspend', 'ban'];
/**
 * Decisions the affected account is told about (and may appeal). A dismissal changes nothing for
 * it; an escalation to the authorities is not announced to the suspect (no tipping-off).
 */
export const NOTIFIED_ACTIONS: readonly ModerationDecisionAction[] = ['warn', 'restrict', 'suspend', 'ban'];

export interface ModerationOptions {
  /** How long a claim holds (ms). Default 15 minutes. */
  leaseMs?: number;
  /** The authority-reports part (decision 0004); without it, nothing is enqueued for the authorities. */
  authority?: AuthorityHook;
}

/**
 * The moderation workflow (decision 0004 §Moderation). Every write runs in the caller's
 * transaction (the server's write queue), with the caller's staff roles read in that same
 * transaction; the step, its audit row and its `moderation.event` log entry commit together.
 */
export class ModerationService {
  readonly leaseMs: number;
  readonly #authority: AuthorityHook | undefined;

  constructor(options: ModerationOptions = {}) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#authority = options.authority;
  }

  /** The cases the caller may see that wait for work: most urgent first, then oldest. */
  async queue(db: Reader, caller: string, query: { category?: ReportCategory; limit?: number }): Promise<QueueCase[]> {
    const staff = await requireStaff(db, caller);
    let categories = visibleCategories(staff, REPORT_CATEGORIES);
    if (query.category !== undefined) {
      requireCategory(staff, query.category);
      categories = [query.category];
    }
    const rows = await db
      .selectFrom('reports')
      .leftJoin('moderation_leases', 'moderation_leases.report_id', 'reports.id')
      .leftJoin('moderation_decisions as pending', (j) =>
        j.onRef('pending.report_id', '=', 'reports.id').on('pending.status', '=', 'awaiting_approval'),
      )
      .select([
        'pending.id as pending_decision_id',
        'pending.action as pending_action',
        'reports.id',
        'reports.category',
        'reports.priority',
        'reports.status',
        'reports.created_at',
        'moderation_leases.holder_account_id',
        'moderation_leases.expires_at',
      ])
      .where('reports.status', 'in', ['open', 'claimed', 'awaiting_approval'])
      .where('reports.category', 'in', categories)
      .orderBy('reports.priority')
      .orderBy('reports.created_at')
      .orderBy('reports.id')
      .limit(query.limit ?? 50)
      .execute();
    return rows.map((r) => ({
      reportId: r.id,
      category: r.category,
      priority: r.priority,
      status: r.status,
      createdAt: r.created_at,
      ...(r.pending_decision_id === null || r.pending_action === null
        ? {}
        : { pending: { decisionId: r.pending_decision_id, action: r.pending_action } }),
      ...(r.holder_account_id === null || r.expires_at === null
        ? {}
        : { lease: { holder: r.holder_account_id, expiresAt: r.expires_at } }),
    }));
  }

  /** The verified metadata of a case (no content): category, times, verification, file types and sizes. */
  async caseView(db: Reader, caller: string, reportId: string): Promise<CaseView> {
    const staff = await requireStaff(db, caller);
    const report = await visibleReport(db, staff, reportId);
    const messages = await listReportMessages(db, reportId);
    const files = await listReportFiles(db, reportId);
    const lease = await db
      .selectFrom('moderation_leases')
      .select(['holder_account_id', 'expires_at'])
      .where('report_id', '=', reportId)
      .executeTakeFirst();
    const decisions = await db
      .selectFrom('moderation_decisions')
      .selectAll()
      .where('report_id', '=', reportId)
      .orderBy('decided_at')
      .execute();
    const appeals = await db
      .selectFrom('moderation_appeals')
      .selectAll()
      .where('decision_id', 'in', decisions.length === 0 ? ['-'] : decisions.map((d) => d.id))
      .orderBy('filed_at')
      .execute();
    return {
      reportId: report.id,
      category: report.category,
      priority: report.priority,
      status: report.status,
      createdAt: report.createdAt,
      reportedAccountId: report.reportedAccountId,
      reporterAccountId: report.reporterAccountId,
      conversationId: report.conversationId,
      contentDeleted: report.contentDeletedAt !== null,
      ...(lease === undefined ? {} : { lease: { holder: lease.holder_account_id, expiresAt: lease.expires_at } }),
      messages: messages.map((m) => ({
        position: m.position,
        role: m.role,
        senderAccountId: m.senderAccountId,
        serverSeq: m.serverSeq,
        epoch: m.epoch,
        serverTime: m.serverTime,
        keyId: m.keyId,
        verified: 'franking' as const,
        ...(m.body === null ? {} : { bodyBytes: m.body.length }),
      })),
      files: files.map((f) => ({ position: f.position, mediaType: f.mediaType, size: f.size })),
      decisions: decisions.map(decisionRecord),
      appeals: appeals.map(appealRecord),
    };
  }

  /** The reported content, on an explicit call: audited (`reveal`) in the same transaction that reads it. */
  async reveal(tx: Tx, caller: string, reportId: string, now: number): Promise<RevealResponse> {
    const staff = await requireStaff(tx.db, caller);
    const report = await visibleReport(tx.db, staff, reportId);
    await recordModerationEvent(tx, {
      action: 'reveal',
      role: actingRole(staff, report.category),
      actorAccountId: caller,
      reportId,
      now,
    });
    const messages = await listReportMessages(tx.db, reportId);
    const files = await listReportFiles(tx.db, reportId);
    return {
      reportId,
      ...(report.note === null ? {} : { note: report.note }),
      contentDeleted: report.contentDeletedAt !== null,
      messages: messages.map((m) => ({
        position: m.position,
        ...(m.body === null ? {} : { body: encodeBase64Url(m.body) }),
      })),
      files: files.map((f) => ({
        position: f.position,
        mediaType: f.mediaType,
        name: f.name,
        size: f.size,
        ...(f.content === null ? {} : { content: encodeBase64Url(f.content) }),
      })),
    };
  }

  /**
   * Claims (or renews the claim on) a case for `leaseMs`. One upsert decides: the lease row is
   * taken only if there is none, it expired, or the caller already holds it — so two staff
   * members, even on two server processes, never both hold a case.
   */
  async claim(
    tx: Tx,
    caller: string,
    reportId: string,
    now: number,
  ): Promise<{ reportId: string; lease: { holder: string; expiresAt: number } }> {
    const staff = await requireStaff(tx.db, caller);
    const report = await visibleReport(tx.db, staff, reportId);
    requireUninvolved(staff, report);
    if (report.status !== 'open' && report.status !== 'claimed' && !(await onlyEscalated(tx.db, report))) {
      throw wireError('moderation.invalid_state', `the case is ${report.status}`, { status: report.status });
    }
    const lease = await takeLease(tx, {
      reportId,
      holder: caller,
      now,
      expiresAt: now + this.leaseMs,
      assignedBy: null,
    });
    if (report.status === 'open') {
      await tx.db.updateTable('reports').set({ status: 'claimed' }).where('id', '=', reportId).execute();
    }
    await recordModerationEvent(tx, {
      action: 'claim',
      role: actingRole(staff, report.category),
      actorAccountId: caller,
      reportId,
      now,
    });
    return { reportId, lease };
  }

  /** Gives up the caller's claim (the case goes back to `open`). */
  async release(
    tx: Tx,
    caller: string,
    reportId: string,
    now: number,
  ): Promise<{ reportId: string; released: boolean }> {
    const staff = await requireStaff(tx.db, caller);
    const report = await visibleReport(tx.db, staff, reportId);
    const deleted = await tx.db
      .deleteFrom('moderation_leases')
      .where('report_id', '=', reportId)
      .where('holder_account_id', '=', caller)
      .returning('report_id')
      .executeTakeFirst();
    if (deleted === undefined) return { reportId, released: false };
    if (report.status === 'claimed') {
      await tx.db.updateTable('reports').set({ status: 'open' }).where('id', '=', reportId).execute();
    }
    await recordModerationEvent(tx, {
      action: 'release',
      role: actingRole(staff, report.category),
      actorAccountId: caller,
      reportId,
      now,
    });
    return { reportId, released: true };
  }

  /** An admin hands a case to a staff member who may see it (replacing any claim). */
  async assign(
    tx: Tx,
    caller: string,
    reportId: string,
    assignee: string,
    now: number,
  ): Promise<{ reportId: string; lease: { holder: string; expiresAt: number } }> {
    const staff = await requireStaff(tx.db, caller);
    if (!staff.roles.has('admin')) throw wireError('moderation.role_required', 'assigning cases needs the admin role');
    const report = await visibleReport(tx.db, staff, reportId);
    if (report.status !== 'open' && report.status !== 'claimed') {
      throw wireError('moderation.invalid_state', `the case is ${report.status}`, { status: report.status });
    }
    const target = await requireStaff(tx.db, assignee).catch(() => {
      throw wireError('moderation.role_required', 'the assignee holds no staff role');
    });
    requireCategory(target, report.category);
    requireUninvolved(target, report);
    const expiresAt = now + this.leaseMs;
    await tx.db
      .insertInto('moderation_leases')
      .values({
        report_id: reportId,
        holder_account_id: assignee,
        acquired_at: now,
        expires_at: expiresAt,
        assigned_by: caller,
      })
      .onConflict((oc) =>
        oc
          .column('report_id')
          .doUpdateSet({ holder_account_id: assignee, acquired_at: now, expires_at: expiresAt, assigned_by: caller }),
      )
      .execute();
    await tx.db.updateTable('reports').set({ status: 'claimed' }).where('id', '=', reportId).execute();
    await recordModerationEvent(tx, {
      action: 'assign',
      role: 'admin',
      actorAccountId: caller,
      reportId,
      targetAccountId: assignee,
      now,
    });
    return { reportId, lease: { holder: assignee, expiresAt } };
  }

  /**
   * Takes a decision on a case the caller holds. `ban` and `escalate` wait for a second staff
   * member (`approve`); the others take effect now: the account's sanction, its notice, and the
   * authority hook (`dsa_sor` for restricting decisions), all in this transaction.
   */
  async decide(tx: Tx, caller: string, reportId: string, input: DecideRequest, now: number): Promise<DecisionRecord> {
    const staff = await requireStaff(tx.db, caller);
    const report = await visibleReport(tx.db, staff, reportId);
    requireUninvolved(staff, report);
    if (report.status !== 'claimed' && report.status !== 'open') {
      // After an approved escalation the case may still get its sanction (the report to the
      // authorities does not restrict the account): warn, restrict, suspend or ban, once.
      if (!(await onlyEscalated(tx.db, report)) || !NOTIFIED_ACTIONS.includes(input.action)) {
        throw wireError('moderation.invalid_state', `the case is ${report.status}`, { status: report.status });
      }
    }
    const lease = await tx.db
      .selectFrom('moderation_leases')
      .select(['holder_account_id', 'expires_at'])
      .where('report_id', '=', reportId)
      .executeTakeFirst();
    if (lease === undefined || lease.holder_account_id !== caller || lease.expires_at <= now) {
      throw wireError('moderation.not_claimed', 'claim the case before deciding it');
    }
    if ((input.kinds !== undefined) !== (input.action === 'escalate')) {
      throw wireError('moderation.bad_decision', 'kinds is required for escalate and only for it', { path: '/kinds' });
    }
    // A CyberTipline report is for child sexual exploitation (18 U.S.C. § 2258A): only on those cases.
    if (input.kinds?.includes('cybertipline') === true && !CHILD_SAFETY_CATEGORIES.includes(report.category)) {
      throw wireError('moderation.bad_decision', 'a CyberTipline report is only for child-safety cases', {
        path: '/kinds',
      });
    }
    if (input.durationMs !== undefined && input.action !== 'restrict' && input.action !== 'suspend') {
      throw wireError('moderation.bad_decision', 'durationMs is only for restrict and suspend', {
        path: '/durationMs',
      });
    }
    const fourEyes = FOUR_EYES_ACTIONS.includes(input.action);
    const row: DecisionRow = {
      id: createModerationId('dec_'),
      report_id: reportId,
      affected_account_id: report.reportedAccountId,
      action: input.action,
      reason: input.reason,
      authority_kinds: input.kinds === undefined ? null : input.kinds.join(','),
      duration_ms: input.durationMs ?? null,
      decided_by: caller,
      decided_role: actingRole(staff, report.category),
      decided_at: now,
      status: fourEyes ? 'awaiting_approval' : 'effective',
      approved_by: null,
      approved_at: null,
      approval_reason: null,
    };
    await tx.db.insertInto('moderation_decisions').values(row).execute();
    await tx.db
      .updateTable('reports')
      .set({ status: fourEyes ? 'awaiting_approval' : input.action === 'dismiss' ? 'closed' : 'decided' })
      .where('id', '=', reportId)
      .execute();
    await tx.db.deleteFrom('moderation_leases').where('report_id', '=', reportId).execute();
    await recordModerationEvent(tx, {
      action: `decide.${input.action}`,
      role: actingRole(staff, report.category),
      actorAccountId: caller,
      reportId,
      decisionId: row.id,
      targetAccountId: report.reportedAccountId,
      now,
    });
    if (!fourEyes) await this.#takeEffect(tx, row, now);
    return decisionRecord(row);
  }

  /**
   * The second pair of eyes: approves (the decision takes effect) or rejects (the case goes back
   * to the queue) a decision awaiting approval. The decider cannot approve their own decision
   * (`moderation.self_approval`; the schema's check constraint refuses it too).
   */
  async approve(
    tx: Tx,
    caller: string,
    decisionId: string,
    input: { approve: boolean; reason: string },
    now: number,
  ): Promise<DecisionRecord> {
    const staff = await requireStaff(tx.db, caller);
    const decision = await decisionById(tx.db, decisionId);
    const report = await visibleReport(tx.db, staff, decision.report_id);
    requireUninvolved(staff, report);
    if (decision.decided_by === caller) {
      throw wireError('moderation.self_approval', 'a four-eyes decision needs a second staff member');
    }
    const updated = await tx.db
      .updateTable('moderation_decisions')
      .set({
        status: input.approve ? 'effective' : 'rejected',
        approved_by: caller,
        approved_at: now,
        approval_reason: input.reason,
      })
      .where('id', '=', decisionId)
      .where('status', '=', 'awaiting_approval')
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) {
      throw wireError('moderation.invalid_state', `the decision is ${decision.status}`, { status: decision.status });
    }
    await tx.db
      .updateTable('reports')
      .set({ status: input.approve ? 'decided' : 'open' })
      .where('id', '=', report.id)
      .execute();
    await recordModerationEvent(tx, {
      action: input.approve ? 'approve' : 'reject',
      role: actingRole(staff, report.category),
      actorAccountId: caller,
      reportId: report.id,
      decisionId,
      targetAccountId: decision.affected_account_id,
      now,
    });
    if (input.approve) await this.#takeEffect(tx, updated, now);
    return decisionRecord(updated);
  }

  /** The affected account appeals a decision it was told about (one appeal per decision). */
  async fileAppeal(
    tx: Tx,
    caller: string,
    input: { decisionId: string; statement: string },
    now: number,
  ): Promise<AppealRecord> {
    const decision = await tx.db
      .selectFrom('moderation_decisions')
      .selectAll()
      .where('id', '=', input.decisionId)
      .executeTakeFirst();
    // Another account's decision is answered as not found: its existence is not the caller's business.
    if (decision === undefined || decision.affected_account_id !== caller) {
      throw wireError('moderation.decision_not_found', 'no such decision about this account');
    }
    if (decision.status !== 'effective' || !NOTIFIED_ACTIONS.includes(decision.action)) {
      throw wireError(
        'moderation.not_appealable',
        'only a decision in effect that you were notified of can be appealed',
      );
    }
    const row: AppealRow = {
      id: createModerationId('apl_'),
      decision_id: decision.id,
      account_id: caller,
      statement: input.statement,
      filed_at: now,
      status: 'open',
      decided_by: null,
      decided_at: null,
      outcome_reason: null,
    };
    const inserted = await tx.db
      .insertInto('moderation_appeals')
      .values(row)
      .onConflict((oc) => oc.column('decision_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted === undefined) throw wireError('moderation.not_appealable', 'this decision was already appealed');
    await tx.db.updateTable('reports').set({ status: 'appealed' }).where('id', '=', decision.report_id).execute();
    await recordModerationEvent(tx, {
      action: 'appeal.file',
      role: 'user',
      actorAccountId: caller,
      reportId: decision.report_id,
      decisionId: decision.id,
      appealId: row.id,
      now,
    });
    return appealRecord(row);
  }

  /** Open appeals on cases the caller may see, oldest first. */
  async openAppeals(
    db: Reader,
    caller: string,
  ): Promise<{ appeal: AppealRecord; decision: DecisionRecord; category: ReportCategory }[]> {
    const staff = await requireStaff(db, caller);
    const rows = await db
      .selectFrom('moderation_appeals')
      .innerJoin('moderation_decisions', 'moderation_decisions.id', 'moderation_appeals.decision_id')
      .innerJoin('reports', 'reports.id', 'moderation_decisions.report_id')
      .selectAll('moderation_appeals')
      .select('reports.category')
      .where('moderation_appeals.status', '=', 'open')
      .where('reports.category', 'in', visibleCategories(staff, REPORT_CATEGORIES))
      .orderBy('moderation_appeals.filed_at')
      .limit(200)
      .execute();
    const out: { appeal: AppealRecord; decision: DecisionRecord; category: ReportCategory }[] = [];
    for (const r of rows) {
      out.push({
        appeal: appealRecord(r),
        decision: decisionRecord(await decisionById(db, r.decision_id)),
        category: r.category,
      });
    }
    return out;
  }

  /**
   * Decides an appeal: by a staff member who neither took nor approved the decision
   * (`moderation.same_decider`). Overturning lifts the decision's sanction. The appellant is told.
   */
  async decideAppeal(
    tx: Tx,
    caller: string,
    appealId: string,
    input: { outcome: 'uphold' | 'overturn'; reason: string },
    now: number,
  ): Promise<AppealRecord> {
    const staff = await requireStaff(tx.db, caller);
    const appeal = await tx.db
      .selectFrom('moderation_appeals')
      .selectAll()
      .where('id', '=', appealId)
      .executeTakeFirst();
    if (appeal === undefined) throw wireError('moderation.appeal_not_found', 'no such appeal');
    const decision = await decisionById(tx.db, appeal.decision_id);
    const report = await visibleReport(tx.db, staff, decision.report_id);
    requireUninvolved(staff, report);
    if (decision.decided_by === caller || decision.approved_by === caller) {
      throw wireError('moderation.same_decider', 'an appeal is decided by someone other than who took the decision');
    }
    const status = input.outcome === 'uphold' ? 'upheld' : 'overturned';
    const updated = await tx.db
      .updateTable('moderation_appeals')
      .set({ status, decided_by: caller, decided_at: now, outcome_reason: input.reason })
      .where('id', '=', appealId)
      .where('status', '=', 'open')
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) throw wireError('moderation.invalid_state', `the appeal is ${appeal.status}`);
    if (input.outcome === 'overturn') {
      await tx.db
        .updateTable('moderation_decisions')
        .set({ status: 'overturned' })
        .where('id', '=', decision.id)
        .execute();
      await tx.db.deleteFrom('account_sanctions').where('decision_id', '=', decision.id).execute();
    }
    await tx.db.updateTable('reports').set({ status: 'closed' }).where('id', '=', report.id).execute();
    await recordModerationEvent(tx, {
      action: input.outcome === 'uphold' ? 'appeal.uphold' : 'appeal.overturn',
      role: actingRole(staff, report.category),
      actorAccountId: caller,
      reportId: report.id,
      decisionId: decision.id,
      appealId,
      targetAccountId: appeal.account_id,
      now,
    });
    await notify(tx, {
      accountId: appeal.account_id,
      decisionId: decision.id,
      appealId,
      action: input.outcome === 'uphold' ? 'appeal.uphold' : 'appeal.overturn',
      reason: input.reason,
      durationMs: null,
      now,
    });
    return appealRecord(updated);
  }

  /** The caller's own notices, newest first. */
  async notices(db: Reader, caller: string): Promise<ModerationNotice[]> {
    const rows = await db
      .selectFrom('moderation_notices')
      .innerJoin('moderation_decisions', 'moderation_decisions.id', 'moderation_notices.decision_id')
      .selectAll('moderation_notices')
      .select('moderation_decisions.duration_ms')
      .where('moderation_notices.account_id', '=', caller)
      .orderBy('moderation_notices.created_at', 'desc')
      .orderBy('moderation_notices.id')
      .limit(500)
      .execute();
    return rows.map((r) =>
      noticeBody({
        id: r.id,
        decisionId: r.decision_id,
        appealId: r.appeal_id,
        action: r.action as ModerationNotice['action'],
        reason: r.reason,
        at: r.created_at,
        durationMs: r.action.startsWith('appeal.') ? null : r.duration_ms,
      }),
    );
  }

  /** What an effective decision does: sanction, notice, authority reports — in the decision's transaction. */
  async #takeEffect(tx: Tx, d: DecisionRow, now: number): Promise<void> {
    if (RESTRICTING_ACTIONS.includes(d.action)) {
      const kind = d.action as 'restrict' | 'suspend' | 'ban';
      const until = d.duration_ms === null ? null : now + d.duration_ms;
      await tx.db
        .insertInto('account_sanctions')
        .values({ account_id: d.affected_account_id, kind, decision_id: d.id, since: now, until })
        .onConflict((oc) => oc.columns(['account_id', 'kind']).doUpdateSet({ decision_id: d.id, since: now, until }))
        .execute();
    }
    if (NOTIFIED_ACTIONS.includes(d.action)) {
      await notify(tx, {
        accountId: d.affected_account_id,
        decisionId: d.id,
        appealId: null,
        action: d.action,
        reason: d.reason,
        durationMs: d.duration_ms,
        now,
      });
    }
    const kinds = new Set<AuthorityReportKind>();
    if (d.action === 'escalate' && d.authority_kinds !== null) {
      for (const k of d.authority_kinds.split(',')) kinds.add(k as AuthorityReportKind);
    }
    if (RESTRICTING_ACTIONS.includes(d.action)) kinds.add('dsa_sor');
    if (kinds.size > 0 && this.#authority !== undefined) {
      await this.#authority.enqueueAuthorityReports(tx, { reportId: d.report_id, kinds: [...kinds] });
    }
  }
}

/**
 * Whether the case is `decided` by approved escalations only (no sanction yet): such a case can be
 * claimed again and get one sanctioning decision (warn, restrict, suspend, ban), which the
 * affected account is told about and may appeal. An escalation alone is never announced.
 */
async function onlyEscalated(db: Reader, report: ReportRecord): Promise<boolean> {
  if (report.status !== 'decided') return false;
  const rows = await db
    .selectFrom('moderation_decisions')
    .select('action')
    .where('report_id', '=', report.id)
    .where('status', 'in', ['effective', 'awaiting_approval'])
    .execute();
  return rows.length > 0 && rows.every((r) => r.action === 'escalate');
}

/** The report, if it exists and the caller's roles may see its category. */
async function visibleReport(db: Reader, staff: StaffMember, reportId: string): Promise<ReportRecord> {
  const report = await getReport(db, reportId);
  if (report === undefined) throw wireError('moderation.case_not_found', 'no such case');
  requireCategory(staff, report.category);
  return report;
}

/** Staff never work a case they are party to (reported or reporter): `moderation.conflict_of_interest`. */
function requireUninvolved(staff: StaffMember, report: ReportRecord): void {
  if (staff.accountId === report.reportedAccountId || staff.accountId === report.reporterAccountId) {
    throw wireError('moderation.conflict_of_interest', 'you are party to this case: another staff member must act');
  }
}

async function decisionById(db: Reader, decisionId: string): Promise<DecisionRow> {
  const d = await db.selectFrom('moderation_decisions').selectAll().where('id', '=', decisionId).executeTakeFirst();
  if (d === undefined) throw wireError('moderation.decision_not_found', 'no such decision');
  return d;
}

async function takeLease(
  tx: Tx,
  input: { reportId: string; holder: string; now: number; expiresAt: number; assignedBy: string | null },
): Promise<{ holder: string; expiresAt: number }> {
  const taken = await tx.db
    .insertInto('moderation_leases')
    .values({
      report_id: input.reportId,
      holder_account_id: input.holder,
      acquired_at: input.now,
      expires_at: input.expiresAt,
      assigned_by: input.assignedBy,
    })
    .onConflict((oc) =>
      oc
        .column('report_id')
        .doUpdateSet({
          holder_account_id: input.holder,
          acquired_at: input.now,
          expires_at: input.expiresAt,
          assigned_by: input.assignedBy,
        })
        // Only an expired lease, or the caller's own (a renewal), is taken over.
        .where((eb) =>
          eb.or([
            eb('moderation_leases.expires_at', '<=', input.now),
            eb('moderation_leases.holder_account_id', '=', input.holder),
          ]),
        ),
    )
    .returning(['holder_account_id', 'expires_at'])
    .executeTakeFirst();
  if (taken === undefined) {
    const other = await tx.db
      .selectFrom('moderation_leases')
      .select('expires_at')
      .where('report_id', '=', input.reportId)
      .executeTakeFirst();
    throw wireError('moderation.claimed_by_other', 'another staff member holds this case', {
      ...(other === undefined ? {} : { expiresAt: other.expires_at }),
    });
  }
  return { holder: taken.holder_account_id, expiresAt: taken.expires_at };
}

/** Tells the affected account: a `moderation_notices` row and a queue event to each of its devices. */
async function notify(
  tx: Tx,
  input: {
    accountId: string;
    decisionId: string;
    appealId: string | null;
    action: ModerationNotice['action'];
    reason: string;
    durationMs: number | null;
    now: number;
  },
): Promise<void> {
  const id = createModerationId('ntc_');
  await tx.db
    .insertInto('moderation_notices')
    .values({
      id,
      account_id: input.accountId,
      decision_id: input.decisionId,
      appeal_id: input.appealId,
      action: input.action,
      reason: input.reason,
      created_at: input.now,
    })
    .execute();
  const devices = await tx.db
    .selectFrom('devices')
    .select('device_id')
    .where('account_id', '=', input.accountId)
    .where('revoked_at', 'is', null)
    .execute();
  const event: ModerationNoticeEvent = {
    type: 'moderation_notice',
    ...noticeBody({ id, ...input, at: input.now }),
  };
  await enqueue(
    tx,
    devices.map((d) => d.device_id),
    {
      groupId: MODERATION_NOTICE_GROUP_ID,
      kind: 'event',
      senderDeviceId: null,
      payload: utf8Encode(JSON.stringify(event)),
      serverTime: input.now,
    },
  );
}

function noticeBody(n: {
  id: string;
  decisionId: string;
  appealId: string | null;
  action: ModerationNotice['action'];
  reason: string;
  at: number;
  durationMs: number | null;
}): ModerationNotice {
  return {
    noticeId: n.id,
    decisionId: n.decisionId,
    ...(n.appealId === null ? {} : { appealId: n.appealId }),
    action: n.action,
    reason: n.reason,
    at: n.at,
    ...(n.durationMs === null ? {} : { durationMs: n.durationMs }),
  };
}

function decisionRecord(d: DecisionRow): DecisionRecord {
  return {
    decisionId: d.id,
    reportId: d.report_id,
    action: d.action,
    reason: d.reason,
    status: d.status,
    decidedBy: d.decided_by,
    decidedAt: d.decided_at,
    ...(d.authority_kinds === null
      ? {}
      : { authorityKinds: d.authority_kinds.split(',') as DecisionRecord['authorityKinds'] & string[] }),
    ...(d.duration_ms === null ? {} : { durationMs: d.duration_ms }),
    ...(d.approved_by === null ? {} : { approvedBy: d.approved_by }),
    ...(d.approved_at === null ? {} : { approvedAt: d.approved_at }),
  };
}

function appealRecord(a: AppealRow): AppealRecord {
  return {
    appealId: a.id,
    decisionId: a.decision_id,
    statement: a.statement,
    filedAt: a.filed_at,
    status: a.status,
    ...(a.decided_at === null ? {} : { decidedAt: a.decided_at }),
    ...(a.outcome_reason === null ? {} : { outcomeReason: a.outcome_reason }),
  };
}

export type { StaffRole };
