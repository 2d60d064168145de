export type { FrankingError, FrankingErrorCode } from './errors.js';
export {
  COMMITMENT_LENGTH,
  FRANKING_KEY_LENGTH,
  commitMessage,
  createFrankingKey,
  verifyCommitment,
} from './commitment.js';
export type { CommitInput } from './commitment.js';
export {
  SERVER_KEY_LENGTH,
  TAG_LENGTH,
  createServerFrankingKey,
  createServerTag,
  verifyServerTag,
} from './server-tag.js';
export type { FrankingContext, HmacSha256, ServerFrankingKey, TagVerificationPolicy } from './server-tag.js';
export { verifyReceivedMessage, verifyReportOpening } from './report.js';
export type { ReportOpening, VerifiedReportedMessage } from './report.js';
export {
  FRANKED_ENVELOPE_VERSION,
  FRANKING_AAD_LENGTH,
  FRANKING_AAD_VERSION,
  decodeFrankedEnvelope,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  parseFrankingAad,
} from './wire-format.js';
export type { FrankedEnvelope } from './wire-format.js';
