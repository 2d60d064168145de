/**
 * `log_witnessed_checkpoint`: the checkpoint served at `/log/checkpoint` when witnesses are
 * configured (one row, `id = 1`): the log's signed note with the witness cosignature lines
 * collected for it. Its size only grows (compare-and-set); at the same size it only gains lines.
 */
export interface LogWitnessedCheckpointTable {
  id: number;
  size: number;
  root_hash: Uint8Array;
  /** The C2SP signed note: log signature then cosignature lines. */
  note: string;
  /** How many witness cosignatures the note carries. */
  cosignatures: number;
  updated_at: number;
}
