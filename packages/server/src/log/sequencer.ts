import { encodeLogEntry, type LogEntryEnvelope } from '@fulcrum/tlog';
import { type StagedWrites, type Tx, toDbBytes } from '../db/database.js';
import type { Dialect } from '../db/schema.js';

/** Takes the counter row's lock and counts one entry (`StagedLogEntries.base`). */
const LOCK_TEXT = `update "log_sequence" set "next_index" = "next_index" + 1 where "id" = 1 returning "next_index"`;

/** Rows per multi-row INSERT on PostgreSQL (4 parameters each: far below its limit). */
const INSERT_CHUNK = 500;

interface StagedRow {
  idx: number;
  bytes: Uint8Array;
  subject: string | null;
  time: number;
}

/**
 * One transaction's log entries, held back until it commits: the first append locks the counter
 * row and reads `next_index`; later appends in the same transaction (the other operations of a
 * group-commit batch) take the following indices without a statement; just before the commit,
 * ONE counter update and one multi-row INSERT per 500 entries write them all.
 */
class StagedLogEntries implements StagedWrites {
  #base: Promise<number> | undefined;
  readonly #rows: StagedRow[] = [];

  /**
   * Locks the counter row (held to the commit; on PostgreSQL across processes) and reads it. It
   * counts the first entry already, so a transaction with one append needs no second update. A
   * `counter` statement (`Tx.execute`): it takes no savepoint, since `flush` sets the count
   * whatever becomes of the operation that ran it, so an operation that only appends to the log
   * never takes one (`Tx.savepoint` is lazy).
   */
  base(tx: Tx): Promise<number> {
    this.#base ??= tx
      .execute<{ next_index: number }>(LOCK_TEXT, [], 'counter')
      .then((rows) => (rows[0] as { next_index: number }).next_index - 1);
    return this.#base;
  }

  add(base: number, row: Omit<StagedRow, 'idx'>): number {
    const idx = base + this.#rows.length;
    this.#rows.push({ idx, ...row });
    return idx;
  }

  mark(): { rows: number; locked: boolean } {
    return { rows: this.#rows.length, locked: this.#base !== undefined };
  }

  rollbackTo(mark: unknown, statements: 'undone' | 'kept'): void {
    const m = (mark ?? { rows: 0, locked: false }) as { rows: number; locked: boolean };
    // Indices are handed out in order and savepoints nest, so everything after the mark belonged
    // to the rolled-back operation: its indices go back, the log stays gap-free.
    this.#rows.length = m.rows;
    // A row lock taken inside a rolled-back savepoint is released with it (PostgreSQL), and its
    // increment undone: re-take it. Kept statements (no savepoint was taken, or it was taken after
    // the lock: `Tx.savepoint` is lazy; `Tx.stagedOnly`) keep the lock and the increment, which
    // `flush` then corrects: the base stays.
    if (!m.locked && statements === 'undone') this.#base = undefined;
  }

  async flush(tx: Tx): Promise<void> {
    if (this.#base === undefined) return;
    const base = await this.#base;
    // The lock counted one entry; set the count only if the transaction kept another number.
    if (this.#rows.length !== 1) {
      const text = `update "log_sequence" set "next_index" = ${tx.dialect === 'postgres' ? '$1' : '?'} where "id" = 1`;
      await tx.execute(text, [base + this.#rows.length]);
    }
    const rows = this.#rows;
    for (let k = 0; k < rows.length; ) {
      const n = chunkSize(tx.dialect, rows.length - k);
      const params: unknown[] = [];
      for (let j = k; j < k + n; j++) {
        const r = rows[j] as StagedRow;
        params.push(r.idx, toDbBytes(r.bytes), r.subject, r.time);
      }
      await tx.execute(insertText(tx.dialect, n), params);
      k += n;
    }
  }
}

/**
 * Rows in the next INSERT. PostgreSQL: as many as fit a chunk (one round trip each). SQLite: the
 * largest power of 4 up to 256, so the statement cache (keyed by SQL text, `cachingStatements`)
 * holds at most five texts of this insert, not one per batch size; extra statements cost no
 * round trip there.
 */
function chunkSize(dialect: Dialect, left: number): number {
  if (dialect === 'postgres') return Math.min(left, INSERT_CHUNK);
  let n = 256;
  while (n > left) n /= 4;
  return n;
}

const insertTexts = new Map<string, string>();

/**
 * `INSERT INTO log_entries … VALUES` with `rows` rows, built once per size: a plain compiled
 * statement, as Kysely's builder cost more than the insert itself per batch (bench/tlog profile).
 */
function insertText(dialect: Dialect, rows: number): string {
  const key = `${dialect}:${rows}`;
  let text = insertTexts.get(key);
  if (text === undefined) {
    const tuples: string[] = [];
    for (let j = 0; j < rows; j++) {
      const p = (c: number) => (dialect === 'postgres' ? `$${4 * j + c}` : '?');
      tuples.push(`(${p(1)}, ${p(2)}, ${p(3)}, ${p(4)})`);
    }
    text = `insert into "log_entries" ("idx", "entry", "subject", "created_at") values ${tuples.join(', ')}`;
    insertTexts.set(key, text);
  }
  return text;
}

const SEQUENCER = {};

/**
 * The sequencer: gives `entry` the next leaf index inside the caller's transaction, so the event
 * it records (a key registration…) and its log entry commit together or not at all. Durable when
 * that transaction commits (the server acknowledges only after). The counter row's lock, taken by
 * the transaction's first append and held to its commit, orders concurrent appenders, across
 * processes on PostgreSQL, so indices are gap-free and commit in order; a rolled-back savepoint
 * gives its indices back. The rows themselves are staged and written when the transaction commits,
 * all of a group-commit batch at once (one counter update, multi-row inserts): an entry is not
 * readable from `log_entries` inside the transaction that appended it. Integration into tiles and
 * the signed checkpoint follow in batches (`Integrator`).
 */
export async function appendLogEntry(
  tx: Tx,
  entry: LogEntryEnvelope,
  subject: string | null = null,
): Promise<{ index: number; bytes: Uint8Array }> {
  const bytes = encodeLogEntry(entry); // canonical and ≤ 65535 bytes, or a typed tlog error
  const staged = tx.staged(SEQUENCER, () => new StagedLogEntries());
  const base = await staged.base(tx);
  const index = staged.add(base, { bytes, subject, time: entry.time });
  return { index, bytes };
}
