/** `log_entries`: every sequenced log entry (the canonical `@fulcrum/tlog` entry bytes), by index. */
export interface LogEntriesTable {
  /** The leaf index (0-based, gap-free). */
  idx: number;
  /** The canonical entry (≤ 65535 bytes): what the leaf hash covers. */
  entry: Uint8Array;
  /**
   * What the entry is about, for the server's own lookups (`account:<id>`, `device:<id>`), or
   * null. Never served: the public log names accounts only by their VOPRF label.
   */
  subject: string | null;
  /** When it was sequenced (ms), the same time the entry states. */
  created_at: number;
}
