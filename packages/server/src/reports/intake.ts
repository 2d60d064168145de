import { isFulcrumError } from '@fulcrum/common';
import { type ServerFrankingKey, verifyReportOpening } from '@fulcrum/franking';
import { type CreateReportRequest, type ReportOpening as WireOpening, wireError } from '@fulcrum/wire';
import type { AttachmentStore } from '../blobs/attachment-store.js';
import type { Database } from '../db/database.js';
import { fieldBytes } from '../http/fields.js';
import type { WriteQueue } from '../write-queue.js';
import type { NonceRecord } from '../store/nonces.js';
import { verifyReportedAttachment } from './attachment.js';
import { parseReportedContent } from './content.js';
import { accountMembership, receivedAt } from './membership.js';
import { insertBlock } from './blocks.js';
import {
  createReportId,
  insertVerifiedReport,
  type VerifiedReport,
  type VerifiedReportFile,
  type VerifiedReportMessage,
} from './store.js';

/** What intake needs besides the request. */
export interface ReportIntakeDeps {
  readonly db: Database;
  readonly writer: WriteQueue;
  readonly attachments: AttachmentStore;
  /** The server's franking keyring (`FrankingKeys.keyring()`). */
  readonly keyring: ReadonlyMap<string, ServerFrankingKey>;
  /** How long after a message (and after its key retired) a report is accepted (ms). */
  readonly reportWindowMs: number;
  /** How long reported material is kept (ms; decision 0004 default 90 days). */
  readonly retentionMs: number;
  /** The attachment size limit (bytes of plaintext). */
  readonly attachmentMaxBytes: number;
}

export interface ReportIntakeInput {
  readonly reporterAccountId: string;
  readonly reporterDeviceId: string;
  readonly request: CreateReportRequest;
  readonly now: number;
  /** The signed request's nonce, spent in the report's write transaction. */
  readonly nonce?: NonceRecord;
}

export interface ReportIntakeResult {
  reportId: string;
  messages: number;
  files: number;
  blocked: boolean;
}

const FRANKING_TO_WIRE = {
  'franking.tag_mismatch': 'report.tag_mismatch',
  'franking.commitment_mismatch': 'report.tag_mismatch',
  'franking.unknown_key': 'report.unknown_key',
  'franking.key_expired': 'report.expired',
  'franking.bad_length': 'report.invalid',
  'franking.bad_context': 'report.invalid',
  'franking.sender_mismatch': 'report.tag_mismatch',
} as const;

/**
 * Verifies a report and stores it (docs/protocol.md §Reports). Every opening — reported and
 * context — must name the report's conversation, verify under the server's franking keyring
 * (recomputed commitment, server tag over commitment and context), come from a message some
 * device of the reporter's account was a member for, and not be a message this account reported
 * before; every reported attachment must match what its message committed to. Either everything
 * verifies and the report is stored, or nothing is. Throws typed `report.*` wire errors, whose
 * `detail.index` counts reported messages first (0..), then context messages.
 */
export async function takeReport(deps: ReportIntakeDeps, input: ReportIntakeInput): Promise<ReportIntakeResult> {
  const { request } = input;
  const conversationBytes = fieldBytes(request.conversationId, '/conversationId');
  const openings: { role: 'reported' | 'context'; wire: WireOpening }[] = [
    ...request.messages.map((wire) => ({ role: 'reported' as const, wire })),
    ...(request.context ?? []).map((wire) => ({ role: 'context' as const, wire })),
  ];

  // Structure first: one conversation, each message once, context before the last reported one.
  const seqs = new Set<number>();
  let lastReported = -1;
  for (const [index, { role, wire }] of openings.entries()) {
    if (wire.context.conversationId !== request.conversationId) {
      throw wireError('report.conversation_mismatch', 'an opening is from another conversation', { index });
    }
    if (seqs.has(wire.context.serverSeq)) throw wireError('report.invalid', 'a message appears twice', { index });
    seqs.add(wire.context.serverSeq);
    if (role === 'reported') lastReported = Math.max(lastReported, wire.context.serverSeq);
  }
  for (const [index, { role, wire }] of openings.entries()) {
    if (role === 'context' && wire.context.serverSeq > lastReported) {
      throw wireError('report.invalid', 'a context message comes after the last reported message', { index });
    }
  }

  // Each opening against the server's own key: the server never needed to read the conversation.
  const verified: (VerifiedReportMessage & { index: number })[] = [];
  for (const [index, { role, wire }] of openings.entries()) {
    const path = index < request.messages.length ? `/messages/${index}` : `/context/${index - request.messages.length}`;
    const body = fieldBytes(wire.body, `${path}/body`);
    const frankingKey = fieldBytes(wire.frankingKey, `${path}/frankingKey`);
    const tag = fieldBytes(wire.tag, `${path}/tag`);
    fieldBytes(wire.context.senderDeviceId, `${path}/context/senderDeviceId`);
    const context = { ...wire.context, conversationId: conversationBytes };
    let commitment: Uint8Array;
    try {
      ({ commitment } = verifyReportOpening(
        deps.keyring,
        { body, frankingKey, context, tag },
        { now: input.now, reportWindowMs: deps.reportWindowMs },
      ));
    } catch (err) {
      const code = isFulcrumError(err) ? FRANKING_TO_WIRE[err.code as keyof typeof FRANKING_TO_WIRE] : undefined;
      if (code === undefined) throw err;
      throw wireError(code, 'the opening does not verify', { index });
    }
    verified.push({
      index,
      role,
      senderAccountId: '',
      senderDeviceId: wire.context.senderDeviceId,
      serverSeq: wire.context.serverSeq,
      epoch: wire.context.epoch,
      serverTime: wire.context.serverTime,
      keyId: wire.context.keyId,
      body,
      frankingKey,
      commitment,
      tag,
    });
  }

  // Who sent each message (a verified tag names a device the server relayed for), and whether
  // the reporter could have received it.
  const reader = deps.db.kysely;
  const senderDevices = [...new Set(verified.map((m) => m.senderDeviceId))];
  const accounts = new Map(
    (
      await reader
        .selectFrom('devices')
        .select(['device_id', 'account_id'])
        .where('device_id', 'in', senderDevices)
        .execute()
    ).map((r) => [r.device_id, r.account_id]),
  );
  const membership = await accountMembership(reader, request.conversationId, input.reporterAccountId);
  for (const m of verified) {
    const account = accounts.get(m.senderDeviceId);
    if (account === undefined) throw wireError('report.invalid', 'the sender device is unknown', { index: m.index });
    m.senderAccountId = account;
    if (!receivedAt(membership, m.serverSeq)) {
      throw wireError('report.not_received', 'the reporter was not in the conversation for this message', {
        index: m.index,
      });
    }
  }

  // Reported attachments, checked against the committed values only.
  const files: (Omit<VerifiedReportFile, 'position'> & { serverSeq: number })[] = [];
  for (const m of verified) {
    const content = parseReportedContent(m.body, m.index);
    if (m.role !== 'reported' || !('attachment' in content)) continue;
    const file = await verifyReportedAttachment(
      deps.attachments,
      (content as { attachment: Parameters<typeof verifyReportedAttachment>[1] }).attachment,
      m.index,
      deps.attachmentMaxBytes,
    );
    files.push({ ...file, serverSeq: m.serverSeq });
  }

  const messages = [...verified].sort((a, b) => a.serverSeq - b.serverSeq);
  const position = new Map(messages.map((m, i) => [m.serverSeq, i]));
  const firstReported = messages.find((m) => m.role === 'reported') as VerifiedReportMessage;
  const report: VerifiedReport = {
    id: createReportId(),
    reporterAccountId: input.reporterAccountId,
    reporterDeviceId: input.reporterDeviceId,
    reportedAccountId: firstReported.senderAccountId,
    conversationId: request.conversationId,
    category: request.category,
    note: request.note ?? null,
    createdAt: input.now,
    retainUntil: input.now + deps.retentionMs,
    messages: messages.map(({ index: _index, ...m }) => m),
    files: files.map(({ serverSeq, ...f }) => ({ ...f, position: position.get(serverSeq) as number })),
  };
  const block = request.blockSender === true && report.reportedAccountId !== input.reporterAccountId;
  // `blocked` is false when the reporter already blocks BLOCK_LIMITS.perAccount accounts: the
  // report is still taken (it matters more than the block), the answer says no block was added.
  const blocked = await deps.writer.submit(
    async (tx) => {
      await insertVerifiedReport(tx, report);
      if (!block) return false;
      const result = await insertBlock(tx, {
        blockerAccountId: input.reporterAccountId,
        blockedAccountId: report.reportedAccountId,
        now: input.now,
      });
      return result !== undefined;
    },
    input.nonce === undefined ? {} : { nonce: input.nonce },
  );
  return { reportId: report.id, messages: messages.length, files: files.length, blocked };
}
