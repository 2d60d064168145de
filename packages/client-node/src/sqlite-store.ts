/**
 * An on-disk ClientStore: one SQLite database `<dataDir>/device.db` (better-sqlite3), WAL journal
 * with `synchronous = FULL`, so a batch is durable when `write` resolves and a crash (or kill -9)
 * at any point leaves either all of a batch or none of it. One table holds every client table:
 * `kv(tbl, key, value)`, primary key `(tbl, key)`, BINARY collation (byte order of UTF-8, which
 * agrees with the core's string order for the ASCII keys it uses).
 *
 * The directory is created with mode 0700 and the database file 0600: it holds the device's
 * private keys and MLS secrets in clear (see README "What is stored where").
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientStore, StoreEntry, StoreListOptions, StoreWrite } from '@fulcrum/client';
import Database from 'better-sqlite3';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { clientNodeError } from './errors.js';

export interface SqliteClientStoreOptions {
  /** Skip the one-process lock (only for tests that open the same file read-only after a crash). */
  readonly unsafeNoLock?: boolean;
}

export class SqliteClientStore implements ClientStore {
  private readonly db: Database.Database;
  private readonly lock: DataDirLock | undefined;
  private readonly getStmt: Database.Statement<[string, string], { value: Buffer }>;
  private readonly putStmt: Database.Statement<[string, string, Uint8Array]>;
  private readonly delStmt: Database.Statement<[string, string]>;
  private readonly applyBatch: (ops: readonly StoreWrite[]) => void;
  private closed = false;

  /** Opens (creating if needed) the store in `dataDir`. Throws `client-node.data_dir_locked` / `client-node.store_unavailable`. */
  constructor(
    readonly dataDir: string,
    options: SqliteClientStoreOptions = {},
  ) {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw clientNodeError('client-node.store_unavailable', 'cannot create the data directory', {
        cause,
        detail: { path: dataDir },
      });
    }
    this.lock = options.unsafeNoLock === true ? undefined : lockDataDir(dataDir);
    const file = join(dataDir, 'device.db');
    try {
      this.db = new Database(file);
      chmodSync(file, 0o600);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS kv (tbl TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, ' +
          'PRIMARY KEY (tbl, key)) WITHOUT ROWID',
      );
    } catch (cause) {
      this.lock?.release();
      throw clientNodeError('client-node.store_unavailable', 'cannot open the device database', {
        cause,
        detail: { path: file },
      });
    }
    this.getStmt = this.db.prepare('SELECT value FROM kv WHERE tbl = ? AND key = ?');
    this.putStmt = this.db.prepare('INSERT OR REPLACE INTO kv (tbl, key, value) VALUES (?, ?, ?)');
    this.delStmt = this.db.prepare('DELETE FROM kv WHERE tbl = ? AND key = ?');
    this.applyBatch = this.db.transaction((ops: readonly StoreWrite[]) => {
      for (const op of ops) {
        if (op.op === 'put') this.putStmt.run(op.table, op.key, op.value);
        else this.delStmt.run(op.table, op.key);
      }
    });
  }

  async get(table: string, key: string): Promise<Uint8Array | undefined> {
    this.check();
    const row = this.getStmt.get(table, key);
    return row === undefined ? undefined : new Uint8Array(row.value);
  }

  async list(table: string, options: StoreListOptions = {}): Promise<StoreEntry[]> {
    this.check();
    const where = ['tbl = ?'];
    const args: (string | number)[] = [table];
    if (options.prefix !== undefined && options.prefix !== '') {
      // An exact, index-friendly prefix test: substr compares bytes of the UTF-8 text (BINARY).
      where.push('substr(key, 1, length(?)) = ?');
      args.push(options.prefix, options.prefix);
    }
    if (options.after !== undefined) {
      where.push(options.reverse ? 'key < ?' : 'key > ?');
      args.push(options.after);
    }
    let sql = `SELECT key, value FROM kv WHERE ${where.join(' AND ')} ORDER BY key ${options.reverse ? 'DESC' : 'ASC'}`;
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(options.limit);
    }
    const rows = this.db.prepare(sql).all(...args) as { key: string; value: Buffer }[];
    return rows.map((r) => ({ key: r.key, value: new Uint8Array(r.value) }));
  }

  async write(ops: readonly StoreWrite[]): Promise<void> {
    this.check();
    if (ops.length === 0) return;
    try {
      this.applyBatch(ops);
    } catch (cause) {
      throw clientNodeError('client-node.store_unavailable', 'cannot write to the device database', { cause });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.lock?.release();
  }

  private check(): void {
    if (this.closed) throw clientNodeError('client-node.store_unavailable', 'the store is closed');
  }
}
