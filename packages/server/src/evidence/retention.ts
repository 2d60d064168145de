import { sql } from 'kysely';
import type { Database } from '../db/database.js';

/** Reports handled per transaction (a large backlog is worked through in batches). */
const BATCH = 100;

export interface RetentionResult {
  /** Reports whose content was deleted in this run. */
  readonly reports: number;
  /**
   * SQLite: whether the WAL was checkpointed and truncated afterwards, so the overwritten pages
   * replaced the old ones in the database file and no WAL frame holds the old content. False when
   * a reader kept the checkpoint from finishing (the next run tries again). PostgreSQL: whether
   * VACUUM ran on the content tables.
   */
  readonly flushed: boolean;
}

/**
 * Retention (decision 0004): deletes, for real, the content of every report past `retain_until`
 * that has no active preservation hold (`evidence_holds.until > now`): nulls
 * `report_messages.body`, `report_messages.franking_key` and `report_files.content`, and sets
 * `reports.content_deleted_at`. The non-content record (ids, context, digests, decisions) stays.
 *
 * "For real": on SQLite the deletion runs with `PRAGMA secure_delete = ON` (SQLite overwrites the
 * freed cell space and freed overflow pages with zeros instead of leaving them in the file), then
 * the WAL is checkpointed with TRUNCATE so neither the database file nor the WAL keeps the old
 * page images. On PostgreSQL the rows' old versions are dead tuples until VACUUM, which runs
 * after the deletion; PostgreSQL does not zero freed space, so the bytes may persist on disk
 * (data files, WAL, backups) until overwritten — use encrypted storage (docs/threat-model.md).
 * Reports own no blob files: the intake keeps decrypted attachments in `report_files.content`
 * (the conversation's encrypted blobs belong to the conversation, not the report).
 */
export async function runRetention(db: Database, now: number): Promise<RetentionResult> {
  let total = 0;
  for (;;) {
    const done = await db.transaction(
      async (tx) => {
        const due = await tx.db
          .selectFrom('reports')
          .select('id')
          .where('retain_until', '<=', now)
          .where('content_deleted_at', 'is', null)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('evidence_holds')
                  .select('evidence_holds.id')
                  .whereRef('evidence_holds.report_id', '=', 'reports.id')
                  .where('evidence_holds.until', '>', now),
              ),
            ),
          )
          .orderBy('retain_until')
          .limit(BATCH)
          .execute();
        if (due.length === 0) return 0;
        const ids = due.map((r) => r.id);
        // Restored afterwards: other writes keep the connection's setting (0 unless compiled otherwise).
        const previous =
          tx.dialect === 'sqlite'
            ? ((await sql<{ secure_delete: number }>`pragma secure_delete`.execute(tx.db)).rows[0]?.secure_delete ?? 0)
            : 0;
        if (tx.dialect === 'sqlite') await sql`pragma secure_delete = on`.execute(tx.db);
        try {
          await tx.db
            .updateTable('report_messages')
            .set({ body: null, franking_key: null })
            .where('report_id', 'in', ids)
            .execute();
          await tx.db.updateTable('report_files').set({ content: null }).where('report_id', 'in', ids).execute();
          await tx.db
            .updateTable('reports')
            .set({ content_deleted_at: now })
            .where('id', 'in', ids)
            .where('content_deleted_at', 'is', null)
            .execute();
        } finally {
          if (tx.dialect === 'sqlite')
            await sql.raw(`pragma secure_delete = ${previous === 1 ? 1 : previous === 2 ? 'fast' : 0}`).execute(tx.db);
        }
        return ids.length;
      },
      { retries: 3 },
    );
    total += done;
    if (done < BATCH) break;
  }
  if (total === 0 && !unflushed.has(db)) return { reports: 0, flushed: true };
  const flushed = await flush(db);
  if (flushed) unflushed.delete(db);
  else unflushed.add(db);
  return { reports: total, flushed };
}

/** Stores whose last deletion is not yet flushed out of the WAL (retried on the next run). */
const unflushed = new WeakSet<Database>();

async function flush(db: Database): Promise<boolean> {
  if (db.dialect === 'sqlite') {
    // busy = 1 when a reader kept the checkpoint from completing.
    const { rows } = await sql<{ busy: number }>`pragma wal_checkpoint(truncate)`.execute(db.kysely);
    return rows[0]?.busy === 0;
  }
  // VACUUM cannot run inside a transaction: a pooled connection in autocommit.
  await sql`vacuum report_messages, report_files`.execute(db.kysely);
  return true;
}
