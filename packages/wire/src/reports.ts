import { type Static, Type } from '@sinclair/typebox';
import { base64UrlBytes, base64UrlExact } from './base64url.js';
import { DeviceId, Epoch, GroupId, Seq, TimeMs } from './ids.js';
import { base64UrlLength } from './limits.js';

/** Sizes of a report (docs/protocol.md §Reports). */
export const REPORT_LIMITS = {
  /** Reported messages per report. */
  reportedMax: 10,
  /** Earlier messages the reporter may reveal as context, per report. */
  contextMax: 50,
  /** The reporter's note (characters). */
  noteMaxChars: 2000,
  /** One revealed content (the client's `MAX_CONTENT_BYTES`). */
  bodyMaxBytes: 64 * 1024,
  /** A server franking key id. */
  keyIdMaxChars: 64,
} as const;

/** `POST /v1/reports` body limit: every opening at its largest, plus the note and framing. */
export const REPORT_BODY_LIMIT =
  (REPORT_LIMITS.reportedMax + REPORT_LIMITS.contextMax) * (base64UrlLength(REPORT_LIMITS.bodyMaxBytes) + 1024) +
  4 * REPORT_LIMITS.noteMaxChars +
  4096;

const strict = { additionalProperties: false } as const;

/** The categories of a report, most urgent first (decision 0004). */
export const ReportCategory = Type.Union(
  [
    Type.Literal('child_sexual_exploitation'),
    Type.Literal('grooming'),
    Type.Literal('terrorism'),
    Type.Literal('threats'),
    Type.Literal('harassment'),
    Type.Literal('spam'),
    Type.Literal('other'),
  ],
  { $id: 'ReportCategory' },
);
export type ReportCategory = Static<typeof ReportCategory>;

/** The context the server authenticated when it relayed the message (its franking stamp). */
export const ReportOpeningContext = Type.Object(
  {
    conversationId: GroupId,
    epoch: Epoch,
    senderDeviceId: DeviceId,
    serverSeq: Seq,
    serverTime: TimeMs,
    keyId: Type.String({ minLength: 1, maxLength: REPORT_LIMITS.keyIdMaxChars, pattern: '^[A-Za-z0-9_-]+$' }),
  },
  strict,
);
export type ReportOpeningContext = Static<typeof ReportOpeningContext>;

/**
 * What a recipient reveals about one received message: the content bytes (canonical message
 * content), the sender's franking key, the server's context and tag (franking `ReportOpening`).
 */
export const ReportOpening = Type.Object(
  {
    body: base64UrlBytes(1, REPORT_LIMITS.bodyMaxBytes, 'canonical message content bytes'),
    frankingKey: base64UrlExact(32, 'franking key'),
    context: ReportOpeningContext,
    tag: base64UrlExact(32, 'server franking tag'),
  },
  strict,
);
export type ReportOpening = Static<typeof ReportOpening>;

/**
 * `POST /v1/reports`: the reported messages and, optionally, earlier messages of the same
 * conversation the reporter chooses to reveal as context; `blockSender` blocks the account that
 * sent the first reported message.
 */
export const CreateReportRequest = Type.Object(
  {
    conversationId: GroupId,
    category: ReportCategory,
    note: Type.Optional(Type.String({ minLength: 1, maxLength: REPORT_LIMITS.noteMaxChars })),
    messages: Type.Array(ReportOpening, { minItems: 1, maxItems: REPORT_LIMITS.reportedMax }),
    context: Type.Optional(Type.Array(ReportOpening, { maxItems: REPORT_LIMITS.contextMax })),
    blockSender: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type CreateReportRequest = Static<typeof CreateReportRequest>;

/** The stored report: its id, how many messages and files were verified, whether a block was recorded. */
export const CreateReportResponse = Type.Object(
  {
    reportId: Type.String({ pattern: '^rpt_[A-Za-z0-9_-]{22}$' }),
    messages: Type.Integer({ minimum: 1 }),
    files: Type.Integer({ minimum: 0 }),
    blocked: Type.Boolean(),
  },
  strict,
);
export type CreateReportResponse = Static<typeof CreateReportResponse>;
