/**
 * The server's store opened directly by an operator command (`fulcrum staff`, `fulcrum authority`,
 * `fulcrum evidence`), as `fulcrum serve` would open it: SQLite in `--data` / `--data-dir`, or
 * PostgreSQL at `--postgres URL` (optionally `--postgres-schema`).
 */
import { resolve } from 'node:path';
import { Database, InProcessBus, type StorageConfig } from '@fulcrum/server';
import { defaultServerDataDir } from './serve.js';

export interface OperatorStoreFlags {
  data?: string;
  dataDir?: string;
  postgres?: string;
  postgresSchema?: string;
}

/** The storage the flags name (a small pool: an operator command runs one thing at a time). */
export function operatorStorage(flags: OperatorStoreFlags): StorageConfig {
  if (flags.postgres !== undefined) {
    return {
      dialect: 'postgres',
      url: flags.postgres,
      poolSize: 2,
      ...(flags.postgresSchema === undefined ? {} : { schema: flags.postgresSchema }),
    };
  }
  return { dialect: 'sqlite', dataDir: resolve(flags.dataDir ?? flags.data ?? defaultServerDataDir()) };
}

/** Opens the store, runs `fn`, and closes it whatever happens. */
export async function withOperatorStore<T>(flags: OperatorStoreFlags, fn: (db: Database) => Promise<T>): Promise<T> {
  const bus = new InProcessBus();
  const db = await Database.open(operatorStorage(flags), bus);
  try {
    return await fn(db);
  } finally {
    await db.close();
    await bus.close();
  }
}
