import { hash } from 'node:crypto';
import { integrateEntries, type Sha256, signCheckpoint, treeSize } from '@fulcrum/tlog';
import type { Database } from '../db/database.js';
import { toDbBytes } from '../db/database.js';
import { BUNDLE_LEVEL, createDbTileSource } from './db-tile-source.js';
import type { LogKeys } from './log-keys.js';

/** What one integration pass did. */
export interface IntegrationOutcome {
  /** The checkpoint size after the pass. */
  readonly size: number;
  /** Entries integrated by this pass (0 if nothing was pending or another integrator won). */
  readonly integrated: number;
}

/**
 * Node's native SHA-256 for the integration step's leaf and node hashes: about 2.5x faster than
 * the pure-JS default on 65 bytes, and hashing was the integrator's largest cost (a bench/tlog
 * profile: a quarter of the process's CPU at 30k appends/s). The stored root is re-derived from
 * the stored tiles with it before each pass, and readers verify with the default.
 */
const nodeSha256: Sha256 = (data) => hash('sha256', data, 'buffer');

/** Thrown inside the write transaction when another integrator moved the checkpoint first. */
class LostRace extends Error {}

/**
 * The integrator (the sequencer/integrator split of Tessera): reads committed entries past the
 * checkpoint, builds tiles and entry bundles with `integrateEntries` (checking first that the
 * stored edge reproduces the stored root), signs a checkpoint for the new size, and stores all of
 * it in one transaction that commits only if the stored checkpoint is still the one it extended
 * (compare-and-set on `log_checkpoint.size`). So the stored checkpoint only grows, every stored
 * tile is covered by it, and with several processes on one PostgreSQL schema the loser of a race
 * writes nothing and simply retries: the log never publishes two inconsistent checkpoints.
 * (Sequenced entries form a committed prefix: the counter's row lock makes them commit in index
 * order, so any two passes integrate prefixes of the same sequence.)
 */
export class Integrator {
  readonly #db: Database;
  readonly #keys: LogKeys;
  readonly #now: () => number;
  readonly #maxBatch: number;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(db: Database, keys: LogKeys, options: { now: () => number; maxBatch?: number }) {
    this.#db = db;
    this.#keys = keys;
    this.#now = options.now;
    this.#maxBatch = options.maxBatch ?? 1024;
  }

  /** Runs one pass (passes of this process run one at a time). */
  integrate(): Promise<IntegrationOutcome> {
    const run = this.#chain.then(
      () => this.#pass(),
      () => this.#pass(),
    );
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Integrates until every entry committed before the call is covered by the checkpoint. */
  async integrateAll(): Promise<IntegrationOutcome> {
    const target = await this.sequencedSize();
    let integrated = 0;
    for (;;) {
      const out = await this.integrate();
      integrated += out.integrated;
      if (out.size >= target) return { size: out.size, integrated };
      if (out.integrated === 0) await new Promise((r) => setTimeout(r, 5)); // another process is integrating
    }
  }

  /** Entries sequenced and committed so far. */
  async sequencedSize(): Promise<number> {
    const row = await this.#db.kysely
      .selectFrom('log_sequence')
      .select('next_index')
      .where('id', '=', 1)
      .executeTakeFirst();
    return row?.next_index ?? 0;
  }

  async #pass(): Promise<IntegrationOutcome> {
    const kysely = this.#db.kysely;
    const cp = await kysely
      .selectFrom('log_checkpoint')
      .select(['size', 'root_hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    const rows = await kysely
      .selectFrom('log_entries')
      .select(['idx', 'entry'])
      .where('idx', '>=', cp.size)
      .orderBy('idx')
      .limit(this.#maxBatch)
      .execute();
    // Only a contiguous run from the checkpoint (a gap cannot happen, but never integrate past one).
    const entries: Uint8Array[] = [];
    for (const row of rows) {
      if (row.idx !== cp.size + entries.length) break;
      entries.push(row.entry);
    }
    if (entries.length === 0) return { size: cp.size, integrated: 0 };
    const result = await integrateEntries({
      oldSize: cp.size,
      entries,
      source: createDbTileSource(kysely),
      oldRootHash: cp.root_hash,
      sha256: nodeSha256,
    });
    const note = await signCheckpoint(
      { origin: this.#keys.origin, size: treeSize(result.size), rootHash: result.rootHash, extensions: [] },
      [this.#keys.signer],
    );
    const now = this.#now();
    try {
      await this.#db.transaction(
        async (tx) => {
          const moved = await tx.db
            .updateTable('log_checkpoint')
            .set({ size: result.size, root_hash: toDbBytes(result.rootHash), note, updated_at: now })
            .where('id', '=', 1)
            .where('size', '=', cp.size)
            .executeTakeFirst();
          if (moved.numUpdatedRows !== 1n) throw new LostRace();
          const resources = [
            ...result.tiles.map((t) => ({
              level: t.level,
              tile_index: t.index,
              width: t.width,
              data: toDbBytes(t.data),
            })),
            ...result.bundles.map((b) => ({
              level: BUNDLE_LEVEL,
              tile_index: b.index,
              width: b.width,
              data: toDbBytes(b.data),
            })),
          ];
          for (const r of resources) {
            await tx.db
              .insertInto('log_tiles')
              .values(r)
              .onConflict((oc) =>
                oc.columns(['level', 'tile_index']).doUpdateSet((eb) => ({
                  width: eb.ref('excluded.width'),
                  data: eb.ref('excluded.data'),
                })),
              )
              .execute();
          }
        },
        { retries: 3 },
      );
    } catch (err) {
      if (err instanceof LostRace) return { size: cp.size, integrated: 0 };
      throw err;
    }
    return { size: result.size, integrated: entries.length };
  }
}
