import type { ClientStore, StoreEntry, StoreListOptions, StoreWrite } from './ports/store.js';

/**
 * An in-memory ClientStore: everything is lost when the process ends. Real and complete (it keeps
 * the atomic-batch contract), for tests, ephemeral sessions, and as the reference semantics that
 * on-disk stores must match. Values are copied in and out so callers cannot alias stored bytes.
 */
export class MemoryClientStore implements ClientStore {
  private readonly tables = new Map<string, Map<string, Uint8Array>>();
  private closed = false;

  async get(table: string, key: string): Promise<Uint8Array | undefined> {
    this.check();
    const v = this.tables.get(table)?.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async list(table: string, options: StoreListOptions = {}): Promise<StoreEntry[]> {
    this.check();
    const t = this.tables.get(table);
    if (t === undefined) return [];
    const keys = [...t.keys()]
      .filter(
        (k) =>
          (options.prefix === undefined || k.startsWith(options.prefix)) &&
          (options.after === undefined || (options.reverse ? k < options.after : k > options.after)),
      )
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (options.reverse) keys.reverse();
    const limited = options.limit === undefined ? keys : keys.slice(0, options.limit);
    return limited.map((key) => ({ key, value: (t.get(key) as Uint8Array).slice() }));
  }

  async write(ops: readonly StoreWrite[]): Promise<void> {
    this.check();
    // Validate first so a bad batch changes nothing (atomicity).
    for (const op of ops) {
      if (typeof op.table !== 'string' || typeof op.key !== 'string') throw new TypeError('bad store operation');
      if (op.op === 'put' && !(op.value instanceof Uint8Array)) throw new TypeError('store values are bytes');
    }
    for (const op of ops) {
      let t = this.tables.get(op.table);
      if (t === undefined) {
        t = new Map();
        this.tables.set(op.table, t);
      }
      if (op.op === 'put') t.set(op.key, op.value.slice());
      else t.delete(op.key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(): void {
    if (this.closed) throw new Error('store is closed');
  }
}
