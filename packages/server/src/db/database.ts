import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type Compilable,
  CompiledQuery,
  DummyDriver,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
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

/**
 * What a statement run through `Tx.execute` does: `read`; `write`; or `counter`, a write whose
 * effect a staged part corrects at flush whatever happens to the operation (the first bump of a
 * counter that takes its row lock: `StagedQueue`, `StagedGroups`), so it needs no savepoint.
 */
export type StatementAccess = 'read' | 'write' | 'counter';

/** A savepoint of `Tx.savepoint`, taken only before the operation's first write. */
interface LazySavepoint {
  name: string;
  /** The staged parts' marks when it was taken (undefined: not taken). */
  takenMarks: Map<object, unknown> | undefined;
  /** PostgreSQL: the SAVEPOINT statement, sent without waiting (queries on a client run in order). */
  sent: Promise<unknown> | undefined;
}

/**
 * A transaction in progress: queries go through `db`; `publish` defers a bus event to after commit.
 * Reading `db` inside `savepoint` takes the operation's savepoint first (see `savepoint`).
 */
export class Tx {
  readonly dialect: Dialect;
  readonly #trx: Transaction<DatabaseSchema>;
  readonly #events: BusEvent[];
  readonly #staged = new Map<object, StagedWrites>();
  readonly #sqlite: StatementSource | undefined;
  #savepoints = 0;
  #pending: LazySavepoint | undefined;

  /**
   * `sqlite`: on SQLite, the connection's statements, so that `execute` runs SQL text on the
   * transaction's (only) connection without going through Kysely's executor.
   */
  constructor(db: Transaction<DatabaseSchema>, dialect: Dialect, events: BusEvent[], sqlite?: StatementSource) {
    this.#trx = db;
    this.dialect = dialect;
    this.#events = events;
    this.#sqlite = sqlite;
  }

  /** The Kysely transaction. Inside `savepoint`, the operation's savepoint is taken first. */
  get db(): Transaction<DatabaseSchema> {
    if (this.#pending !== undefined) this.#takeSavepoint();
    return this.#trx;
  }

  /** Like `execute`, for a statement without `RETURNING`: how many rows it changed. */
  executeCount(sqlText: string, parameters: readonly unknown[], access: StatementAccess = 'write'): Promise<number> {
    if (access === 'write' && this.#pending !== undefined) this.#takeSavepoint();
    if (this.#sqlite === undefined) {
      return this.#trx
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
   * query building, compiling or executor layers per run. A `write` inside `savepoint` takes the
   * operation's savepoint first; a `read` or a `counter` does not.
   */
  execute<R>(sqlText: string, parameters: readonly unknown[], access: StatementAccess = 'write'): Promise<R[]> {
    if (access === 'write' && this.#pending !== undefined) this.#takeSavepoint();
    if (this.#sqlite === undefined) {
      return this.#trx.executeQuery<R>(CompiledQuery.raw(sqlText, parameters as unknown[])).then((r) => r.rows as R[]);
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

  #marks(): Map<object, unknown> {
    return new Map([...this.#staged].map(([key, part]) => [key, part.mark()] as const));
  }

  /** Takes the pending savepoint now, before the operation's first write. */
  #takeSavepoint(): void {
    const sp = this.#pending as LazySavepoint;
    this.#pending = undefined;
    sp.takenMarks = this.#marks();
    const text = `savepoint ${sp.name}`;
    if (this.#sqlite !== undefined) {
      this.#sqlite.prepare(text).run(); // synchronous: before whatever statement comes next
    } else {
      // Not awaited: Kysely runs a transaction's queries one after the other in the order they
      // were issued, so the statement that needs the savepoint goes after it. Its outcome is
      // awaited when the savepoint is released or rolled back.
      sp.sent = this.#trx.executeQuery(CompiledQuery.raw(text));
      sp.sent.catch(() => {});
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
   *
   * The savepoint is taken lazily, just before the operation's first write: when it reads `db`
   * (any Kysely query), or runs a `write` through `execute`. An operation that only reads and
   * stages (a send: `Statement`s for its reads, `counter` statements for the row locks, staged
   * rows: bench/relay) never takes one: refused, what it staged is forgotten and its counter
   * statements stand, corrected at flush (`StagedWrites.rollbackTo(…, 'kept')`). That saves the
   * SAVEPOINT and RELEASE statements (two round trips on PostgreSQL) and, on SQLite, the copies
   * of pages into the savepoint's journal.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#pending !== undefined) this.#takeSavepoint(); // nested: the outer one is needed now
    const sp: LazySavepoint = { name: `sp_${++this.#savepoints}`, takenMarks: undefined, sent: undefined };
    // Plain compiled statements (the name is ours): skipping Kysely's raw-SQL builder matters here.
    const run = async (text: string) => {
      await sp.sent;
      await this.execute(text, [], 'read');
    };
    const eventsMark = this.#events.length;
    const startMarks = this.#marks();
    this.#pending = sp;
    try {
      const result = await fn();
      if (this.#pending === sp) this.#pending = undefined;
      if (sp.takenMarks !== undefined) await run(`release savepoint ${sp.name}`);
      return result;
    } catch (err) {
      if (this.#pending === sp) this.#pending = undefined;
      const taken = sp.takenMarks;
      if (taken !== undefined) {
        await run(`rollback to savepoint ${sp.name}`);
        await run(`release savepoint ${sp.name}`);
        // What was staged after the savepoint was taken: its statements were rolled back.
        for (const [key, part] of this.#staged) {
          if (taken.has(key)) part.rollbackTo(taken.get(key), 'undone');
          else this.#staged.delete(key); // staged entirely inside the savepoint
        }
      }
      // Before it (or with no savepoint at all): only `counter` statements ran, and they stand.
      for (const [key, part] of this.#staged) part.rollbackTo(startMarks.get(key), 'kept');
      this.#events.length = eventsMark;
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

/**
 * An undo log for a staged part (`StagedWrites`): each change pushes how to undo it; rolling back
 * to a mark pops and runs those entries, newest first, telling each whether the statements run
 * since were rolled back too (`'undone'`) or stand (`'kept'`).
 */
export class UndoLog {
  readonly #entries: ((statements: 'undone' | 'kept') => void)[] = [];

  push(undo: (statements: 'undone' | 'kept') => void): void {
    this.#entries.push(undo);
  }

  mark(): number {
    return this.#entries.length;
  }

  rollbackTo(mark: unknown, statements: 'undone' | 'kept'): void {
    const to = (mark as number | undefined) ?? 0;
    while (this.#entries.length > to) (this.#entries.pop() as (s: 'undone' | 'kept') => void)(statements);
  }
}

const setColumnTexts = new Map<string, string>();
/**
 * `update "table" set "column" = case "key" when ? then ? … end where "key" in (…)` for `n` keys
 * (parameters: key, value for each, then the keys again): one statement that sets a counter
 * column of many rows to their own values.
 */
export function setColumnText(dialect: Dialect, table: string, key: string, column: string, n: number): string {
  const cacheKey = `${dialect}\u0000${table}\u0000${key}\u0000${column}\u0000${n}`;
  let text = setColumnTexts.get(cacheKey);
  if (text === undefined) {
    let k = 0;
    // PostgreSQL infers nothing for a CASE of parameters alone: the values are bigints.
    const param = (cast = '') => (dialect === 'sqlite' ? '?' : `$${++k}${cast}`);
    const cases = Array.from({ length: n }, () => `when ${param()} then ${param('::bigint')}`).join(' ');
    const keys = Array.from({ length: n }, () => param()).join(', ');
    text = `update "${table}" set "${column}" = case "${key}" ${cases} end where "${key}" in (${keys})`;
    setColumnTexts.set(cacheKey, text);
  }
  return text;
}

/** Sets `column` of the rows keyed `key` to the values in `values`, one statement per 400 rows. */
export async function setColumn(
  tx: Tx,
  table: string,
  key: string,
  column: string,
  values: readonly (readonly [string, number])[],
): Promise<void> {
  for (let i = 0; i < values.length; i += 400) {
    const part = values.slice(i, i + 400);
    const params: unknown[] = [];
    for (const [k, v] of part) params.push(k, v);
    for (const [k] of part) params.push(k);
    await tx.execute(setColumnText(tx.dialect, table, key, column, part.length), params);
  }
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
  access: StatementAccess;
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
  readonly #counter: boolean;
  readonly #compiled: Partial<Record<Dialect, CompiledStatement>> = {};

  /**
   * `counter`: the statement bumps a counter whose value a staged part corrects at flush
   * (`StatementAccess`): it runs without taking the operation's savepoint.
   */
  constructor(build: (db: Kysely<DatabaseSchema>, p: P) => Compilable<R>, options: { counter?: boolean } = {}) {
    this.#build = build;
    this.#counter = options.counter === true;
  }

  #compile(dialect: Dialect): CompiledStatement {
    const marks = new Proxy({} as P, {
      get: (_target, name) => (typeof name === 'string' ? `${PARAM_MARK}${name}` : undefined),
    });
    const compiled = this.#build(compilerFor(dialect), marks).compile();
    const slots = compiled.parameters.map((v) =>
      typeof v === 'string' && v.startsWith(PARAM_MARK) ? { param: v.slice(PARAM_MARK.length) } : { value: v },
    );
    const access: StatementAccess = this.#counter
      ? 'counter'
      : compiled.query.kind === 'SelectQueryNode'
        ? 'read'
        : 'write';
    const done = { sql: compiled.sql, slots, access };
    this.#compiled[dialect] = done;
    return done;
  }

  #bind(dialect: Dialect, params: P): { sql: string; values: unknown[]; access: StatementAccess } {
    const c = this.#compiled[dialect] ?? this.#compile(dialect);
    const values = c.slots.map((slot) => ('param' in slot ? dbValue(params[slot.param]) : slot.value));
    return { sql: c.sql, values, access: c.access };
  }

  /** Runs it in `tx` (on SQLite straight on the connection: `Tx.execute`). */
  run(tx: Tx, params: P): Promise<R[]> {
    const q = this.#bind(tx.dialect, params);
    return tx.execute<R>(q.sql, q.values, q.access);
  }

  /** Runs a statement without `RETURNING` in `tx`; returns how many rows it changed. */
  runCount(tx: Tx, params: P): Promise<number> {
    const q = this.#bind(tx.dialect, params);
    return tx.executeCount(q.sql, q.values, q.access);
  }

  /** Runs it through a Kysely instance or transaction (a read outside the writer). */
  async runOn(db: Reader, params: P): Promise<R[]> {
    const dialect: Dialect = db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
    const q = this.#bind(dialect, params);
    return (await db.executeQuery(CompiledQuery.raw(q.sql, q.values) as CompiledQuery<R>)).rows;
  }
}

const compilers: Partial<Record<Dialect, Kysely<DatabaseSchema>>> = {};
/** A Kysely that only compiles (no connection), per dialect: what `Statement`s are built with. */
function compilerFor(dialect: Dialect): Kysely<DatabaseSchema> {
  let k = compilers[dialect];
  if (k === undefined) {
    const sqlite = dialect === 'sqlite';
    k = new Kysely<DatabaseSchema>({
      dialect: {
        createAdapter: () => (sqlite ? new SqliteAdapter() : new PostgresAdapter()),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
        createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
      },
    });
    compilers[dialect] = k;
  }
  return k;
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
