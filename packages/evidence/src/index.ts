// @fulcrum/evidence: signed evidence bundles (files, metadata, verification data, SHA-256 of each
// file, an Ed25519 signature by the platform's evidence key over a canonical manifest), offline
// verification, and the salted commitment the transparency log holds. Pure (std).

export { evidenceError, isEvidenceError } from './errors.js';
export type { EvidenceError, EvidenceErrorCode } from './errors.js';
export { MAX_JSON_DEPTH, decodeCanonicalJson, encodeCanonicalJson } from './canonical-json.js';
export type { JsonObject, JsonValue } from './canonical-json.js';
export {
  EVIDENCE_KEY_LENGTH,
  EVIDENCE_PUBLIC_KEY_PREFIX,
  EVIDENCE_SIGNATURE_LENGTH,
  evidenceKeyId,
  evidenceSigningKeyFromSecret,
  formatEvidencePublicKey,
  generateEvidenceSigningKey,
  parseEvidencePublicKey,
} from './keys.js';
export type { EvidenceSigningKey } from './keys.js';
export {
  DEFAULT_EVIDENCE_LIMITS,
  EVIDENCE_FORMAT,
  EVIDENCE_MAGIC,
  EVIDENCE_VERSION,
  SALT_LENGTH,
  createEvidenceBundle,
  decodeEvidenceBundle,
  encodeEvidenceBundle,
  evidenceCommitment,
  evidenceManifestDigest,
  evidenceSignatureMessage,
  isValidEvidenceFileName,
  isValidMediaType,
  verifyEvidenceBundle,
} from './bundle.js';
export type {
  EvidenceBundle,
  EvidenceBundleInput,
  EvidenceFile,
  EvidenceFileEntry,
  EvidenceLimits,
  EvidenceManifest,
  FrankingOpeningInput,
  FrankingOpeningRecord,
  VerifiedEvidenceBundle,
} from './bundle.js';
