/**
 * An IndexedDB ClientStore: the device's state in the browser (origin-scoped, per database name).
 *
 * One object store `kv` holds every client table under the compound key `[table, key]`, so the
 * store is generic over table names (the client core, and features added later, may use any):
 * nothing here knows the record set. IndexedDB orders string keys by UTF-16 code unit, which is
 * exactly the port's key order (ports/store.ts). A batch is one `readwrite` transaction with
 * `durability: 'strict'` and resolves on `complete`: IndexedDB commits all of it or none, and
 * "strict" asks the browser to flush to disk before reporting completion (the port's "durable").
 *
 * The values are the client's records in clear (private keys, MLS secrets), as on the Node edge:
 * the browser's origin isolation is the protection; `device-export.ts` encrypts what leaves it.
 */
import type { ClientStore, StoreEntry, StoreListOptions, StoreWrite } from '@fulcrum/client';
import { clientBrowserError } from './errors.js';

const KV = 'kv';
const VERSION = 1;
/** The highest UTF-16 code unit: `[table, '\uffff…']` is above every key of `table` the client uses. */
const HIGH = '\uffff';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  throw clientBrowserError('client-browser.store_unavailable', 'a stored value is not bytes');
}

export class IndexedDbClientStore implements ClientStore {
  #closed = false;

  private constructor(
    private readonly db: IDBDatabase,
    /** The IndexedDB database name. */
    readonly name: string,
  ) {}

  /** Opens (creating if needed) the database `name` in `factory` (default: the global `indexedDB`). */
  static async open(name: string, factory: IDBFactory = indexedDB): Promise<IndexedDbClientStore> {
    let db: IDBDatabase;
    try {
      const req = factory.open(name, VERSION);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(KV)) req.result.createObjectStore(KV);
      };
      db = await new Promise<IDBDatabase>((resolve, reject) => {
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
        req.onblocked = () => reject(new Error('the database upgrade is blocked by another tab'));
      });
    } catch (cause) {
      throw clientBrowserError('client-browser.store_unavailable', 'cannot open IndexedDB', {
        cause,
        detail: { name },
      });
    }
    return new IndexedDbClientStore(db, name);
  }

  /** Deletes the database `name` (all tables). The store must be closed first. */
  static async destroy(name: string, factory: IDBFactory = indexedDB): Promise<void> {
    await request(factory.deleteDatabase(name));
  }

  async get(table: string, key: string): Promise<Uint8Array | undefined> {
    const store = this.#tx('readonly').objectStore(KV);
    const v = await request(store.get([table, key]));
    return v === undefined ? undefined : toBytes(v);
  }

  async list(table: string, options: StoreListOptions = {}): Promise<StoreEntry[]> {
    const prefix = options.prefix ?? '';
    let lower: string = prefix;
    let lowerOpen = false;
    let upper: string = prefix + HIGH;
    let upperOpen = false;
    if (options.after !== undefined) {
      if (options.reverse) {
        if (options.after <= upper) {
          upper = options.after;
          upperOpen = true;
        }
      } else if (options.after >= lower) {
        lower = options.after;
        lowerOpen = true;
      }
    }
    const out: StoreEntry[] = [];
    if (lower > upper || (lower === upper && (lowerOpen || upperOpen))) return out;
    const range = IDBKeyRange.bound([table, lower], [table, upper], lowerOpen, upperOpen);
    const store = this.#tx('readonly').objectStore(KV);
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return out;
    await new Promise<void>((resolve, reject) => {
      const req = store.openCursor(range, options.reverse ? 'prev' : 'next');
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const cursor = req.result;
        if (cursor === null) return resolve();
        const key = (cursor.key as [string, string])[1];
        // The range's upper end is `prefix + U+FFFF`: a key that continues past it is not a match.
        if (key.startsWith(prefix)) out.push({ key, value: toBytes(cursor.value) });
        if (out.length >= limit) return resolve();
        cursor.continue();
      };
    });
    return out;
  }

  async write(ops: readonly StoreWrite[]): Promise<void> {
    if (ops.length === 0) return;
    const tx = this.#tx('readwrite');
    const store = tx.objectStore(KV);
    const finished = done(tx);
    try {
      for (const op of ops) {
        if (op.op === 'put') store.put(new Uint8Array(op.value), [op.table, op.key]);
        else store.delete([op.table, op.key]);
      }
    } catch (cause) {
      tx.abort();
      await finished.catch(() => {});
      throw clientBrowserError('client-browser.store_unavailable', 'cannot write to IndexedDB', { cause });
    }
    try {
      await finished;
    } catch (cause) {
      throw clientBrowserError('client-browser.store_unavailable', 'cannot write to IndexedDB', { cause });
    }
  }

  /** Every table name that holds at least one entry (for a full export; not part of the port). */
  async tables(): Promise<string[]> {
    const store = this.#tx('readonly').objectStore(KV);
    const keys = (await request(store.getAllKeys())) as [string, string][];
    return [...new Set(keys.map((k) => k[0]))].sort();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.db.close();
  }

  #tx(mode: IDBTransactionMode): IDBTransaction {
    if (this.#closed) throw clientBrowserError('client-browser.store_unavailable', 'the store is closed');
    try {
      return mode === 'readwrite'
        ? this.db.transaction(KV, mode, { durability: 'strict' })
        : this.db.transaction(KV, mode);
    } catch (cause) {
      throw clientBrowserError('client-browser.store_unavailable', 'IndexedDB refused a transaction', { cause });
    }
  }
}
