import { encodeLogEntry, type LogEntryEnvelope } from '@fulcrum/tlog';
import { type Tx, toDbBytes } from '../db/database.js';

/**
 * The sequencer: gives `entry` the next leaf index inside the caller's transaction, so the event
 * it records (a key registration…) and its log entry commit together or not at all. Durable when
 * that transaction commits (the server acknowledges only after). The counter row's lock orders
 * concurrent appenders, across processes on PostgreSQL, so indices are gap-free and commit in
 * order; a rolled-back savepoint gives its index back. Integration into tiles and the signed
 * checkpoint follow in batches (`Integrator`).
 */
export async function appendLogEntry(
  tx: Tx,
  entry: LogEntryEnvelope,
  subject: string | null = null,
): Promise<{ index: number; bytes: Uint8Array }> {
  const bytes = encodeLogEntry(entry); // canonical and ≤ 65535 bytes, or a typed tlog error
  const row = await tx.db
    .updateTable('log_sequence')
    .set((eb) => ({ next_index: eb('next_index', '+', 1) }))
    .where('id', '=', 1)
    .returning('next_index')
    .executeTakeFirstOrThrow();
  const index = row.next_index - 1;
  await tx.db
    .insertInto('log_entries')
    .values({ idx: index, entry: toDbBytes(bytes), subject, created_at: entry.time })
    .execute();
  return { index, bytes };
}
