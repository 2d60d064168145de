/** `log_sequence`: the transparency log's sequencer counter (one row, `id = 1`). */
export interface LogSequenceTable {
  id: number;
  /**
   * The index the next appended entry gets. Bumped by `UPDATE … RETURNING` inside the appending
   * transaction: the row lock orders appenders (across processes on PostgreSQL), so indices
   * commit in order and without gaps, and a rolled-back append gives its index back.
   */
  next_index: number;
}
