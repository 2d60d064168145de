// @fulcrum/client-node: Node edge of the SDK: on-disk device store, HTTP + WebSocket transport
export {};
