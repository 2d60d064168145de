import { utf8Encode } from '@fulcrum/common';
import type { IntegrationResult, TileSource } from './tile-builder.js';
import { formatBundlePath, formatTilePath } from './tile-path.js';

/**
 * A tiled log's resources held in memory, addressed by their C2SP paths (`checkpoint`,
 * `tile/…`, `tile/entries/…`). Stores what `integrateEntries` produces and serves it back as a
 * `TileSource`, so the whole write → read → verify path runs without I/O (tests, tools, the
 * benchmark). Copies on the way in and out.
 */
export class MemoryTileStore implements TileSource {
  private readonly files = new Map<string, Uint8Array>();

  async read(path: string): Promise<Uint8Array | undefined> {
    return this.get(path);
  }

  get(path: string): Uint8Array | undefined {
    return this.files.get(path)?.slice();
  }

  put(path: string, data: Uint8Array): void {
    this.files.set(path, data.slice());
  }

  delete(path: string): boolean {
    return this.files.delete(path);
  }

  /** Every stored path (for inspection). */
  paths(): string[] {
    return [...this.files.keys()];
  }

  /** Writes the tiles and bundles of an integration step. */
  apply(result: IntegrationResult): void {
    for (const t of result.tiles) this.put(formatTilePath(t), t.data);
    for (const b of result.bundles) this.put(formatBundlePath(b), b.data);
  }

  /** Publishes a signed checkpoint note at `checkpoint`. */
  putCheckpoint(note: string): void {
    this.put('checkpoint', utf8Encode(note));
  }
}
