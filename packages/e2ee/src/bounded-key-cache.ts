/**
 * A small least-recently-used cache of imported keys, used by the Fulcrum crypto provider.
 *
 * Values are promises, so concurrent users of one key share a single import; a failed import is
 * forgotten at once (the next use retries). Keys of the map are strings the caller derives from the
 * key material — for secret keys, a salted one-way fingerprint (see fulcrum-crypto.ts), never the
 * secret itself, because JavaScript strings cannot be wiped.
 */
export class BoundedKeyCache<V> {
  readonly #max: number;
  readonly #entries = new Map<string, Promise<V>>();

  /** `max` = 0 disables caching (every `get` calls `make`). */
  constructor(max: number) {
    this.#max = max;
  }

  /** Number of entries held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached value for `id`, or `make()`'s (cached unless it rejects). Marks `id` most recently used. */
  get(id: string, make: () => Promise<V>): Promise<V> {
    if (this.#max === 0) return make();
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      // Map keeps insertion order: re-inserting moves the entry to the most-recent end.
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    const made = make();
    this.#entries.set(id, made);
    made.catch(() => {
      if (this.#entries.get(id) === made) this.#entries.delete(id);
    });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    return made;
  }

  /** Drops every entry (the runtime frees the imported keys once nothing else references them). */
  clear(): void {
    this.#entries.clear();
  }
}
