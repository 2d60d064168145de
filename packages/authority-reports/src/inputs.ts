/**
 * The typed records every builder takes. They mirror the report tables of decision 0004
 * (`reports`, `report_messages`, `report_files`) plus the moderation decision and the operator's
 * platform settings; the server maps its rows onto them (packages/server/src/authority/).
 * Times are ms since the epoch; hashes are raw bytes.
 */

export type ReportCategory =
  | 'child_sexual_exploitation'
  | 'grooming'
  | 'terrorism'
  | 'threats'
  | 'harassment'
  | 'spam'
  | 'other';

export interface ReportInput {
  /** `rpt_…`: also the idempotency anchor of everything built from it. */
  readonly id: string;
  readonly category: ReportCategory;
  /** The reporter's note (≤ 2000 characters) or null. */
  readonly note: string | null;
  readonly createdAt: number;
  readonly conversationId: string;
  readonly reporterAccountId: string;
  readonly reportedAccountId: string;
}

export interface MessageInput {
  readonly position: number;
  readonly role: 'reported' | 'context';
  readonly senderAccountId: string;
  readonly senderDeviceId: string;
  readonly serverSeq: number;
  readonly epoch: number;
  /** When the server accepted (and franked) the message. */
  readonly serverTime: number;
  /** The revealed content bytes (canonical JSON, client message-content v1), null once deleted. */
  readonly body: Uint8Array | null;
}

export interface FileInput {
  /** The position of the message that carries the file. */
  readonly position: number;
  readonly attachmentId: string;
  readonly mediaType: string;
  readonly name: string;
  readonly size: number;
  readonly plaintextSha256: Uint8Array;
  readonly blobSha256: Uint8Array;
  readonly md5: Uint8Array;
  /** 64 hex characters, images only. */
  readonly pdq: string | null;
}

export type DecisionAction = 'dismiss' | 'warn' | 'restrict' | 'suspend' | 'ban' | 'escalate';

export interface DecisionInput {
  /** The moderation decision's id (stable: it names the statement of reasons, DSA `puid`). */
  readonly id: string;
  readonly action: DecisionAction;
  /** The reason given to the affected user (Art. 17(3)(d)/(e) explanation). */
  readonly reason: string;
  readonly decidedAt: number;
  /** When the restriction ends (suspensions), or null for indefinite / not applicable. */
  readonly restrictionEndsAt: number | null;
  /**
   * What the decision rests on: the law (illegal content, Art. 17(3)(d)) or the platform's terms
   * (Art. 17(3)(e)).
   */
  readonly ground:
    | { readonly kind: 'illegal_content'; readonly legalGround: string; readonly explanation: string }
    | {
        readonly kind: 'incompatible_content';
        readonly termsGround: string;
        readonly explanation: string;
        /** Whether the content is also considered illegal (DSA `incompatible_content_illegal`). */
        readonly alsoIllegal: boolean;
      };
  /** Whether automated means detected the content (reports are user notices: normally false). */
  readonly automatedDetection: boolean;
  readonly automatedDecision: 'fully' | 'partially' | 'not_automated';
  /** ISO 3166-1 alpha-2 codes of the EEA states where the decision applies; empty = all. */
  readonly territorialScope: readonly string[];
  /** Whether a child-safety specialist viewed the files (CyberTipline `fileViewedByEsp`). */
  readonly filesViewedByStaff: boolean;
}

export interface ContactPerson {
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string;
  readonly phone?: string;
}

export interface PlatformInfo {
  /** The provider's legal name. */
  readonly name: string;
  /** The product the reported user used (CyberTipline `espService`, `chatClient`). */
  readonly service: string;
  /** Who files the report (CyberTipline `reportingPerson`, Art. 18 contact point). */
  readonly reportingPerson: ContactPerson;
  /** Who authorities should contact, when not the reporting person. */
  readonly contactPerson?: ContactPerson;
  /** Where legal process is served, data retention, emergency numbers (CyberTipline `companyTemplate`). */
  readonly companyTemplate?: string;
  /** Public page on law-enforcement requests (CyberTipline `legalURL`). */
  readonly legalUrl?: string;
  /** Public terms of service (DSA `decision_ground_reference_url` for terms-based decisions). */
  readonly termsUrl?: string;
  /** Postal address of the provider (Art. 18 notification). */
  readonly address?: string;
  /** Member state of the provider's main establishment (Art. 18: where to notify by default). */
  readonly establishment?: string;
}

/** What the reported account is known as on the platform. Fulcrum keeps no IP addresses. */
export interface ReportedAccountInput {
  readonly accountId: string;
  readonly screenName?: string;
  readonly displayName?: string;
}

export interface AuthorityReportInput {
  readonly report: ReportInput;
  readonly messages: readonly MessageInput[];
  readonly files: readonly FileInput[];
  readonly decision: DecisionInput;
  readonly platform: PlatformInfo;
  readonly reportedAccount: ReportedAccountInput;
}
