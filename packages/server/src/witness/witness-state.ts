import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBase64, encodeBase64 } from '@fulcrum/common';
import { parseTreeSize, type WitnessRecord } from '@fulcrum/tlog';
import { writeFileDurably } from './durable-file.js';

/** The file in the witness data directory holding the latest cosigned checkpoint per origin. */
export const WITNESS_STATE_FILE = 'witness-state.json';

interface StoredRecord {
  readonly size: number;
  readonly root: string;
  readonly note: string;
}

/**
 * The witness's per-origin state (size, root, cosigned note), kept in memory and in one file that
 * is replaced durably (temp file, fsync, rename, fsync dir) on every update. Updates are
 * compare-and-swap on the stored size; the caller serialises requests, so the check and the
 * write are atomic (c2sp.org/tlog-witness: a non-atomic check-then-update can roll the witness
 * back and make it cosign two inconsistent checkpoints).
 */
export class WitnessState {
  private constructor(
    private readonly path: string,
    private readonly records: Map<string, WitnessRecord>,
  ) {}

  static async open(dataDir: string): Promise<WitnessState> {
    const path = join(dataDir, WITNESS_STATE_FILE);
    const records = new Map<string, WitnessRecord>();
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      const stored = JSON.parse(text) as { version: number; logs: Record<string, StoredRecord> };
      if (stored.version !== 1 || typeof stored.logs !== 'object' || stored.logs === null) {
        throw new Error(`${path} is not a Fulcrum witness state file`);
      }
      for (const [origin, r] of Object.entries(stored.logs)) {
        const rootHash = decodeBase64(r.root);
        if (rootHash.length !== 32 || typeof r.note !== 'string') throw new Error(`${path}: bad record for ${origin}`);
        records.set(origin, { size: parseTreeSize(String(r.size)), rootHash, note: r.note });
      }
    }
    return new WitnessState(path, records);
  }

  get(origin: string): WitnessRecord | undefined {
    return this.records.get(origin);
  }

  /** Persists `record` for `origin` if its stored size is still `expectedSize`; false otherwise. */
  async compareAndSwap(origin: string, expectedSize: number, record: WitnessRecord): Promise<boolean> {
    if ((this.records.get(origin)?.size ?? 0) !== expectedSize) return false;
    const next = new Map(this.records);
    next.set(origin, record);
    const logs: Record<string, StoredRecord> = {};
    for (const [o, r] of next) logs[o] = { size: r.size, root: encodeBase64(r.rootHash), note: r.note };
    // Durable first, then visible: a crash after the rename but before the answer only means the
    // witness remembers a checkpoint it never answered for, which is safe.
    await writeFileDurably(this.path, `${JSON.stringify({ version: 1, logs })}\n`);
    this.records.set(origin, record);
    return true;
  }
}
