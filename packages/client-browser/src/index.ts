// @fulcrum/client-browser: the SDK's browser edge: IndexedDB store, fetch + WebSocket transport,
// the client in a Web Worker, passphrase-protected device export, canvas image helpers.
export { clientBrowserError } from './errors.js';
export type { ClientBrowserError, ClientBrowserErrorCode } from './errors.js';
export { IndexedDbClientStore } from './indexeddb-store.js';
export { BrowserTransport, parseServerOrigin } from './browser-transport.js';
export type { BrowserTransportOptions } from './browser-transport.js';
export {
  DEFAULT_SCRYPT,
  EXPORT_FORMAT,
  exportDeviceState,
  importDeviceState,
  MIN_PASSPHRASE_CHARS,
} from './device-export.js';
export type { EnumerableStore, ScryptParams } from './device-export.js';
export { decodeImageRgba, imageSize } from './image.js';
export type { ImageSize, RgbaImage } from './image.js';
export { safetyNumber } from './safety-number.js';
export { MessengerSession, SESSION_TABLES } from './messenger-session.js';
export type {
  ConnectionState,
  ContactInfo,
  ContactKeyStatus,
  ConversationSummary,
  OwnKeyReport,
  SessionEvents,
  SessionInit,
} from './messenger-session.js';
export { SESSION_METHODS } from './worker-protocol.js';
export type { SessionArgs, SessionMethod, SessionResult, WorkerToPage } from './worker-protocol.js';
export { serveSessionInWorker, toPlainError } from './worker-host.js';
export type { WorkerScope } from './worker-host.js';
export { SessionWorkerClient } from './worker-client.js';
export type { WorkerLike } from './worker-client.js';
