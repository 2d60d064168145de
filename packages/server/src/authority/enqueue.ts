/**
 * `enqueueAuthorityReports(tx, { reportId, kinds })`: moderation calls it inside its decision
 * transaction (decision 0004). For each kind it builds the payload from the report tables and the
 * effective moderation decision, stores it (`authority_reports`) and queues one delivery per
 * enabled destination of that kind (`authority_deliveries`). Building can fail for want of
 * settings (no platform info) or data (a category the format does not take): that is recorded as
 * the row's `build_error` code and never aborts moderation's transaction. Calling it again for the
 * same report, kind and decision changes nothing (unique key), so a retried decision transaction
 * cannot queue a second report.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthorityReportInput,
  type DecisionInput,
  authorityError,
  buildArt18Notification,
  buildCyberTiplineReport,
  buildDsaStatementOfReasons,
} from '@fulcrum/authority-reports';
import { isFulcrumError } from '@fulcrum/common';
import type { Tx } from '../db/database.js';
import type { AuthorityKind } from '../db/tables/authority-destinations.js';
import type { ModerationDecisionsTable } from '../db/tables/moderation-decisions.js';
import type { ReportCategory } from '../db/tables/reports.js';
import { getReport, listReportFiles, listReportMessages } from '../reports/store.js';
import { serverAuthorityError } from './errors.js';
import type { ResolvedAuthorityOptions } from './options.js';

const RESTRICTING = ['restrict', 'suspend', 'ban'] as const;
/** Categories whose content is (also) illegal in every EEA state (DSA `incompatible_content_illegal`). */
const ILLEGAL: readonly ReportCategory[] = ['child_sexual_exploitation', 'grooming', 'terrorism', 'threats'];
const EXPLANATION: Record<ReportCategory, string> = {
  child_sexual_exploitation: 'The content sexually exploits a child, which the terms of service prohibit.',
  grooming: 'The messages solicit a child for sexual purposes, which the terms of service prohibit.',
  terrorism: 'The content promotes or incites terrorism, which the terms of service prohibit.',
  threats: 'The messages threaten the life or safety of a person, which the terms of service prohibit.',
  harassment: 'The messages harass another user, which the terms of service prohibit.',
  spam: 'The messages are unsolicited bulk messages, which the terms of service prohibit.',
  other: 'The content violates the terms of service.',
};

export interface EnqueueInput {
  reportId: string;
  kinds: readonly AuthorityKind[];
}

export interface EnqueueResult {
  /** Per kind: the authority_reports id, the build error code if any, and deliveries queued. */
  built: Array<{ kind: AuthorityKind; authorityReportId: string; buildError: string | null; deliveries: number }>;
}

type DecisionRow = ModerationDecisionsTable;

/** The decision a kind is built from: the latest effective restricting one for a statement of
 * reasons, the latest effective escalation (else any effective decision) for the others. */
async function decisionFor(tx: Tx, reportId: string, kind: AuthorityKind): Promise<DecisionRow | undefined> {
  let q = tx.db
    .selectFrom('moderation_decisions')
    .selectAll()
    .where('report_id', '=', reportId)
    .where('status', '=', 'effective');
  if (kind === 'dsa_sor') q = q.where('action', 'in', [...RESTRICTING]);
  const rows = await q.orderBy('decided_at', 'desc').orderBy('id', 'desc').execute();
  if (kind === 'dsa_sor') return rows[0];
  return rows.find((r) => r.action === 'escalate') ?? rows[0];
}

function decisionInput(
  d: DecisionRow,
  category: ReportCategory,
  options: ResolvedAuthorityOptions,
  filesViewed: boolean,
): DecisionInput {
  const effectiveAt = Number(d.approved_at ?? d.decided_at);
  return {
    id: d.id,
    action: d.action,
    reason: d.reason,
    decidedAt: effectiveAt,
    restrictionEndsAt: d.duration_ms === null ? null : effectiveAt + Number(d.duration_ms),
    ground: {
      kind: 'incompatible_content',
      termsGround: options.termsGround,
      explanation: EXPLANATION[category],
      alsoIllegal: ILLEGAL.includes(category),
    },
    automatedDetection: false,
    automatedDecision: 'not_automated',
    territorialScope: [...options.territorialScope],
    filesViewedByStaff: filesViewed,
  };
}

/** Everything a builder takes, read inside `tx`. */
export async function loadAuthorityInput(
  tx: Tx,
  reportId: string,
  decision: DecisionRow,
  options: ResolvedAuthorityOptions,
): Promise<AuthorityReportInput> {
  const report = await getReport(tx.db, reportId);
  if (report === undefined) throw serverAuthorityError('authority.report_not_found', 'no such report');
  const messages = await listReportMessages(tx.db, reportId);
  const files = await listReportFiles(tx.db, reportId);
  const account = await tx.db
    .selectFrom('accounts')
    .select('name')
    .where('account_id', '=', report.reportedAccountId)
    .executeTakeFirst();
  const revealed = await tx.db
    .selectFrom('moderation_audit')
    .select('id')
    .where('report_id', '=', reportId)
    .where('action', '=', 'reveal')
    .executeTakeFirst();
  if (options.platform === undefined) {
    throw authorityError('authority.missing_field', 'no platform settings (ServerConfig.authority.platform)', {
      field: 'platform',
    });
  }
  return {
    report: {
      id: report.id,
      category: report.category,
      note: report.note,
      createdAt: report.createdAt,
      conversationId: report.conversationId,
      reporterAccountId: report.reporterAccountId,
      reportedAccountId: report.reportedAccountId,
    },
    messages: messages.map((m) => ({
      position: m.position,
      role: m.role,
      senderAccountId: m.senderAccountId,
      senderDeviceId: m.senderDeviceId,
      serverSeq: m.serverSeq,
      epoch: m.epoch,
      serverTime: m.serverTime,
      body: m.body,
    })),
    files: files.map((f) => ({
      position: f.position,
      attachmentId: f.attachmentId,
      mediaType: f.mediaType,
      name: f.name,
      size: f.size,
      plaintextSha256: f.plaintextSha256,
      blobSha256: f.blobSha256,
      md5: f.md5,
      pdq: f.pdq,
    })),
    decision: decisionInput(decision, report.category, options, revealed !== undefined),
    platform: options.platform,
    reportedAccount: {
      accountId: report.reportedAccountId,
      ...(account === undefined ? {} : { screenName: account.name }),
    },
  };
}

function build(kind: AuthorityKind, input: AuthorityReportInput, notificationId: string, now: number) {
  switch (kind) {
    case 'cybertipline':
      return { mediaType: 'application/xml', payload: buildCyberTiplineReport(input) };
    case 'dsa_sor':
      return { mediaType: 'application/json', payload: JSON.stringify(buildDsaStatementOfReasons(input)) };
    case 'art18':
      return {
        mediaType: 'application/json',
        payload: JSON.stringify(
          buildArt18Notification(input, {
            notificationId,
            createdAt: now,
            ...(input.platform.establishment === undefined ? {} : { memberStates: [input.platform.establishment] }),
          }),
        ),
      };
  }
}

const newId = (prefix: string) => `${prefix}_${randomBytes(16).toString('base64url')}`;

export async function enqueueAuthorityReports(
  tx: Tx,
  input: EnqueueInput,
  options: ResolvedAuthorityOptions,
  now: number,
): Promise<EnqueueResult> {
  const report = await getReport(tx.db, input.reportId);
  if (report === undefined) throw serverAuthorityError('authority.report_not_found', 'no such report');
  const result: EnqueueResult = { built: [] };
  for (const kind of [...new Set(input.kinds)]) {
    const decision = await decisionFor(tx, input.reportId, kind);
    const decisionId = decision?.id ?? '';
    const existing = await tx.db
      .selectFrom('authority_reports')
      .select('id')
      .where('report_id', '=', input.reportId)
      .where('kind', '=', kind)
      .where('decision_id', '=', decisionId)
      .executeTakeFirst();
    if (existing !== undefined) continue;

    const id = newId('arp');
    let payload: string | null = null;
    let mediaType = kind === 'cybertipline' ? 'application/xml' : 'application/json';
    let buildError: string | null = null;
    try {
      if (decision === undefined) throw serverAuthorityError('authority.no_decision', 'no effective decision');
      const built = build(kind, await loadAuthorityInput(tx, input.reportId, decision, options), id, now);
      payload = built.payload;
      mediaType = built.mediaType;
    } catch (err) {
      if (!isFulcrumError(err)) throw err;
      buildError = err.code;
    }
    await tx.db
      .insertInto('authority_reports')
      .values({
        id,
        report_id: input.reportId,
        kind,
        decision_id: decisionId,
        media_type: mediaType,
        payload,
        payload_sha256: payload === null ? null : createHash('sha256').update(payload).digest('hex'),
        payload_deleted_at: null,
        build_error: buildError,
        created_at: now,
      })
      .execute();
    let deliveries = 0;
    if (payload !== null) {
      const destinations = await tx.db
        .selectFrom('authority_destinations')
        .select('id')
        .where('kind', '=', kind)
        .where('enabled', '=', 1)
        .orderBy('created_at')
        .execute();
      for (const d of destinations) {
        const deliveryId = newId('dlv');
        await tx.db
          .insertInto('authority_deliveries')
          .values({
            id: deliveryId,
            authority_report_id: id,
            destination_id: d.id,
            idempotency_key: `fulcrum-${deliveryId}`,
            state: 'pending',
            attempts: 0,
            next_attempt_at: now,
            lease_until: null,
            last_attempt_at: null,
            delivered_at: null,
            response_status: null,
            response_digest: null,
            last_error: null,
            remote_report_id: null,
            remote_progress: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        deliveries++;
      }
    }
    result.built.push({ kind, authorityReportId: id, buildError, deliveries });
  }
  return result;
}
