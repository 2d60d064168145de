/** `log_checkpoint`: the latest signed checkpoint (one row, `id = 1`); sizes only grow (compare-and-set). */
export interface LogCheckpointTable {
  id: number;
  size: number;
  root_hash: Uint8Array;
  /** The C2SP signed note served at `/log/checkpoint`. */
  note: string;
  updated_at: number;
}
