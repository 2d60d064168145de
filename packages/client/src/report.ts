/**
 * Reporting (docs/protocol.md §Reports): the reporter's client reveals, for each reported message
 * and each context message it chooses to add, the opening it kept when it received the message
 * (content bytes, franking key, the server's context and tag). The server verifies them against
 * its own key; nothing here is trusted by it.
 */
import { encodeBase64Url } from '@fulcrum/common';
import type { FrankingContext } from '@fulcrum/franking';
import { type CreateReportRequest, REPORT_LIMITS, type ReportCategory, type ReportOpening } from '@fulcrum/wire';
import type { MessageRecord } from './client-types.js';
import { clientError } from './errors.js';

/** What `FulcrumClient.report` takes. */
export interface ReportInput {
  /** The conversation (group id) the messages are in. */
  readonly groupId: string;
  /** The reported messages: `history()[i].key`, 1–10 of them. */
  readonly messageIds: readonly string[];
  readonly category: ReportCategory;
  /** Up to 2000 characters for the moderators. */
  readonly note?: string;
  /** How many earlier messages (before the first reported one) to reveal as context: 0–50, default 0. */
  readonly contextCount?: number;
  /** Also block the sender of the first reported message (their messages stop reaching this account). */
  readonly blockSender?: boolean;
}

/** The server's answer: the report id, how many messages and files it verified, whether it blocked. */
export interface ReportReceipt {
  readonly reportId: string;
  readonly messages: number;
  readonly files: number;
  readonly blocked: boolean;
}

/** One opening as the client keeps it (`FulcrumClient.getFrankingOpening`). */
export interface StoredOpening {
  readonly body: Uint8Array;
  readonly frankingKey: Uint8Array;
  readonly context: FrankingContext;
  readonly tag: Uint8Array;
}

/** An opening on the wire: the context's conversation is the group id (base64url). */
export function wireOpening(groupId: string, o: StoredOpening): ReportOpening {
  return {
    body: encodeBase64Url(o.body),
    frankingKey: encodeBase64Url(o.frankingKey),
    context: {
      conversationId: groupId,
      epoch: Number(o.context.epoch),
      senderDeviceId: o.context.senderDeviceId,
      serverSeq: o.context.serverSeq,
      serverTime: o.context.serverTime,
      keyId: o.context.keyId,
    },
    tag: encodeBase64Url(o.tag),
  };
}

/** Checks the input's sizes before anything is read (`client.not_allowed`). */
export function checkReportInput(input: ReportInput): void {
  const n = input.messageIds.length;
  if (n < 1 || n > REPORT_LIMITS.reportedMax || new Set(input.messageIds).size !== n) {
    throw clientError('client.not_allowed', `report 1-${REPORT_LIMITS.reportedMax} distinct messages`);
  }
  const c = input.contextCount ?? 0;
  if (!Number.isSafeInteger(c) || c < 0 || c > REPORT_LIMITS.contextMax) {
    throw clientError('client.not_allowed', `contextCount must be 0-${REPORT_LIMITS.contextMax}`);
  }
  if (input.note !== undefined && (input.note.length === 0 || input.note.length > REPORT_LIMITS.noteMaxChars)) {
    throw clientError('client.not_allowed', `the note must be 1-${REPORT_LIMITS.noteMaxChars} characters`);
  }
}

/**
 * Builds the `POST /v1/reports` body. `reported` are the openings of the reported messages;
 * `earlier` the stored messages of the conversation before the first reported one (any order);
 * the last `contextCount` of those with an opening and a server seq below the first reported
 * message's become context.
 */
export function buildReportRequest(
  input: ReportInput,
  reported: readonly StoredOpening[],
  earlier: readonly MessageRecord[],
): CreateReportRequest {
  const firstSeq = Math.min(...reported.map((o) => o.context.serverSeq));
  const count = input.contextCount ?? 0;
  const candidates = earlier
    .filter((m) => m.franking !== undefined && m.serverSeq !== undefined && m.serverSeq < firstSeq)
    .sort((a, b) => (a.serverSeq as number) - (b.serverSeq as number));
  const context = count === 0 ? [] : candidates.slice(-count);
  return {
    conversationId: input.groupId,
    category: input.category,
    ...(input.note === undefined ? {} : { note: input.note }),
    messages: reported.map((o) => wireOpening(input.groupId, o)),
    ...(context.length === 0
      ? {}
      : {
          context: context.map((m) =>
            wireOpening(input.groupId, {
              body: m.contentBytes,
              ...(m.franking as NonNullable<MessageRecord['franking']>),
            }),
          ),
        }),
    ...(input.blockSender === true ? { blockSender: true } : {}),
  };
}
