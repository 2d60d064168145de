// @fulcrum/client: the SDK core, behind ports (store, transport, clock, randomness).
export { clientError } from './errors.js';
export type { ClientError, ClientErrorCode } from './errors.js';
export { TABLES } from './ports/store.js';
export type { ClientStore, StoreDelete, StoreEntry, StoreListOptions, StorePut, StoreWrite } from './ports/store.js';
export type {
  HttpRequest,
  HttpResponse,
  RequestOptions,
  SocketConnection,
  SocketListener,
  Transport,
} from './ports/transport.js';
export { MemoryClientStore } from './memory-store.js';
export { readHttpResponse, readLimited } from './read-limited.js';
export type { StreamedResponse } from './read-limited.js';
export { decodeCanonicalJson, encodeCanonicalJson } from './canonical-json.js';
export type { CanonicalValue } from './canonical-json.js';
export {
  checkMessageContent,
  decodeMessageContent,
  encodeMessageContent,
  MAX_CONTENT_BYTES,
  MAX_MEDIA_TYPE_CHARS,
  MAX_NAME_CHARS,
  MAX_TEXT_BYTES,
} from './message-content.js';
export type { AttachmentContent, LeaveContent, MessageContent, RenameContent, TextContent } from './message-content.js';
export {
  checkForward,
  FORWARD_HARD_CAP,
  FORWARDED_MANY_TIMES,
  forwardTargetLimit,
  MAX_FORWARD_TARGETS,
} from './forward-policy.js';
export { Emitter } from './events.js';
export type { Listener } from './events.js';
export { errorFromResponse, ServerApi } from './server-api.js';
export type { CallOptions, JsonRouteName, RequestSigner, ResponseOf } from './server-api.js';
export { FulcrumClient } from './client.js';
export { buildReportRequest, wireOpening } from './report.js';
export type { ReportInput, ReportReceipt, StoredOpening } from './report.js';
export type {
  AccountInfo,
  AttachmentInput,
  BlockedAccountInfo,
  BlockReceipt,
  ClientEvents,
  ConnectionEvent,
  ConversationInfo,
  DeliveryEvent,
  DeviceInfo,
  ErrorEvent,
  FrankingFailureEvent,
  FrankingOpening,
  FulcrumClientOptions,
  MemberInfo,
  MembershipChange,
  MembershipEvent,
  MessageEvent,
  MessageRecord,
  ModerationNoticeEvent,
  ReceiveEvent,
  SelfInfo,
  SendReceipt,
  SyncResult,
  UnblockReceipt,
} from './client-types.js';
export type { MessageDirection, MessageStatus } from './records.js';
export { isRetryableKeyTransparency, KeyDirectoryCache } from './directory.js';
export type { DirectoryAccount, DirectoryDevice } from './directory.js';
export { DEFAULT_MAX_CHECKPOINT_AGE_MS, KeyTransparency } from './key-transparency.js';
export type { KeyTransparencyOptions, KeyTransparencyReport } from './key-transparency.js';
