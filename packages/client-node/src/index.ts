// @fulcrum/client-node: the SDK's Node edge: on-disk device store, HTTP + WebSocket transport.
export { clientNodeError } from './errors.js';
export type { ClientNodeError, ClientNodeErrorCode } from './errors.js';
export { SqliteClientStore } from './sqlite-store.js';
export type { SqliteClientStoreOptions } from './sqlite-store.js';
export { NodeTransport, parseServerUrl } from './node-transport.js';
export type { NodeTransportOptions } from './node-transport.js';
export { createNodeClient, mediaTypeFor, saveAttachment, sendFile } from './node-client.js';
export type { NodeClientOptions } from './node-client.js';
export * from './image/index.js';
