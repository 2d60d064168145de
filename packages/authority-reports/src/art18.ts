/**
 * DSA Article 18 notification of a suspected criminal offence.
 *
 * Art. 18(1): a hosting provider that becomes aware of information giving rise to a suspicion that
 * a criminal offence involving a threat to the life or safety of a person or persons has taken
 * place, is taking place or is likely to take place shall promptly inform the law enforcement or
 * judicial authorities of the Member State(s) concerned "and provide all relevant information
 * available". Art. 18(2): where the Member State cannot be identified with reasonable certainty,
 * the authorities of the Member State of its main establishment or legal representative, or
 * Europol, or both.
 *
 * No official format exists. This is Fulcrum's own documented JSON structure
 * (`ART18_NOTIFICATION_SCHEMA`, format id `fulcrum.dsa-art18-notification/1`): who notifies and how
 * to reach them, the suspected offence, the information giving rise to the suspicion (the verified
 * messages), the persons concerned as far as the platform knows them, and references to the
 * evidence (files with their hashes) that the authority can request or that accompany it.
 */
import { encodeHex } from '@fulcrum/common';
import { describeBody, isoTime } from './content.js';
import { authorityError, requireText } from './errors.js';
import type { AuthorityReportInput, ReportCategory } from './inputs.js';

export const ART18_FORMAT = 'fulcrum.dsa-art18-notification/1';

/** Categories that can involve a threat to the life or safety of persons (Art. 18(1)). */
const ART18_CATEGORIES: readonly ReportCategory[] = ['child_sexual_exploitation', 'grooming', 'terrorism', 'threats'];

export interface Art18Message {
  position: number;
  role: 'reported' | 'context';
  serverSeq: number;
  serverTime: string;
  senderAccountId: string;
  senderDeviceId: string;
  content:
    | { kind: 'text'; text: string }
    | { kind: 'file'; name: string; mediaType: string }
    | { kind: 'other'; type: string }
    | { kind: 'deleted' };
}

export interface Art18Notification {
  format: typeof ART18_FORMAT;
  notificationId: string;
  createdAt: string;
  legalBasis: 'Regulation (EU) 2022/2065, Article 18';
  provider: {
    name: string;
    service: string;
    address?: string;
    mainEstablishment?: string;
    contactPoint: { name: string; email: string; phone?: string };
  };
  /** Member States whose authorities are notified; empty when unknown (Art. 18(2) applies). */
  memberStatesConcerned: string[];
  suspectedOffence: {
    category: ReportCategory;
    description: string;
    threatToLifeOrSafety: true;
    assessment: string;
    decisionId: string;
    decidedAt: string;
  };
  informationGivingRiseToSuspicion: {
    reportId: string;
    reportedAt: string;
    source: 'user_report';
    conversationId: string;
    reporterNote: string | null;
    messages: Art18Message[];
    verification: string;
  };
  personsConcerned: Array<{
    role: 'suspected_offender' | 'reporter';
    accountId: string;
    screenName?: string;
    displayName?: string;
  }>;
  evidence: Array<{
    kind: 'file';
    reference: string;
    name: string;
    mediaType: string;
    size: number;
    sha256: string;
    md5: string;
    pdq?: string;
  }>;
}

const DESCRIPTION: Record<string, string> = {
  child_sexual_exploitation: 'Suspected child sexual abuse or exploitation (sharing of child sexual abuse material).',
  grooming: 'Suspected solicitation of a child for sexual purposes (grooming).',
  terrorism: 'Suspected terrorist offence or incitement to one.',
  threats: 'Suspected threat to the life or physical safety of a person.',
};

/**
 * Build the notification. `notificationId` must be stable for the report (it is what the
 * authority sees twice if a delivery is retried); `createdAt` is when it was built.
 */
export function buildArt18Notification(
  input: AuthorityReportInput,
  options: { readonly notificationId: string; readonly createdAt: number; readonly memberStates?: readonly string[] },
): Art18Notification {
  const { report, decision, platform, reportedAccount } = input;
  if (!ART18_CATEGORIES.includes(report.category)) {
    throw authorityError(
      'authority.unsupported_category',
      `a ${report.category} report does not concern a threat to life or safety (Art. 18)`,
      { category: report.category },
    );
  }
  const contact = platform.contactPerson ?? platform.reportingPerson;
  const messages: Art18Message[] = [...input.messages]
    .sort((a, b) => a.position - b.position)
    .map((m) => {
      const c = describeBody(m.body);
      return {
        position: m.position,
        role: m.role,
        serverSeq: m.serverSeq,
        serverTime: isoTime(m.serverTime),
        senderAccountId: m.senderAccountId,
        senderDeviceId: m.senderDeviceId,
        content:
          c.kind === 'attachment'
            ? { kind: 'file', name: c.name, mediaType: c.mediaType }
            : c.kind === 'text'
              ? { kind: 'text', text: c.text }
              : c.kind === 'other'
                ? { kind: 'other', type: c.type }
                : { kind: 'deleted' },
      };
    });
  if (!messages.some((m) => m.role === 'reported')) {
    throw authorityError('authority.missing_field', 'the report has no reported message', { field: 'messages' });
  }
  return {
    format: ART18_FORMAT,
    notificationId: requireText(options.notificationId, 'notificationId'),
    createdAt: isoTime(options.createdAt),
    legalBasis: 'Regulation (EU) 2022/2065, Article 18',
    provider: {
      name: requireText(platform.name, 'platform.name'),
      service: requireText(platform.service, 'platform.service'),
      ...(platform.address === undefined ? {} : { address: platform.address }),
      ...(platform.establishment === undefined ? {} : { mainEstablishment: platform.establishment }),
      contactPoint: {
        name: `${requireText(contact.firstName, 'platform.contact.firstName')} ${requireText(contact.lastName, 'platform.contact.lastName')}`,
        email: requireText(contact.email, 'platform.contact.email'),
        ...(contact.phone === undefined ? {} : { phone: contact.phone }),
      },
    },
    memberStatesConcerned: [...(options.memberStates ?? [])],
    suspectedOffence: {
      category: report.category,
      description: DESCRIPTION[report.category] ?? report.category,
      threatToLifeOrSafety: true,
      assessment: requireText(decision.reason, 'decision.reason'),
      decisionId: decision.id,
      decidedAt: isoTime(decision.decidedAt),
    },
    informationGivingRiseToSuspicion: {
      reportId: report.id,
      reportedAt: isoTime(report.createdAt),
      source: 'user_report',
      conversationId: report.conversationId,
      reporterNote: report.note,
      messages,
      verification:
        'Each message was revealed by a participant who received it and verified by the platform against ' +
        "the sender's franking commitment (HMAC-SHA256 under a per-message key) and the server's tag over " +
        'conversation, epoch, sender device, sequence number and time.',
    },
    personsConcerned: [
      {
        role: 'suspected_offender',
        accountId: requireText(reportedAccount.accountId, 'reportedAccount.accountId'),
        ...(reportedAccount.screenName === undefined ? {} : { screenName: reportedAccount.screenName }),
        ...(reportedAccount.displayName === undefined ? {} : { displayName: reportedAccount.displayName }),
      },
      { role: 'reporter', accountId: report.reporterAccountId },
    ],
    evidence: input.files.map((f) => ({
      kind: 'file' as const,
      reference: `${report.id}/file/${f.position}`,
      name: f.name,
      mediaType: f.mediaType,
      size: f.size,
      sha256: encodeHex(f.plaintextSha256),
      md5: encodeHex(f.md5),
      ...(f.pdq === null ? {} : { pdq: f.pdq }),
    })),
  };
}

const ISO_TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z$';
const str = { type: 'string', minLength: 1 } as const;

/** JSON Schema (draft-07) of the notification. Written by Fulcrum: there is no official format. */
export const ART18_NOTIFICATION_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://fulcrum.invalid/schemas/dsa-art18-notification-1.json',
  title: 'DSA Art. 18 notification of a suspected criminal offence (Fulcrum format, not official)',
  type: 'object',
  additionalProperties: false,
  required: [
    'format',
    'notificationId',
    'createdAt',
    'legalBasis',
    'provider',
    'memberStatesConcerned',
    'suspectedOffence',
    'informationGivingRiseToSuspicion',
    'personsConcerned',
    'evidence',
  ],
  properties: {
    format: { const: ART18_FORMAT },
    notificationId: str,
    createdAt: { type: 'string', pattern: ISO_TIME },
    legalBasis: { const: 'Regulation (EU) 2022/2065, Article 18' },
    provider: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'service', 'contactPoint'],
      properties: {
        name: str,
        service: str,
        address: str,
        mainEstablishment: { type: 'string', pattern: '^[A-Z]{2}$' },
        contactPoint: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'email'],
          properties: { name: str, email: { type: 'string', pattern: '^[^\\s@]+@[^\\s@]+$' }, phone: str },
        },
      },
    },
    memberStatesConcerned: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^[A-Z]{2}$' } },
    suspectedOffence: {
      type: 'object',
      additionalProperties: false,
      required: ['category', 'description', 'threatToLifeOrSafety', 'assessment', 'decisionId', 'decidedAt'],
      properties: {
        category: { enum: ART18_CATEGORIES },
        description: str,
        threatToLifeOrSafety: { const: true },
        assessment: str,
        decisionId: str,
        decidedAt: { type: 'string', pattern: ISO_TIME },
      },
    },
    informationGivingRiseToSuspicion: {
      type: 'object',
      additionalProperties: false,
      required: ['reportId', 'reportedAt', 'source', 'conversationId', 'reporterNote', 'messages', 'verification'],
      properties: {
        reportId: str,
        reportedAt: { type: 'string', pattern: ISO_TIME },
        source: { const: 'user_report' },
        conversationId: str,
        reporterNote: { type: ['string', 'null'], maxLength: 2000 },
        verification: str,
        messages: {
          type: 'array',
          minItems: 1,
          contains: { type: 'object', properties: { role: { const: 'reported' } }, required: ['role'] },
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['position', 'role', 'serverSeq', 'serverTime', 'senderAccountId', 'senderDeviceId', 'content'],
            properties: {
              position: { type: 'integer', minimum: 0 },
              role: { enum: ['reported', 'context'] },
              serverSeq: { type: 'integer', minimum: 0 },
              serverTime: { type: 'string', pattern: ISO_TIME },
              senderAccountId: str,
              senderDeviceId: str,
              content: {
                oneOf: [
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['kind', 'text'],
                    properties: { kind: { const: 'text' }, text: { type: 'string' } },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['kind', 'name', 'mediaType'],
                    properties: { kind: { const: 'file' }, name: str, mediaType: str },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['kind', 'type'],
                    properties: { kind: { const: 'other' }, type: str },
                  },
                  {
                    type: 'object',
                    additionalProperties: false,
                    required: ['kind'],
                    properties: { kind: { const: 'deleted' } },
                  },
                ],
              },
            },
          },
        },
      },
    },
    personsConcerned: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['role', 'accountId'],
        properties: {
          role: { enum: ['suspected_offender', 'reporter'] },
          accountId: str,
          screenName: str,
          displayName: str,
        },
      },
    },
    evidence: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'reference', 'name', 'mediaType', 'size', 'sha256', 'md5'],
        properties: {
          kind: { const: 'file' },
          reference: str,
          name: str,
          mediaType: str,
          size: { type: 'integer', minimum: 0 },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          md5: { type: 'string', pattern: '^[0-9a-f]{32}$' },
          pdq: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        },
      },
    },
  },
} as const;
