// @fulcrum/server: fastify HTTP + WebSocket, db (Kysely: SQLite or PostgreSQL), bus (in-process or NATS), jobs
export {};
