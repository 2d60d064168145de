// @fulcrum/tlog: RFC 9162 Merkle hashing and proofs, C2SP signed notes, checkpoints, tiles,
// proofs, policies, witness logic, typed log entries and key-transparency labels. Pure (std).

export { isTlogError, tlogError } from './errors.js';
export type { TlogError, TlogErrorCode } from './errors.js';

export {
  MAX_TREE_SIZE,
  leafIndex,
  parseLeafIndex,
  parseTreeSize,
  treeSize,
} from './sizes.js';
export type { LeafIndex, TreeSize } from './sizes.js';

export {
  EMPTY_ROOT,
  HASH_SIZE,
  assertHash,
  foldSubtrees,
  hashChildren,
  hashLeaf,
  rootFromLeafHashes,
  type Sha256,
} from './merkle-hash.js';
export { readRangeHashes, subtreesOfRange } from './hash-reader.js';
export type { EntryRange, HashReader, SubtreeId } from './hash-reader.js';
export {
  createInclusionProof,
  inclusionProofLength,
  inclusionProofRanges,
  rootFromInclusionProof,
  verifyInclusion,
} from './inclusion-proof.js';
export type { InclusionProofInput, VerifiedInclusion } from './inclusion-proof.js';
export {
  consistencyProofLength,
  consistencyProofRanges,
  createConsistencyProof,
  verifyConsistency,
} from './consistency-proof.js';
export type { ConsistencyProofInput, VerifiedConsistency } from './consistency-proof.js';
export { treeRoot } from './tree-head.js';
export { MemoryMerkleTree } from './memory-merkle-tree.js';

export {
  MAX_KEY_NAME_LENGTH,
  SIGNATURE_TYPE,
  computeKeyId,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  formatEd25519PrivateKey,
  formatKeyId,
  formatVerifierKey,
  generateEd25519NoteKey,
  isValidKeyName,
  parseEd25519PrivateKey,
} from './note-keys.js';
export type { NoteSigner, NoteVerifier } from './note-keys.js';
export { MAX_VKEY_LENGTH, parseVerifierKey } from './verifier-key.js';
export {
  DEFAULT_NOTE_LIMITS,
  appendSignatureLines,
  formatNote,
  formatSignatureLine,
  parseNote,
  signNote,
  verifyNote,
} from './signed-note.js';
export type { Note, NoteLimits, NoteSignature, VerifiedNote } from './signed-note.js';

export {
  MAX_CHECKPOINT_TEXT_BYTES,
  cosignatureTimestamp,
  formatCheckpointText,
  parseCheckpointText,
  signCheckpoint,
  verifyCheckpoint,
} from './checkpoint.js';
export type { Checkpoint, VerifiedCheckpoint, VerifiedCosignature, VerifyCheckpointOptions } from './checkpoint.js';
export {
  ML_DSA_44_PUBLIC_KEY_SIZE,
  ML_DSA_44_SIGNATURE_SIZE,
  cosignatureV1Message,
  createCosignatureV1Signer,
  createCosignatureV1Verifier,
  createMlDsa44CosignatureSigner,
  createMlDsa44CosignatureVerifier,
  subtreeCosignedMessage,
  verifySubtreeCosignature,
} from './cosignature.js';
export type { CosignedSubtree } from './cosignature.js';

export {
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  bundleCount,
  edgeTiles,
  formatBundlePath,
  formatTileIndex,
  formatTilePath,
  hashesAtTileLevel,
  parseTilePath,
  tileCounts,
  tileWidth,
} from './tile-path.js';
export type { BundleId, TileId, TileLevelCount, TilePath } from './tile-path.js';
export { MAX_BUNDLE_SIZE, MAX_ENTRY_SIZE, decodeEntryBundle, encodeEntryBundle } from './entry-bundle.js';
export { TileBuilder, edgeSubtreeHashes, integrateEntries, tileHashes } from './tile-builder.js';
export type { BundleData, IntegrationResult, TileData, TileSource } from './tile-builder.js';
export { createTileHashReader } from './tile-hash-reader.js';
export type { TileHashReader, TileHashReaderOptions } from './tile-hash-reader.js';
export { auditTiledLog, verifyTiledLog } from './tiled-log.js';
export type {
  AuditResult,
  AuditTiledLogOptions,
  TiledLogVerdict,
  TrustedLogState,
  VerifyTiledLogOptions,
} from './tiled-log.js';
export { MemoryTileStore } from './memory-tile-store.js';
export { TLOG_PROOF_HEADER, createTlogProof, formatTlogProof, parseTlogProof, verifyTlogProof } from './tlog-proof.js';
export type { TlogProof, VerifiedTlogProof } from './tlog-proof.js';
export {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  describeQuorum,
  evaluateQuorum,
  parseTlogPolicy,
  verifyCheckpointWithPolicy,
} from './tlog-policy.js';
export type {
  CosignatureFreshness,
  IgnoredCosignature,
  PolicyGroup,
  PolicyLimits,
  PolicyLog,
  PolicyVerifiedCheckpoint,
  PolicyWitness,
  QuorumEvaluation,
  QuorumRequirement,
  TlogPolicy,
} from './tlog-policy.js';
export {
  MAX_ADD_CHECKPOINT_BODY,
  formatAddCheckpointBody,
  parseAddCheckpointBody,
  witnessAddCheckpoint,
  witnessCheckpointPath,
} from './witness.js';
export type { AddCheckpointContext, AddCheckpointRequest, AddCheckpointResult, WitnessRecord } from './witness.js';
export { assertNoSplitView, verifyCheckpointExtends } from './checkpoint-consistency.js';
export type { KnownCheckpoint } from './checkpoint-consistency.js';
export { FieldReader, FieldWriter } from './entry-fields.js';
export { ENTRY_FORMAT_V1, EntryRegistry, decodeLogEntry, defineEntryKind, encodeLogEntry } from './log-entry.js';
export type { DecodedLogEntry, EntryKind, LogEntryEnvelope } from './log-entry.js';
export {
  ACCOUNT_KEY_ENTRY,
  DEVICE_KEY_ENTRY,
  DEVICE_REVOKED_ENTRY,
  LABEL_KEY_ENTRY,
  LABEL_SIZE,
  REVOCATION_REASON,
  accountHistory,
  keyTransparencyRegistry,
  unknownDevices,
} from './kt-entries.js';
export type {
  AccountHistory,
  AccountKeyEntry,
  DeviceKeyEntry,
  DeviceRevokedEntry,
  LabelKeyEntry,
  LoggedDevice,
} from './kt-entries.js';
export { verifyEntryReceipt, verifyServedAccountKey, verifyServedDeviceKey } from './entry-receipt.js';
export type { VerifiedEntryReceipt } from './entry-receipt.js';
export {
  VOPRF_ELEMENT_SIZE,
  VOPRF_MAX_INPUT,
  VOPRF_OUTPUT_SIZE,
  VOPRF_PROOF_SIZE,
  VOPRF_SCALAR_SIZE,
  VOPRF_SUITE,
  voprfBlind,
  voprfBlindEvaluate,
  voprfDeriveKeyPair,
  voprfEvaluate,
  voprfFinalize,
  voprfGenerateKeyPair,
} from './voprf.js';
export type { VoprfFinalizeItem, VoprfKeyPair } from './voprf.js';
export {
  ACCOUNT_LABEL_DOMAIN,
  MAX_ACCOUNT_NAME_BYTES,
  accountLabelInput,
  blindAccountName,
  computeAccountLabel,
  deriveLabelKeyPair,
  evaluateBlindedAccountName,
  finalizeAccountLabel,
  generateLabelKeyPair,
} from './kt-label.js';
export {
  MODERATION_ACTIONS,
  MODERATION_EVENT_ENTRY,
  MODERATION_ROLES,
  moderationRegistry,
} from './moderation-entries.js';
export type { ModerationAction, ModerationEventEntry, ModerationRole } from './moderation-entries.js';
export { EVIDENCE_BUNDLE_ENTRY, EVIDENCE_COMMITMENT_SIZE, evidenceRegistry } from './evidence-entries.js';
export type { EvidenceBundleEntry } from './evidence-entries.js';
