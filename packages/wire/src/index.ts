// @fulcrum/wire: the HTTP/WebSocket contract between client and server (docs/protocol.md).
export {
  AccountIdParams,
  AccountNameParams,
  AccountRecord,
  AddDeviceRequest,
  AddDeviceResponse,
  CreateAccountRequest,
  CreateAccountResponse,
  DeviceCertificate,
  DeviceIdParams,
  DeviceRecord,
  DeviceRevocation,
  RevokeDeviceRequest,
  RevokeDeviceResponse,
} from './accounts.js';
export { AttachmentIdParams, UploadAttachmentResponse } from './attachments.js';
export { CaseAuthorityDelivery, CaseAuthorityReport, CaseAuthorityResponse } from './case-authority.js';
export { base64UrlBytes, base64UrlExact } from './base64url.js';
export {
  ERROR_STATUS,
  ErrorBody,
  errorBody,
  errorStatus,
  isWireErrorCode,
  WIRE_ERROR_CODES,
  wireError,
} from './errors.js';
export type { WireError, WireErrorCode } from './errors.js';
export { DeviceRevokedEvent, MODERATION_NOTICE_GROUP_ID, ModerationNoticeEvent, QueueEvent } from './events.js';
export {
  AppealIdParams,
  AppealRecord,
  ApproveRequest,
  AssignRequest,
  AuthorityKind,
  CaseLease,
  CaseView,
  ClaimResponse,
  DecideAppealRequest,
  DecideRequest,
  DecisionAction,
  DecisionIdParams,
  DecisionRecord,
  EmptyRequest,
  FileAppealRequest,
  ModAppealsResponse,
  ModerationNotice,
  ModQueueQuery,
  ModQueueResponse,
  NoticesResponse,
  QueueCase,
  ReleaseResponse,
  ReportCategory as ModReportCategory,
  ReportIdParams,
  RevealResponse,
  StaffMeResponse,
  StaffRole,
  StaffRoleRequest,
  StaffRolesResponse,
} from './moderation.js';
export {
  CommitRequest,
  CommitResponse,
  CreateGroupRequest,
  CreateGroupResponse,
  GroupIdParams,
  GroupRecord,
  SendMessageRequest,
  SendMessageResponse,
} from './groups.js';
export { HealthResponse } from './health.js';
export {
  AccountId,
  AccountName,
  AttachmentId,
  ClientMessageId,
  DeviceId,
  Epoch,
  GroupId,
  PublicKey,
  Seq,
  Signature,
  TimeMs,
} from './ids.js';
export {
  ClaimedKeyPackage,
  ClaimKeyPackagesRequest,
  ClaimKeyPackagesResponse,
  KeyPackageCountResponse,
  KeyPackageData,
  UploadKeyPackagesRequest,
  UploadKeyPackagesResponse,
} from './keypackages.js';
export { BODY_LIMITS, base64UrlLength, LIMITS, WS_CLOSE } from './limits.js';
export {
  AckRequest,
  AckResponse,
  FrankingStamp,
  QueueItem,
  QueueItemKind,
  QueueQuery,
  QueueResponse,
} from './queue.js';
export {
  BLOCK_LIMITS,
  BlockedAccount,
  BlockRequest,
  BlockResponse,
  BlocksResponse,
  UnblockResponse,
} from './blocks.js';
export { buildPath, OCTET_STREAM, routes, WS_PATH } from './routes.js';
export {
  CreateReportRequest,
  CreateReportResponse,
  REPORT_BODY_LIMIT,
  REPORT_LIMITS,
  ReportCategory,
  ReportOpening,
  ReportOpeningContext,
} from './reports.js';
export type { RouteName, RouteSpec } from './routes.js';
export {
  AUTH_HEADERS,
  bodySha256,
  EMPTY_BODY_SHA256,
  REQUEST_SIGNING_CONTEXT,
  requestSigningInput,
  requestSigningString,
  WS_AUTH_CONTEXT,
  wsAuthSigningInput,
} from './signing.js';
export type { RequestSigningParts } from './signing.js';
export { createValidator, parseWire } from './validate.js';
export type { Validation, Validator } from './validate.js';
export {
  WS_MAX_CLIENT_FRAME_BYTES,
  WS_MAX_SEND_FRAME_BYTES,
  WsAckFrame,
  WsAuthFrame,
  WsChallengeFrame,
  WsClientFrame,
  WsErrorFrame,
  WsItemFrame,
  WsReadyFrame,
  WsRequestId,
  WsSendErrorFrame,
  WsSendFrame,
  WsSentFrame,
  WsServerFrame,
} from './ws.js';
export { deriveAccountId } from './account-id.js';
export { decodeDeviceRevocation, signDeviceRevocation, verifyDeviceRevocation } from './revocation.js';
export type { DeviceRevocation as DeviceRevocationStatement } from './revocation.js';
