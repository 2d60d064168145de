import { type Static, Type } from '@sinclair/typebox';
import { AccountId, TimeMs } from './ids.js';

const strict = { additionalProperties: false } as const;

/** The staff roles (decision 0004 §Moderation). */
export const StaffRole = Type.Union([Type.Literal('moderator'), Type.Literal('child_safety'), Type.Literal('admin')]);
export type StaffRole = Static<typeof StaffRole>;

/** The report categories; `child_sexual_exploitation` and `grooming` are visible to `child_safety` staff only. */
export const ReportCategory = Type.Union([
  Type.Literal('child_sexual_exploitation'),
  Type.Literal('grooming'),
  Type.Literal('terrorism'),
  Type.Literal('threats'),
  Type.Literal('harassment'),
  Type.Literal('spam'),
  Type.Literal('other'),
]);
export type ReportCategory = Static<typeof ReportCategory>;

/** Where a case stands. */
export const CaseStatus = Type.Union([
  Type.Literal('open'),
  Type.Literal('claimed'),
  Type.Literal('decided'),
  Type.Literal('awaiting_approval'),
  Type.Literal('closed'),
  Type.Literal('appealed'),
]);

/** A decision. `ban` and `escalate` need a second staff member's approval before they take effect. */
export const DecisionAction = Type.Union([
  Type.Literal('dismiss'),
  Type.Literal('warn'),
  Type.Literal('restrict'),
  Type.Literal('suspend'),
  Type.Literal('ban'),
  Type.Literal('escalate'),
]);
export type DecisionAction = Static<typeof DecisionAction>;

/** The authority reports an escalation asks for (decision 0004 §Authority reports). */
export const AuthorityKind = Type.Union([Type.Literal('cybertipline'), Type.Literal('dsa_sor'), Type.Literal('art18')]);
export type AuthorityKind = Static<typeof AuthorityKind>;

export const ReportIdText = Type.String({ pattern: '^rpt_[A-Za-z0-9_-]{22}$', description: 'report (case) id' });
export const DecisionIdText = Type.String({ pattern: '^dec_[A-Za-z0-9_-]{22}$', description: 'decision id' });
export const AppealIdText = Type.String({ pattern: '^apl_[A-Za-z0-9_-]{22}$', description: 'appeal id' });
export const NoticeIdText = Type.String({ pattern: '^ntc_[A-Za-z0-9_-]{22}$', description: 'notice id' });

/** A reason or statement: 1..2000 characters, not only white space. */
export const Reason = Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' });

export const ReportIdParams = Type.Object({ reportId: ReportIdText }, strict);
export type ReportIdParams = Static<typeof ReportIdParams>;
export const DecisionIdParams = Type.Object({ decisionId: DecisionIdText }, strict);
export type DecisionIdParams = Static<typeof DecisionIdParams>;
export const AppealIdParams = Type.Object({ appealId: AppealIdText }, strict);
export type AppealIdParams = Static<typeof AppealIdParams>;

/** `POST /v1/mod/staff`, `POST /v1/mod/staff/revoke` (admin). */
export const StaffRoleRequest = Type.Object({ accountId: AccountId, role: StaffRole }, strict);
export type StaffRoleRequest = Static<typeof StaffRoleRequest>;
export const StaffRolesResponse = Type.Object(
  { accountId: AccountId, roles: Type.Array(StaffRole, { maxItems: 3 }) },
  strict,
);
export type StaffRolesResponse = Static<typeof StaffRolesResponse>;

/** `GET /v1/mod/me`: the calling account's staff roles (empty for everyone else; never refused). */
export const StaffMeResponse = Type.Object(
  { accountId: AccountId, roles: Type.Array(StaffRole, { maxItems: 3 }) },
  strict,
);
export type StaffMeResponse = Static<typeof StaffMeResponse>;

/** A claim on a case: who holds it until when. */
export const CaseLease = Type.Object({ holder: AccountId, expiresAt: TimeMs }, strict);
export type CaseLease = Static<typeof CaseLease>;

/** One queue entry: metadata only. */
export const QueueCase = Type.Object(
  {
    reportId: ReportIdText,
    category: ReportCategory,
    priority: Type.Integer({ minimum: 0, maximum: 9 }),
    status: CaseStatus,
    createdAt: TimeMs,
    lease: Type.Optional(CaseLease),
    /** A four-eyes decision waiting for a second staff member (`POST /v1/mod/decisions/:id/approve`). */
    pending: Type.Optional(Type.Object({ decisionId: DecisionIdText, action: DecisionAction }, strict)),
  },
  strict,
);
export type QueueCase = Static<typeof QueueCase>;

/** `GET /v1/mod/queue?category=&limit=`: the cases the caller's roles may see, most urgent, then oldest, first. */
export const ModQueueQuery = Type.Object(
  { category: Type.Optional(ReportCategory), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  strict,
);
export type ModQueueQuery = Static<typeof ModQueueQuery>;
export const ModQueueResponse = Type.Object({ cases: Type.Array(QueueCase, { maxItems: 200 }) }, strict);
export type ModQueueResponse = Static<typeof ModQueueResponse>;

/** A decision as staff see it. */
export const DecisionRecord = Type.Object(
  {
    decisionId: DecisionIdText,
    reportId: ReportIdText,
    action: DecisionAction,
    reason: Reason,
    status: Type.Union([
      Type.Literal('awaiting_approval'),
      Type.Literal('effective'),
      Type.Literal('rejected'),
      Type.Literal('overturned'),
    ]),
    decidedBy: AccountId,
    decidedAt: TimeMs,
    authorityKinds: Type.Optional(Type.Array(AuthorityKind, { maxItems: 3 })),
    durationMs: Type.Optional(TimeMs),
    approvedBy: Type.Optional(AccountId),
    approvedAt: Type.Optional(TimeMs),
  },
  strict,
);
export type DecisionRecord = Static<typeof DecisionRecord>;

/** An appeal as staff (and the appellant) see it. */
export const AppealRecord = Type.Object(
  {
    appealId: AppealIdText,
    decisionId: DecisionIdText,
    statement: Reason,
    filedAt: TimeMs,
    status: Type.Union([Type.Literal('open'), Type.Literal('upheld'), Type.Literal('overturned')]),
    decidedAt: Type.Optional(TimeMs),
    outcomeReason: Type.Optional(Reason),
  },
  strict,
);
export type AppealRecord = Static<typeof AppealRecord>;

/**
 * `GET /v1/mod/cases/:reportId`: the verified metadata of a case, never its content. Every
 * message listed passed franking verification at intake (`verified: "franking"`).
 */
export const CaseView = Type.Object(
  {
    reportId: ReportIdText,
    category: ReportCategory,
    priority: Type.Integer({ minimum: 0, maximum: 9 }),
    status: CaseStatus,
    createdAt: TimeMs,
    reportedAccountId: AccountId,
    reporterAccountId: AccountId,
    conversationId: Type.String({ maxLength: 512 }),
    contentDeleted: Type.Boolean(),
    lease: Type.Optional(CaseLease),
    messages: Type.Array(
      Type.Object(
        {
          position: Type.Integer({ minimum: 0 }),
          role: Type.Union([Type.Literal('reported'), Type.Literal('context')]),
          senderAccountId: AccountId,
          serverSeq: Type.Integer({ minimum: 0 }),
          epoch: Type.Integer({ minimum: 0 }),
          serverTime: TimeMs,
          keyId: Type.String({ maxLength: 128 }),
          verified: Type.Literal('franking'),
          bodyBytes: Type.Optional(Type.Integer({ minimum: 0 })),
        },
        strict,
      ),
      { maxItems: 1000 },
    ),
    files: Type.Array(
      Type.Object(
        {
          position: Type.Integer({ minimum: 0 }),
          mediaType: Type.String({ maxLength: 255 }),
          size: Type.Integer({ minimum: 0 }),
        },
        strict,
      ),
      { maxItems: 1000 },
    ),
    decisions: Type.Array(DecisionRecord, { maxItems: 1000 }),
    appeals: Type.Array(AppealRecord, { maxItems: 1000 }),
  },
  strict,
);
export type CaseView = Static<typeof CaseView>;

/** `POST /v1/mod/cases/:reportId/reveal`: the reported content (audited; `contentDeleted` once retention removed it). */
export const RevealResponse = Type.Object(
  {
    reportId: ReportIdText,
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    contentDeleted: Type.Boolean(),
    messages: Type.Array(
      Type.Object(
        { position: Type.Integer({ minimum: 0 }), body: Type.Optional(Type.String({ contentEncoding: 'base64url' })) },
        strict,
      ),
      { maxItems: 1000 },
    ),
    files: Type.Array(
      Type.Object(
        {
          position: Type.Integer({ minimum: 0 }),
          mediaType: Type.String({ maxLength: 255 }),
          name: Type.String({ maxLength: 1024 }),
          size: Type.Integer({ minimum: 0 }),
          content: Type.Optional(Type.String({ contentEncoding: 'base64url' })),
        },
        strict,
      ),
      { maxItems: 1000 },
    ),
  },
  strict,
);
export type RevealResponse = Static<typeof RevealResponse>;

/** `POST /v1/mod/cases/:reportId/claim` / `release` take an empty object. */
export const EmptyRequest = Type.Object({}, strict);
export type EmptyRequest = Static<typeof EmptyRequest>;
export const ClaimResponse = Type.Object({ reportId: ReportIdText, lease: CaseLease }, strict);
export type ClaimResponse = Static<typeof ClaimResponse>;
export const ReleaseResponse = Type.Object({ reportId: ReportIdText, released: Type.Boolean() }, strict);
export type ReleaseResponse = Static<typeof ReleaseResponse>;

/** `POST /v1/mod/cases/:reportId/assign` (admin): hands the case's lease to a staff member. */
export const AssignRequest = Type.Object({ accountId: AccountId }, strict);
export type AssignRequest = Static<typeof AssignRequest>;

/**
 * `POST /v1/mod/cases/:reportId/decisions`: the caller must hold the case's lease. `kinds` is
 * required for (and only for) `escalate`; `durationMs` only for `restrict` and `suspend`.
 */
export const DecideRequest = Type.Object(
  {
    action: DecisionAction,
    reason: Reason,
    kinds: Type.Optional(Type.Array(AuthorityKind, { minItems: 1, maxItems: 3, uniqueItems: true })),
    durationMs: Type.Optional(Type.Integer({ minimum: 60_000, maximum: 10 * 365 * 24 * 3600_000 })),
  },
  strict,
);
export type DecideRequest = Static<typeof DecideRequest>;

/** `POST /v1/mod/decisions/:decisionId/approve`: a second staff member approves (or rejects) a four-eyes decision. */
export const ApproveRequest = Type.Object({ approve: Type.Boolean(), reason: Reason }, strict);
export type ApproveRequest = Static<typeof ApproveRequest>;

/** `GET /v1/mod/appeals`: open appeals on cases the caller may see. */
export const ModAppealsResponse = Type.Object(
  {
    appeals: Type.Array(
      Type.Object(
        {
          appeal: AppealRecord,
          decision: DecisionRecord,
          category: ReportCategory,
        },
        strict,
      ),
      { maxItems: 200 },
    ),
  },
  strict,
);
export type ModAppealsResponse = Static<typeof ModAppealsResponse>;

/** `POST /v1/mod/appeals/:appealId/decide`: by someone who neither took nor approved the decision. */
export const DecideAppealRequest = Type.Object(
  { outcome: Type.Union([Type.Literal('uphold'), Type.Literal('overturn')]), reason: Reason },
  strict,
);
export type DecideAppealRequest = Static<typeof DecideAppealRequest>;

/** `POST /v1/appeals`: the affected account appeals a decision it was notified of. */
export const FileAppealRequest = Type.Object({ decisionId: DecisionIdText, statement: Reason }, strict);
export type FileAppealRequest = Static<typeof FileAppealRequest>;

/** What the affected account is told (also the body of the `moderation_notice` queue event). */
export const ModerationNotice = Type.Object(
  {
    noticeId: NoticeIdText,
    decisionId: DecisionIdText,
    appealId: Type.Optional(AppealIdText),
    action: Type.Union([DecisionAction, Type.Literal('appeal.uphold'), Type.Literal('appeal.overturn')]),
    reason: Reason,
    at: TimeMs,
    durationMs: Type.Optional(TimeMs),
  },
  strict,
);
export type ModerationNotice = Static<typeof ModerationNotice>;

/** `GET /v1/moderation/notices`: the caller's account's notices, newest first. */
export const NoticesResponse = Type.Object({ notices: Type.Array(ModerationNotice, { maxItems: 500 }) }, strict);
export type NoticesResponse = Static<typeof NoticesResponse>;
