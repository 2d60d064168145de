import { wireError } from '@fulcrum/wire';
import type { Database, Tx } from './db/database.js';
import { type NonceRecord, recordNonces } from './store/nonces.js';

/** Group-commit tuning. */
export interface GroupCommitOptions {
  /** Flush as soon as this many operations wait. Default 256. */
  maxBatch: number;
  /** Otherwise flush this long after the first one arrived (ms). Default 1. */
  maxDelayMs: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { maxBatch: 256, maxDelayMs: 1 };

/** Counters for tests and benchmarks. */
export interface WriteQueueStats {
  /** Batch transactions committed (or attempted). */
  batches: number;
  /** Operations run. */
  operations: number;
  /** The largest batch so far. */
  largestBatch: number;
}

interface Pending {
  run: (tx: Tx) => Promise<unknown>;
  nonce: NonceRecord | undefined;
  stagedOnly: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The single writer with group commit. Every state change goes through `submit`; operations
 * that arrive together run in one transaction (one fsync on SQLite), each in its own savepoint
 * (a staged-only one without: what it staged is forgotten) so one refused operation does not
 * undo the others. An operation's promise settles only after its transaction has committed: an
 * acknowledged send is durable.
 */
export class WriteQueue {
  readonly stats: WriteQueueStats = { batches: 0, operations: 0, largestBatch: 0 };
  readonly #db: Database;
  readonly #options: GroupCommitOptions;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(db: Database, options: Partial<GroupCommitOptions> = {}) {
    this.#db = db;
    this.#options = { ...DEFAULT_GROUP_COMMIT, ...options };
  }

  /**
   * Runs `run` in the next batch transaction. With `nonce`, the request's nonce is recorded in
   * the same transaction first (kept even if `run` is refused, so a refused request cannot be
   * replayed either); a reused nonce fails with `auth.replayed` and `run` is skipped. With
   * `stagedOnly`, `run` writes only staged rows (e.g. `appendLogEntry` and nothing else) and runs
   * without a savepoint (`Tx.stagedOnly`: refused, what it staged is forgotten).
   */
  submit<T>(run: (tx: Tx) => Promise<T>, options: { nonce?: NonceRecord; stagedOnly?: boolean } = {}): Promise<T> {
    if (this.#closed) return Promise.reject(wireError('service.unavailable', 'the server is shutting down'));
    return new Promise<T>((resolve, reject) => {
      const stagedOnly = options.stagedOnly === true;
      this.#pending.push({ run, nonce: options.nonce, stagedOnly, resolve: resolve as (v: unknown) => void, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running !== undefined) return; // the running batch picks the rest up when it ends
    if (this.#pending.length >= this.#options.maxBatch) {
      this.#flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flush(), this.#options.maxDelayMs);
    }
  }

  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#running !== undefined || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, this.#options.maxBatch);
    this.#running = this.#runBatch(batch).finally(() => {
      this.#running = undefined;
      // Whatever arrived meanwhile has already waited for a whole transaction: go now.
      if (this.#pending.length > 0) this.#flush();
    });
  }

  async #runBatch(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.stats.operations += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    let outcomes: Outcome[];
    try {
      outcomes = await this.#db.transaction(
        async (tx) => {
          // Every nonce of the batch in one statement, before any operation runs (each is kept
          // even if its operation is refused); an operation whose nonce was used is skipped.
          const nonces = batch.flatMap((op) => (op.nonce === undefined ? [] : [op.nonce]));
          const fresh = nonces.length === 0 ? [] : await recordNonces(tx, nonces);
          const results: Outcome[] = [];
          let n = 0;
          for (const op of batch) {
            if (op.nonce !== undefined && fresh[n++] !== true) {
              results.push({ ok: false, error: wireError('auth.replayed', 'this request nonce was already used') });
              continue;
            }
            try {
              const run = () => op.run(tx);
              results.push({ ok: true, value: await (op.stagedOnly ? tx.stagedOnly(run) : tx.savepoint(run)) });
            } catch (error) {
              results.push({ ok: false, error });
            }
          }
          return results;
        },
        { retries: 3 },
      );
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    }
    batch.forEach((op, i) => {
      if (op.nonce !== undefined) op.nonce.spent = true;
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
  }

  /** Runs what is queued, then refuses new work. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running !== undefined || this.#pending.length > 0) {
      if (this.#running === undefined) this.#flush();
      await this.#running;
    }
  }
}
