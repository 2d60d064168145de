import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type Compilable,
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDatabase,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Bus, BusEvent } from '../bus/bus.js';
import { migrationProvider } from './migrations/index.js';
import type { DatabaseSchema, Dialect } from './schema.js';

/** Where the data lives. */
export type StorageConfig =
  | {
      dialect: 'sqlite';
      /** Directory holding `fulcrum.sqlite` (created if absent). */
      dataDir: string;
    }
  | {
      dialect: 'postgres';
      /** e.g. `postgres://127.0.0.1:5432/test`. */
      url: string;
      /** A schema of its own (created if absent); tests use a fresh one per file. Default `public`. */
      schema?: string;
      /** Connections in the pool. Default 10. */
      poolSize?: number;
    };

export const SQLITE_FILE = 'fulcrum.sqlite';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_INT8_OID = 20;

/** Counters that let tests see what storage did (e.g. that group commit batches). */
export interface DatabaseStats {
  /** Transactions committed. */
  commits: number;
  /** Transactions rolled back. */
  rollbacks: number;
}

/**
 * Writes a transaction holds back and performs at once just before it commits, so the operations
 * of a group-commit batch share one statement (the log sequencer's rows: one counter update and
 * one multi-row insert per batch instead of two statements per entry).
 */
export interface StagedWrites {
  /** Where a savepoint begins. */
  mark(): unknown;
  /**
   * Forget what was staged since `mark` (a value `mark` returned; `undefined`: everything, the
   * part was created after the operation began). `statements` says whether the SQL run since the
   * mark was rolled back too (`'undone'`: a savepoint rolled back) or is still part of the
   * transaction (`'kept'`: a staged-only operation failed, `Tx.stagedOnly`).
   */
  rollbackTo(mark: unknown, statements: 'undone' | 'kept'): void;
  /** Writes what is staged, inside the transaction. */
  flush(tx: Tx): Promise<void>;
}

/** A transaction in progress: queries go through `db`; `publish` defers a bus event to after commit. */
export class Tx {
  readonly db: Transaction<DatabaseSchema>;
  readonly dialect: Dialect;
  readonly #events: BusEvent[];
  readonly #staged = new Map<object, StagedWrites>();
  readonly #sqlite: StatementSource | undefined;
  #savepoints = 0;

  /**
   * `sqlite`: on SQLite, the connection's statements, so that `execute` runs SQL text on the
   * transaction's (only) connection without going through Kysely's executor.
   */
  constructor(db: Transaction<DatabaseSchema>, dialect: Dialect, events: BusEvent[], sqlite?: StatementSource) {
    this.db = db;
    this.dialect = dialect;
    this.#events = events;
    this.#sqlite = sqlite;
  }

  /** Like `execute`, for a statement without `RETURNING`: how many rows it changed. */
  executeCount(sqlText: string, parameters: readonly unknown[]): Promise<number> {
    if (this.#sqlite === undefined) {
      return this.db
        .executeQuery(CompiledQuery.raw(sqlText, parameters as unknown[]))
        .then((r) => Number(r.numAffectedRows ?? 0n));
    }
    try {
      return Promise.resolve(this.#sqlite.prepare(sqlText).run(parameters).changes);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Runs compiled SQL text (this dialect's placeholders) in this transaction and returns its rows
   * (`RETURNING` rows for a write). On SQLite the statement runs synchronously on the
   * transaction's connection, a prepared statement reused for the same text; on PostgreSQL it
   * goes through the transaction's client. For the hot path (`Statement`, `insertRows`): no
   * query building, compiling or executor layers per run.
   */
  execute<R>(sqlText: string, parameters: readonly unknown[]): Promise<R[]> {
    if (this.#sqlite === undefined) {
      return this.db.executeQuery<R>(CompiledQuery.raw(sqlText, parameters as unknown[])).then((r) => r.rows as R[]);
    }
    try {
      const statement = this.#sqlite.prepare(sqlText);
      if (statement.reader) return Promise.resolve(statement.all(parameters) as R[]);
      statement.run(parameters);
      return Promise.resolve([]);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * The transaction's staged writes under `key`, made by `create` on first use. They are written
   * by their `flush`, in this transaction, just before it commits (`Database.transaction`); a
   * savepoint that rolls back undoes what was staged inside it.
   */
  staged<S extends StagedWrites>(key: object, create: () => S): S {
    let part = this.#staged.get(key);
    if (part === undefined) {
      part = create();
      this.#staged.set(key, part);
    }
    return part as S;
  }

  /** Writes every staged part (called by `Database.transaction` before it commits). */
  async flushStaged(): Promise<void> {
    for (const part of this.#staged.values()) await part.flush(this);
    this.#staged.clear();
  }

  /** Queues an event to be published only if (and after) the transaction commits. */
  publish(event: BusEvent): void {
    this.#events.push(event);
  }

  /**
   * Runs `fn` inside a savepoint: if it throws, its writes and its events are undone and the
   * error is rethrown, while the enclosing transaction stays usable (group commit relies on it:
   * one refused send must not abort the others of its batch).
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    // Plain compiled statements: the name is ours (sp_<n>), and skipping Kysely's raw-SQL builder
    // matters here, twice per operation of every group-commit batch (bench/relay).
    const name = `sp_${++this.#savepoints}`;
    const run = (text: string) => this.execute(text, []);
    const mark = this.#events.length;
    const stagedMarks = new Map([...this.#staged].map(([key, part]) => [key, part.mark()] as const));
    await run(`savepoint ${name}`);
    try {
      const result = await fn();
      await run(`release savepoint ${name}`);
      return result;
    } catch (err) {
      await run(`rollback to savepoint ${name}`);
      await run(`release savepoint ${name}`);
      this.#events.length = mark;
      for (const [key, part] of this.#staged) {
        if (stagedMarks.has(key)) part.rollbackTo(stagedMarks.get(key), 'undone');
        else this.#staged.delete(key); // staged entirely inside the savepoint
      }
      throw err;
    }
  }

  /**
   * Runs `fn`, an operation that writes ONLY through staged parts (`staged`, e.g. the log
   * sequencer's `appendLogEntry`) and runs no other writing statement, without a savepoint: if
   * it throws, what it staged and the events it published are forgotten and the error is
   * rethrown. It saves the two statements of a savepoint (two round trips on PostgreSQL) per
   * operation. An operation that writes rows of its own must use `savepoint`: here nothing would
   * undo them.
   */
  async stagedOnly<T>(fn: () => Promise<T>): Promise<T> {
    const mark = this.#events.length;
    const stagedMarks = new Map([...this.#staged].map(([key, part]) => [key, part.mark()] as const));
    try {
      return await fn();
    } catch (err) {
      this.#events.length = mark;
      for (const [key, part] of this.#staged) {
        if (stagedMarks.has(key)) part.rollbackTo(stagedMarks.get(key), 'kept');
        // Created inside: kept, emptied (its statements, e.g. the counter's lock, still stand).
        else part.rollbackTo(undefined, 'kept');
      }
      throw err;
    }
  }
}

/**
 * The storage layer: one Kysely instance over SQLite (better-sqlite3, WAL, synchronous=FULL) or
 * PostgreSQL (pg). It owns transactions, and publishes bus events only after commit, so a live
 * push never announces something that could still roll back.
 */
export class Database {
  readonly kysely: Kysely<DatabaseSchema>;
  readonly dialect: Dialect;
  readonly stats: DatabaseStats = { commits: 0, rollbacks: 0 };
  readonly #bus: Bus;
  readonly #sqlite: StatementSource | undefined;

  private constructor(kysely: Kysely<DatabaseSchema>, dialect: Dialect, bus: Bus, sqlite?: StatementSource) {
    this.kysely = kysely;
    this.dialect = dialect;
    this.#bus = bus;
    this.#sqlite = sqlite;
  }

  /** Opens the database and applies pending migrations. */
  static async open(config: StorageConfig, bus: Bus): Promise<Database> {
    if (config.dialect === 'sqlite') {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const sqlite = new BetterSqlite3(join(config.dataDir, SQLITE_FILE));
      // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL at every commit,
      // so an acknowledged send survives power loss (that is why sends are group-committed).
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 5000');
      const statements = cachingStatements(sqlite);
      const kysely = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: statements }) });
      const db = new Database(kysely, 'sqlite', bus, statements);
      await db.#migrate(undefined);
      return db;
    }
    const schema = config.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) throw new Error('invalid PostgreSQL schema name');
    if (schema !== 'public') {
      const client = new pg.Client(pgConnectionConfig(config.url));
      await client.connect();
      try {
        await client.query(`create schema if not exists "${schema}"`);
      } finally {
        await client.end();
      }
    }
    const pool = new pg.Pool({
      ...pgConnectionConfig(config.url),
      max: config.poolSize ?? 10,
      options: `-c search_path=${schema}`,
      // Every bigint column holds a value below 2^53 (ms times, seqs, epochs, sizes).
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8_OID && format !== 'binary'
            ? (v: string) => Number.parseInt(v, 10)
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client that loses its server emits 'error' on the pool; without a listener it would
    // crash the process. The next query on a fresh client fails cleanly instead (→ 503).
    pool.on('error', () => {});
    // A client checked out of the pool has no 'error' listener (pg-pool removes its idle one), and
    // node-postgres emits 'error' on the client whenever its connection ends unexpectedly (backend
    // terminated, PostgreSQL restarted, network cut) — even when it also rejects the query in
    // flight. Unhandled, that event kills the process. The query's own rejection is what the
    // request sees (→ 503), and pg-pool discards the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const kysely = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
    const db = new Database(kysely, 'postgres', bus);
    await db.#migrate(schema);
    return db;
  }

  async #migrate(schema: string | undefined): Promise<void> {
    const migrator = new Migrator({
      db: this.kysely,
      provider: migrationProvider(this.dialect),
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`database migration ${failed} failed`, { cause: error });
    }
  }

  /**
   * Runs `fn` in one transaction. Events it publishes go to the bus after the commit. On
   * PostgreSQL a serialization failure or deadlock is retried (`fn` must then be safe to re-run:
   * it may only touch the database and `tx`).
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: { retries?: number } = {}): Promise<T> {
    const retries = options.retries ?? 0;
    for (let attempt = 0; ; attempt++) {
      const events: BusEvent[] = [];
      try {
        const result = await this.kysely.transaction().execute(async (trx) => {
          const tx = new Tx(trx, this.dialect, events, this.#sqlite);
          const value = await fn(tx);
          await tx.flushStaged(); // staged writes (batched log rows) commit with the rest
          return value;
        });
        this.stats.commits++;
        if (events.length > 0) this.#bus.publish(events);
        return result;
      } catch (err) {
        this.stats.rollbacks++;
        if (attempt < retries && isRetryable(err)) continue;
        throw err;
      }
    }
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

/** How many prepared SQLite statements are kept (distinct SQL texts; the server uses a few hundred). */
const STATEMENT_CACHE_MAX = 1000;

/**
 * Kysely's SQLite driver calls `prepare` for every query it runs; preparing (SQLite parses and
 * plans the text) cost about as much CPU as running the statement on the send path (bench/relay).
 * This hands Kysely a database whose `prepare` returns the statement already prepared for the
 * same SQL text. Kysely runs one query at a time on its single connection, so a statement is
 * never used twice at once; one that is still busy (an unfinished `iterate`) is not shared: a
 * fresh one is prepared. SQLite re-prepares a cached statement itself after a schema change.
 * The least recently used entry goes once the cache is full.
 */
export function cachingStatements(
  sqlite: BetterSqlite3.Database,
  max = STATEMENT_CACHE_MAX,
): SqliteDatabase & StatementSource {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(text: string) {
      const cached = cache.get(text);
      if (cached !== undefined && !cached.busy) {
        cache.delete(text); // re-inserted: Map order is least recently used first
        cache.set(text, cached);
        return cached;
      }
      const statement = sqlite.prepare(text);
      if (cached === undefined) {
        cache.set(text, statement);
        if (cache.size > max) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      return statement;
    },
  };
}

/** Where `Tx.execute` gets SQLite statements (`cachingStatements`). */
export interface StatementSource {
  prepare(text: string): BetterSqlite3.Statement;
}

type Reader = Kysely<DatabaseSchema> | Transaction<DatabaseSchema>;

/** Marks a parameter while a `Statement` is built (never sent to a database). */
const PARAM_MARK = '\u0000fulcrum-statement-param:';

interface CompiledStatement {
  sql: string;
  /** Per placeholder: the name of the run's parameter, or a constant of the query. */
  slots: readonly ({ param: string } | { value: unknown })[];
}

/**
 * A hot-path query built with Kysely's typed builder ONCE per dialect and kept as SQL text;
 * each run binds fresh parameters, with no building or compiling (bench/relay: building and
 * compiling the per-send statements was about 15% of the server's CPU). `build` gets `p`, whose
 * fields stand for the run's parameters: use them as values (never in an `in` list or inside
 * JavaScript logic: they are markers, not the values). The SQL is what Kysely compiles for that
 * dialect, so it is the same text as the builder would send.
 */
export class Statement<P extends Record<string, unknown>, R> {
  readonly #build: (db: Kysely<DatabaseSchema>, p: P) => Compilable<R>;
  readonly #compiled: Partial<Record<Dialect, CompiledStatement>> = {};

  constructor(build: (db: Kysely<DatabaseSchema>, p: P) => Compilable<R>) {
    this.#build = build;
  }

  #compile(db: Reader, dialect: Dialect): CompiledStatement {
    const marks = new Proxy({} as P, {
      get: (_target, name) => (typeof name === 'string' ? `${PARAM_MARK}${name}` : undefined),
    });
    const compiled = this.#build(db, marks).compile();
    const slots = compiled.parameters.map((v) =>
      typeof v === 'string' && v.startsWith(PARAM_MARK) ? { param: v.slice(PARAM_MARK.length) } : { value: v },
    );
    const done = { sql: compiled.sql, slots };
    this.#compiled[dialect] = done;
    return done;
  }

  #bind(db: Reader, dialect: Dialect, params: P): CompiledQuery<R> {
    const c = this.#compiled[dialect] ?? this.#compile(db, dialect);
    const values = c.slots.map((slot) => ('param' in slot ? dbValue(params[slot.param]) : slot.value));
    return CompiledQuery.raw(c.sql, values) as CompiledQuery<R>;
  }

  /** Runs it in `tx` (on SQLite straight on the connection: `Tx.execute`). */
  run(tx: Tx, params: P): Promise<R[]> {
    const q = this.#bind(tx.db, tx.dialect, params);
    return tx.execute<R>(q.sql, q.parameters);
  }

  /** Runs a statement without `RETURNING` in `tx`; returns how many rows it changed. */
  runCount(tx: Tx, params: P): Promise<number> {
    const q = this.#bind(tx.db, tx.dialect, params);
    return tx.executeCount(q.sql, q.parameters);
  }

  /** Runs it through a Kysely instance or transaction (a read outside the writer). */
  async runOn(db: Reader, params: P): Promise<R[]> {
    const dialect: Dialect = db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
    return (await db.executeQuery(this.#bind(db, dialect, params))).rows;
  }
}

function dbValue(v: unknown): unknown {
  return v instanceof Uint8Array ? toDbBytes(v) : v;
}

const insertTexts = new Map<string, string>();
/** Parameters per multi-row statement: far below SQLite's (32,766) and PostgreSQL's (65,535) limits. */
const INSERT_PARAMS_MAX = 4000;

/**
 * `insert into "table" ("c1", …) values (…), (…)[ suffix]` for `rows` rows, as Kysely writes it
 * for the dialect (`?` on SQLite, `$n` on PostgreSQL); kept per (dialect, table, columns, rows).
 */
export function insertText(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: number,
  suffix = '',
): string {
  const key = `${dialect}\u0000${table}\u0000${columns.join(',')}\u0000${rows}\u0000${suffix}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    let n = 0;
    const tuple = () => `(${columns.map(() => (dialect === 'sqlite' ? '?' : `$${++n}`)).join(', ')})`;
    const tuples = Array.from({ length: rows }, tuple).join(', ');
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${tuples}${suffix === '' ? '' : ` ${suffix}`}`;
    insertTexts.set(key, text);
  }
  return text;
}

/**
 * Inserts `rows` (values in `columns` order) with one multi-row statement per chunk, from SQL
 * text kept per row count (no query building). Returns the `RETURNING` rows of `suffix`, if any.
 */
export async function insertRows<R = never>(
  tx: Tx,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  suffix = '',
): Promise<R[]> {
  const out: R[] = [];
  const chunk = Math.max(1, Math.floor(INSERT_PARAMS_MAX / columns.length));
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const values: unknown[] = [];
    for (const row of part) for (const v of row) values.push(dbValue(v));
    const returned = await tx.execute<R>(insertText(tx.dialect, table, columns, part.length, suffix), values);
    for (const r of returned) out.push(r);
  }
  return out;
}

/** PostgreSQL serialization failure (40001) or deadlock (40P01): the transaction may be retried. */
function isRetryable(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  return code === '40001' || code === '40P01';
}

/**
 * Connection settings for a PostgreSQL URL. Like libpq (and psql), a URL without a user name
 * connects as `PGUSER` or else the operating-system user; node-postgres alone would only look
 * at `USER`, which service managers and containers often leave unset.
 */
export function pgConnectionConfig(url: string): { connectionString: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url }; // not a URL (a libpq key=value string): leave it to pg
  }
  if (parsed.username === '') parsed.username = encodeURIComponent(process.env.PGUSER || userInfo().username);
  return { connectionString: parsed.toString() };
}

/** Drivers return Buffers; hand them plain bytes (better-sqlite3 binds only Buffers). */
export function toDbBytes(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
