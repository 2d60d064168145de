/**
 * `GET /v1/mod/cases/:reportId/authority`: the reports to authorities a case produced, for the
 * moderation console (docs/protocol.md §Moderation). Metadata only: never the payload (it may carry
 * reported content and is read on the store by the operator), never a destination's credentials.
 */
import { type Static, Type } from '@sinclair/typebox';
import { TimeMs } from './ids.js';
import { AuthorityKind, DecisionIdText } from './moderation.js';

const strict = { additionalProperties: false } as const;

export const CaseAuthorityDelivery = Type.Object(
  {
    /** The destination's transport (`file`, `https`, `cybertipline_api`); its target is not shown. */
    transport: Type.String({ maxLength: 64 }),
    state: Type.Union([
      Type.Literal('pending'),
      Type.Literal('sending'),
      Type.Literal('delivered'),
      Type.Literal('failed'),
      Type.Literal('cancelled'),
      Type.Literal('retracted'),
    ]),
    attempts: Type.Integer({ minimum: 0 }),
    lastAttemptAt: Type.Optional(TimeMs),
    deliveredAt: Type.Optional(TimeMs),
    /** HTTP status of the last answer (0 for a file drop). */
    responseStatus: Type.Optional(Type.Integer({ minimum: 0, maximum: 999 })),
    /** The last error's code (never a message). */
    lastError: Type.Optional(Type.String({ maxLength: 128 })),
  },
  strict,
);
export type CaseAuthorityDelivery = Static<typeof CaseAuthorityDelivery>;

export const CaseAuthorityReport = Type.Object(
  {
    kind: AuthorityKind,
    decisionId: DecisionIdText,
    createdAt: TimeMs,
    mediaType: Type.String({ maxLength: 255 }),
    /** SHA-256 (hex) of the payload as built (kept after the payload is deleted at retention). */
    payloadSha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    payloadDeleted: Type.Boolean(),
    /** The builder's error code when the payload could not be built. */
    buildError: Type.Optional(Type.String({ maxLength: 128 })),
    deliveries: Type.Array(CaseAuthorityDelivery, { maxItems: 100 }),
  },
  strict,
);
export type CaseAuthorityReport = Static<typeof CaseAuthorityReport>;

export const CaseAuthorityResponse = Type.Object(
  { reports: Type.Array(CaseAuthorityReport, { maxItems: 100 }) },
  strict,
);
export type CaseAuthorityResponse = Static<typeof CaseAuthorityResponse>;
