/**
 * NCMEC CyberTipline Reporting API documents (https://report.cybertip.org/ispws/documentation):
 * the `<report>` body of `POST /submit` and the `<fileDetails>` body of `POST /fileinfo`.
 *
 * Element names and their order follow the published documentation's field lists and its
 * appendices (report: Appendix B, fileDetails: Appendix C); the official XSD (`GET /xsd`) needs
 * NCMEC credentials, so `CYBERTIPLINE_XSD` is a schema we wrote from those lists (see its header
 * and README). Only elements Fulcrum can fill truthfully are emitted: it keeps no IP addresses,
 * e-mail addresses or device ids of its users, so none are sent.
 */
import { encodeHex } from '@fulcrum/common';
import { describeBody, isoTime } from './content.js';
import { authorityError, checkLength, requireText } from './errors.js';
import type { AuthorityReportInput, ContactPerson, FileInput, MessageInput, ReportCategory } from './inputs.js';
import { type XmlElement, el, parent, serializeXml } from './xml.js';

/** The incident types the documentation lists (incidentSummary/incidentType). */
export const CYBERTIPLINE_INCIDENT_TYPES = [
  'Child Pornography (possession, manufacture, and distribution)',
  'Child Sex Trafficking',
  'Child Sex Tourism',
  'Child Sexual Molestation',
  'Misleading Domain Name',
  'Misleading Words or Digital Images on the Internet',
  'Online Enticement of Children for Sexual Acts',
  'Unsolicited Obscene Material Sent to a Child',
] as const;
export type CyberTiplineIncidentType = (typeof CYBERTIPLINE_INCIDENT_TYPES)[number];

/** Fulcrum's report categories that are CyberTipline incidents, and which incident type. */
const INCIDENT_TYPE: Partial<Record<ReportCategory, CyberTiplineIncidentType>> = {
  child_sexual_exploitation: 'Child Pornography (possession, manufacture, and distribution)',
  grooming: 'Online Enticement of Children for Sexual Acts',
};

export function cybertiplineIncidentType(category: ReportCategory): CyberTiplineIncidentType {
  const t = INCIDENT_TYPE[category];
  if (t === undefined) {
    throw authorityError('authority.unsupported_category', `a ${category} report is not a CyberTipline incident`, {
      category,
    });
  }
  return t;
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
/** Where NCMEC serves its schema; documents name it as the documentation's examples do. */
export const CYBERTIPLINE_XSD_LOCATION = 'https://report.cybertip.org/ispws/xsd';
const ROOT_ATTRIBUTES: ReadonlyArray<readonly [string, string]> = [
  ['xmlns:xsi', XSI],
  ['xsi:noNamespaceSchemaLocation', CYBERTIPLINE_XSD_LOCATION],
];

/** Limits from the documentation's field lists (characters). */
const MAX = { name: 255, email: 255, url: 2083, espIdentifier: 255, fileName: 2056, text: 100_000 } as const;

function person(tag: string, p: ContactPerson, field: string): XmlElement {
  return parent(tag, [
    el('firstName', checkLength(requireText(p.firstName, `${field}.firstName`), MAX.name, `${field}.firstName`)),
    el('lastName', checkLength(requireText(p.lastName, `${field}.lastName`), MAX.name, `${field}.lastName`)),
    p.phone === undefined ? undefined : el('phone', checkLength(p.phone, 64, `${field}.phone`)),
    el('email', checkEmail(requireText(p.email, `${field}.email`), `${field}.email`)),
  ]);
}

function checkEmail(s: string, field: string): string {
  checkLength(s, MAX.email, field);
  if (!/^[^\s@]+@[^\s@]+$/.test(s))
    throw authorityError('authority.bad_value', `${field} is not an address`, { field });
  return s;
}

function checkUrl(s: string, field: string): string {
  checkLength(s, MAX.url, field);
  if (!/^https?:\/\/\S+$/.test(s))
    throw authorityError('authority.bad_value', `${field} is not an http(s) URL`, { field });
  return s;
}

function messageLine(m: MessageInput, files: readonly FileInput[]): string {
  const c = describeBody(m.body);
  const who = `${m.role === 'reported' ? 'REPORTED' : 'context'} #${m.position} seq ${m.serverSeq} at ${isoTime(m.serverTime)} from account ${m.senderAccountId} device ${m.senderDeviceId}`;
  switch (c.kind) {
    case 'text':
      return `${who}: ${c.text}`;
    case 'attachment': {
      const f = files.find((x) => x.position === m.position);
      return `${who}: [file "${c.name}" ${c.mediaType}${f === undefined ? '' : `, uploaded as a file of this report (attachment ${f.attachmentId})`}]`;
    }
    case 'deleted':
      return `${who}: [content deleted under the retention policy]`;
    default:
      return `${who}: [non-text message of type ${c.type}]`;
  }
}

/** The first reported message: the incident's time. */
function firstReported(input: AuthorityReportInput): MessageInput {
  const m = input.messages.find((x) => x.role === 'reported');
  if (m === undefined)
    throw authorityError('authority.missing_field', 'the report has no reported message', { field: 'messages' });
  return m;
}

/**
 * The `<report>` document for `POST /submit`. Throws `authority.unsupported_category` for
 * categories that are not CyberTipline incidents and `authority.missing_field` /
 * `authority.bad_value` when the platform settings lack what the API requires
 * (reportingPerson with an e-mail address; incident type and time).
 */
export function buildCyberTiplineReport(input: AuthorityReportInput): string {
  const { report, platform, decision, reportedAccount } = input;
  const incidentType = cybertiplineIncidentType(report.category);
  const first = firstReported(input);
  const ordered = [...input.messages].sort((a, b) => a.position - b.position);
  const transcript = ordered.map((m) => messageLine(m, input.files)).join('\n');

  const incidentSummary = parent('incidentSummary', [
    el('incidentType', incidentType),
    el('incidentDateTime', isoTime(first.serverTime)),
    el(
      'incidentDateTimeDescription',
      'Time the platform server accepted the first reported message (server clock, UTC).',
    ),
  ]);

  const internetDetails = parent('internetDetails', [
    parent('chatImIncident', [
      el('chatClient', checkLength(requireText(platform.service, 'platform.service'), MAX.name, 'platform.service')),
      el('chatRoomName', `conversation ${report.conversationId}`),
      el('content', checkLength(transcript, MAX.text, 'messages')),
      el(
        'additionalInfo',
        'End-to-end encrypted conversation. The messages above were revealed by a participant who ' +
          'received them; each was verified against the sender\u2019s franking commitment and the ' +
          'server\u2019s tag, so the sender and content are authenticated.',
      ),
    ]),
  ]);

  const reporter = parent('reporter', [
    person('reportingPerson', platform.reportingPerson, 'platform.reportingPerson'),
    platform.contactPerson === undefined
      ? undefined
      : person('contactPerson', platform.contactPerson, 'platform.contactPerson'),
    platform.companyTemplate === undefined ? undefined : el('companyTemplate', platform.companyTemplate),
    platform.termsUrl === undefined
      ? undefined
      : el('termsOfService', checkUrl(platform.termsUrl, 'platform.termsUrl')),
    platform.legalUrl === undefined ? undefined : el('legalURL', checkUrl(platform.legalUrl, 'platform.legalUrl')),
  ]);

  const accountId = requireText(reportedAccount.accountId, 'reportedAccount.accountId');
  const personOrUserReported = parent('personOrUserReported', [
    el('espIdentifier', checkLength(accountId, MAX.espIdentifier, 'reportedAccount.accountId')),
    el('espService', platform.service),
    reportedAccount.screenName === undefined
      ? undefined
      : el('screenName', checkLength(reportedAccount.screenName, MAX.name, 'reportedAccount.screenName')),
    reportedAccount.displayName === undefined
      ? undefined
      : el('displayName', checkLength(reportedAccount.displayName, MAX.name, 'reportedAccount.displayName')),
    el(
      'additionalInfo',
      `Sender of the reported message(s): account ${first.senderAccountId}, device ${first.senderDeviceId}.`,
    ),
  ]);

  const info = [
    `Platform report ${report.id}, category ${report.category}, received ${isoTime(report.createdAt)}.`,
    `Moderation decision ${decision.id} (${decision.action}) at ${isoTime(decision.decidedAt)}: ${decision.reason}`,
    report.note === null ? undefined : `Reporter's note: ${report.note}`,
    `${input.files.length} attached file(s). Delivered through the API, each is uploaded with its hashes, together with a verified-messages evidence file (the messages with their franking openings).`,
  ].filter((x): x is string => x !== undefined);

  const root = parent(
    'report',
    [incidentSummary, internetDetails, reporter, personOrUserReported, el('additionalInfo', info.join('\n'))],
    ROOT_ATTRIBUTES,
  );
  return serializeXml(root);
}

export interface CyberTiplineFileDetailsInput {
  /** The report id NCMEC returned from `/submit`. */
  readonly reportId: string;
  /** The file id NCMEC returned from `/upload`. */
  readonly fileId: string;
  readonly file: FileInput;
  /** The message that carried the file (its role decides the relevance, its time the upload time). */
  readonly message: MessageInput;
  readonly viewedByStaff: boolean;
}

/**
 * The `<fileDetails>` document for `POST /fileinfo`. Hashes go into `originalFileHash` with a
 * `hashType` attribute (MD5, SHA256 of the plaintext, and PDQ for images): the documentation
 * leaves `hashType` free text for any algorithm.
 */
export function buildCyberTiplineFileDetails(d: CyberTiplineFileDetailsInput): string {
  const { file } = d;
  if (file.md5.length !== 16)
    throw authorityError('authority.bad_value', 'md5 must be 16 bytes', { field: 'file.md5' });
  if (file.plaintextSha256.length !== 32 || file.blobSha256.length !== 32) {
    throw authorityError('authority.bad_value', 'SHA-256 values must be 32 bytes', { field: 'file.sha256' });
  }
  if (file.pdq !== null && !/^[0-9a-f]{64}$/.test(file.pdq)) {
    throw authorityError('authority.bad_value', 'pdq must be 64 lowercase hex characters', { field: 'file.pdq' });
  }
  const root = parent(
    'fileDetails',
    [
      el('reportId', requireText(d.reportId, 'reportId')),
      el('fileId', requireText(d.fileId, 'fileId')),
      el('originalFileName', checkLength(requireText(file.name, 'file.name'), MAX.fileName, 'file.name')),
      el('uploadedToEspTimestamp', isoTime(d.message.serverTime)),
      el('fileViewedByEsp', d.viewedByStaff ? 'true' : 'false'),
      el('exifViewedByEsp', 'false'),
      el('publiclyAvailable', 'false'),
      el('fileRelevance', d.message.role === 'reported' ? 'Reported' : 'Supplemental Reported'),
      el('originalFileHash', encodeHex(file.md5), [['hashType', 'MD5']]),
      el('originalFileHash', encodeHex(file.plaintextSha256), [['hashType', 'SHA256']]),
      file.pdq === null ? undefined : el('originalFileHash', file.pdq, [['hashType', 'PDQ']]),
      el(
        'additionalInfo',
        `Media type ${file.mediaType}, ${file.size} bytes. Decrypted by the platform from an end-to-end ` +
          `encrypted attachment whose key, plaintext SHA-256 and ciphertext SHA-256 ` +
          `(${encodeHex(file.blobSha256)}) the sender committed to in the franked message.`,
      ),
    ],
    ROOT_ATTRIBUTES,
  );
  return serializeXml(root);
}

export interface CyberTiplineEvidenceFileInput {
  readonly reportId: string;
  readonly fileId: string;
  /** The uploaded file's name, e.g. `verified-messages.json`. */
  readonly name: string;
  readonly md5: Uint8Array;
  readonly sha256: Uint8Array;
  /** When the platform received the content (the report's time for a transcript it assembled). */
  readonly uploadedAt: number;
  readonly relevance: 'Reported' | 'Supplemental Reported';
  readonly viewedByStaff: boolean;
  /** What the file is and how to check it (goes into `additionalInfo`). */
  readonly description: string;
}

/**
 * The `<fileDetails>` of an evidence file the platform assembled itself (the verified messages
 * with their franking openings), rather than a file a user sent.
 */
export function buildCyberTiplineEvidenceFileDetails(d: CyberTiplineEvidenceFileInput): string {
  if (d.md5.length !== 16) throw authorityError('authority.bad_value', 'md5 must be 16 bytes', { field: 'md5' });
  if (d.sha256.length !== 32)
    throw authorityError('authority.bad_value', 'sha256 must be 32 bytes', { field: 'sha256' });
  const root = parent(
    'fileDetails',
    [
      el('reportId', requireText(d.reportId, 'reportId')),
      el('fileId', requireText(d.fileId, 'fileId')),
      el('originalFileName', checkLength(requireText(d.name, 'name'), MAX.fileName, 'name')),
      el('uploadedToEspTimestamp', isoTime(d.uploadedAt)),
      el('fileViewedByEsp', d.viewedByStaff ? 'true' : 'false'),
      el('exifViewedByEsp', 'false'),
      el('publiclyAvailable', 'false'),
      el('fileRelevance', d.relevance),
      el('originalFileHash', encodeHex(d.md5), [['hashType', 'MD5']]),
      el('originalFileHash', encodeHex(d.sha256), [['hashType', 'SHA256']]),
      el('additionalInfo', requireText(d.description, 'description')),
    ],
    ROOT_ATTRIBUTES,
  );
  return serializeXml(root);
}
