// @fulcrum/e2ee: Fulcrum's MLS (RFC 9420) layer over ts-mls 1.6.4, plus identities and attachments.
// No ts-mls type appears in this public API (see README.md).
export { e2eeError } from './errors.js';
export type { E2eeError, E2eeErrorCode } from './errors.js';
export { parseAccountId, parseDeviceId, parseLeafIndex } from './ids.js';
export type { AccountId, DeviceId, LeafIndex } from './ids.js';
export { createAccountIdentity, createDeviceKeys, decodeAccountIdentity, encodeAccountIdentity } from './identity.js';
export type { AccountIdentity, DeviceKeys } from './identity.js';
export {
  decodeDeviceCertificate,
  encodeDeviceCertificate,
  MAX_DEVICE_CERTIFICATE_BYTES,
  signDeviceCertificate,
  verifyDeviceCertificate,
} from './device-certificate.js';
export type {
  DeviceCertificate,
  DeviceCertificateExpectation,
  DevicePublicKeys,
  VerifiedDeviceCertificate,
} from './device-certificate.js';
export type { CredentialCheckPurpose, KeyDirectory } from './key-directory.js';
export {
  defaultMlsCryptoProvider,
  describeMlsCryptoProvider,
  FULCRUM_CIPHERSUITE,
  FULCRUM_CIPHERSUITE_ID,
  fulcrumMlsCryptoProvider,
  MlsCryptoProvider,
  nobleMlsCryptoProvider,
} from './crypto-provider.js';
export type { FulcrumMlsCryptoProviderOptions, MlsCryptoProviderDescription } from './crypto-provider.js';
export {
  createDeviceState,
  DeviceState,
  decodeDeviceState,
  encodeDeviceState,
  forgetKeyPackages,
} from './device-state.js';
export { decodeGroupState, encodeGroupState, GroupState, MAX_GROUP_STATE_BYTES } from './group-state.js';
export type { GroupMember } from './group-state.js';
export { GROUP_NAME_EXTENSION_TYPE, LAST_RESORT_EXTENSION_TYPE, MAX_GROUP_NAME_BYTES } from './group-name.js';
export {
  createMlsClient,
  MAX_APPLICATION_PLAINTEXT_BYTES,
  MAX_AUTHENTICATED_DATA_BYTES,
  MAX_INCOMING_MLS_BYTES,
  MAX_KEY_PACKAGES_PER_CALL,
} from './create-mls-client.js';
export type {
  CommitResult,
  DeviceRef,
  EncryptResult,
  JoinResult,
  KeyPackageInfo,
  KeyPackagesResult,
  MlsClient,
  MlsClientOptions,
  ProcessResult,
  ProposalResult,
  ProposalSummary,
  PublishedKeyPackage,
  WipesConsumed,
} from './mls-client.js';
export {
  DEFAULT_MAX_MLS_MESSAGE_BYTES,
  keyPackageRefOf,
  MAX_GROUP_ID_BYTES,
  parseMlsMessageMeta,
} from './message-meta.js';
export type { MlsContentType, MlsMessageMeta, MlsSenderType } from './message-meta.js';
export {
  ATTACHMENT_KEY_BYTES,
  ATTACHMENT_OVERHEAD_BYTES,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  decryptAttachment,
  encryptAttachment,
} from './attachment.js';
export type { AttachmentExpectation, EncryptedAttachment } from './attachment.js';
