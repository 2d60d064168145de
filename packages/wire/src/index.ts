// @fulcrum/wire: HTTP/WebSocket JSON Schemas (the server validates with them), error code to HTTP status
export {};
