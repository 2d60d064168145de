import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Database,
  pgConnectionConfig,
  type RunningServer,
  type ServerConfig,
  type StorageConfig,
  startServer,
} from '@fulcrum/server';
import pg from 'pg';

/** The PostgreSQL the tests use unless `FULCRUM_TEST_POSTGRES` says otherwise (trust auth). */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://127.0.0.1:5432/test';

export interface TestPlatformOptions {
  dialect: 'sqlite' | 'postgres';
  /** Default: `FULCRUM_TEST_POSTGRES` or `postgres://127.0.0.1:5432/test`. */
  postgresUrl?: string;
  /** Any other server settings (attachment limit, group commit, clock, bus...). */
  server?: Omit<ServerConfig, 'storage' | 'host' | 'port'>;
}

/** A real server on 127.0.0.1 with storage of its own; `close()` removes that storage. */
export interface TestPlatform {
  readonly dialect: 'sqlite' | 'postgres';
  /** `http://127.0.0.1:<port>` (stays the same across `restart()`). */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/v1/ws`. */
  readonly wsUrl: string;
  /** The running server (writer stats, cleanup). Replaced by `restart()`. */
  readonly server: RunningServer;
  /** The storage layer, for tests that inspect stored rows (`db.kysely.selectFrom(...)`). */
  readonly db: Database;
  /** The storage the server runs on (a temp SQLite dir, or a fresh PostgreSQL schema). */
  readonly storage: StorageConfig;
  /** Stops the server and starts a new one on the same storage and port (an offline/restart test). */
  restart(): Promise<void>;
  /** Stops the server and deletes its storage (temp dir, or `drop schema … cascade`). Idempotent. */
  close(): Promise<void>;
}

/**
 * Boots the real server on `127.0.0.1:0` with a temporary SQLite directory or a fresh
 * PostgreSQL schema (`fulcrum_t_<random>`), so test files never share state. Logs are silent
 * unless `FULCRUM_TEST_LOG` names a pino level.
 */
export async function startTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> {
  let storage: StorageConfig;
  let dropStorage: () => Promise<void>;
  if (options.dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'fulcrum-test-'));
    storage = { dialect: 'sqlite', dataDir: dir };
    dropStorage = () => rm(dir, { recursive: true, force: true });
  } else {
    const url = options.postgresUrl ?? process.env.FULCRUM_TEST_POSTGRES ?? DEFAULT_TEST_POSTGRES_URL;
    const schema = `fulcrum_t_${randomBytes(6).toString('hex')}`;
    storage = { dialect: 'postgres', url, schema, poolSize: 5 };
    dropStorage = async () => {
      const client = new pg.Client(pgConnectionConfig(url));
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    };
  }
  const level = process.env.FULCRUM_TEST_LOG;
  const config = (port: number): ServerConfig => ({
    log: { level: (level as never) ?? 'silent' },
    ...options.server,
    storage,
    host: '127.0.0.1',
    port,
  });
  let server: RunningServer;
  try {
    server = await startServer(config(0));
  } catch (err) {
    await dropStorage();
    throw err;
  }
  const port = server.port;
  let closed: Promise<void> | undefined;
  const platform: TestPlatform = {
    dialect: options.dialect,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    storage,
    get server() {
      return server;
    },
    get db() {
      return server.db;
    },
    async restart() {
      await server.close();
      server = await startServer(config(port));
    },
    close() {
      closed ??= (async () => {
        try {
          await server.close();
        } finally {
          await dropStorage();
        }
      })();
      return closed;
    },
  };
  return platform;
}
