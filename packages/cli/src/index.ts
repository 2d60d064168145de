// @fulcrum/cli: `fulcrum`: serve, demo, and the client, operator and auditor commands
export {};
