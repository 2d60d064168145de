/**
 * The ClientStore port: where a device keeps everything it must not lose.
 *
 * A small transactional key-value store of named tables. Reads are single calls; every change is
 * an atomic, durable batch (`write`): either all its operations are visible afterwards, or (after a
 * crash) none. This shape maps onto every backend we target without holding a transaction open
 * across `await`s (which IndexedDB forbids and better-sqlite3 cannot do): the client computes its
 * new records first (MLS state, queue cursor, history, outbox) and then commits them in ONE batch.
 * That is what keeps "newest group state + queue cursor" consistent across a crash: an item is
 * either fully processed and its cursor advanced, or neither.
 *
 * Keys are strings, ordered by UTF-16 code unit (JavaScript `<`; SQLite's BINARY collation orders
 * UTF-8 bytes, which agrees for the ASCII keys the client uses). Values are opaque bytes.
 */
export interface StorePut {
  readonly op: 'put';
  readonly table: string;
  readonly key: string;
  readonly value: Uint8Array;
}

export interface StoreDelete {
  readonly op: 'delete';
  readonly table: string;
  readonly key: string;
}

export type StoreWrite = StorePut | StoreDelete;

export interface StoreEntry {
  readonly key: string;
  readonly value: Uint8Array;
}

export interface StoreListOptions {
  /** Only keys starting with this prefix. */
  readonly prefix?: string;
  /** Only keys strictly greater than this one (paging). */
  readonly after?: string;
  /** At most this many entries (default: all). */
  readonly limit?: number;
  /** Descending key order (default ascending). */
  readonly reverse?: boolean;
}

export interface ClientStore {
  /** The value stored under `key`, or `undefined`. */
  get(table: string, key: string): Promise<Uint8Array | undefined>;
  /** Entries of `table` in key order, filtered by `options`. */
  list(table: string, options?: StoreListOptions): Promise<StoreEntry[]>;
  /**
   * Applies every operation atomically and durably; resolves only once the batch would survive a
   * crash (fsync or equivalent). Later operations on the same key win.
   */
  write(ops: readonly StoreWrite[]): Promise<void>;
  /** Releases the backend (file handles, locks). Further calls may throw. */
  close(): Promise<void>;
}

/** Table names the client core uses (a backend may hold others for other features). */
export const TABLES = {
  /** `self`: this device's identity, keys and certificate. */
  device: 'device',
  /** `queue-cursor`, history counter, key-package bookkeeping. */
  meta: 'meta',
  /** groupId → newest encoded MLS group state (only ever one per group). */
  groupState: 'group_state',
  /** groupId → JSON: display name, created-at, pending leave requests. */
  groupInfo: 'group_info',
  /** `<groupId>/<16-digit counter>` → JSON message record (history). */
  messages: 'messages',
  /** `<16-digit counter>` → JSON outbox entry (pending sends and commits). */
  outbox: 'outbox',
  /** accountId → JSON key-directory record cached from the server. */
  directory: 'directory',
  /** key-package reference → encoded private KeyPackage material. */
  keyPackages: 'key_packages',
  /** Key transparency: pinned log key, last verified checkpoint, devices proven to be logged. */
  keyTransparency: 'kt',
} as const;
