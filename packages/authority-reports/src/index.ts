export { authorityError } from './errors.js';
export type { AuthorityReportError, AuthorityReportErrorCode } from './errors.js';
export type {
  AuthorityReportInput,
  ContactPerson,
  DecisionAction,
  DecisionInput,
  FileInput,
  MessageInput,
  PlatformInfo,
  ReportCategory,
  ReportedAccountInput,
  ReportInput,
} from './inputs.js';
export { describeBody } from './content.js';
export type { DescribedContent } from './content.js';
export {
  CYBERTIPLINE_INCIDENT_TYPES,
  CYBERTIPLINE_XSD_LOCATION,
  buildCyberTiplineEvidenceFileDetails,
  buildCyberTiplineFileDetails,
  buildCyberTiplineReport,
  cybertiplineIncidentType,
} from './cybertipline.js';
export type {
  CyberTiplineEvidenceFileInput,
  CyberTiplineFileDetailsInput,
  CyberTiplineIncidentType,
} from './cybertipline.js';
export { CYBERTIPLINE_XSD } from './cybertipline-xsd.js';
export { buildDsaStatementOfReasons } from './dsa-sor.js';
export type { DsaStatementOfReasons } from './dsa-sor.js';
export {
  DSA_CATEGORIES,
  DSA_CONTENT_TYPES,
  DSA_KEYWORDS,
  DSA_STATEMENT_OF_REASONS_SCHEMA,
  DSA_TERRITORIES,
} from './dsa-sor-schema.js';
export { ART18_FORMAT, ART18_NOTIFICATION_SCHEMA, buildArt18Notification } from './art18.js';
export type { Art18Message, Art18Notification } from './art18.js';
export { escapeAttribute, escapeText, toXmlChars } from './xml.js';
