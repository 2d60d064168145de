import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedConfig } from './config.js';
import type { Database } from './db/database.js';
import { runRetention } from './evidence/retention.js';
import { deleteExpiredFrankingKeys } from './franking/franking-keys.js';
import { deleteOldSentMessages } from './store/groups.js';
import { deleteExpiredNonces } from './store/nonces.js';
import type { WriteQueue } from './write-queue.js';

/**
 * Periodic housekeeping: expired request nonces (the timestamp window refuses their requests
 * anyway) and idempotency records older than the configured window. Runs through the writer,
 * so it never races a send. Returns a stop function.
 */
export function startCleanupJob(config: ResolvedConfig, writer: WriteQueue, log: FastifyBaseLogger): () => void {
  const run = async () => {
    const { nonces, sent } = await runCleanupOnce(config, writer);
    if (nonces + sent > 0) log.debug({ nonces, sent }, 'cleanup');
  };
  const timer = setInterval(() => {
    run().catch(() => log.warn('cleanup failed; will retry'));
  }, config.cleanupIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs the cleanup once now (tests and operators). */
export async function runCleanupOnce(
  config: ResolvedConfig,
  writer: WriteQueue,
): Promise<{ nonces: number; sent: number; frankingKeys: number }> {
  const now = config.clock.now();
  return writer.submit(async (tx) => ({
    nonces: await deleteExpiredNonces(tx.db, now),
    sent: await deleteOldSentMessages(tx.db, now - config.idempotencyWindowMs),
    // Franking keys past their report window (rotation deletes them too, but an idle server rotates not).
    frankingKeys: await deleteExpiredFrankingKeys(tx.db, now - config.franking.reportWindowMs),
  }));
}

/**
 * The evidence retention job (src/evidence/retention.ts): every `evidence.retentionIntervalMs`,
 * deletes for real the content of reports past `retain_until` without an active hold. Runs
 * once at start too (a server that was down past a report's retention deletes it at once).
 * Returns a stop function that waits for a run in progress.
 */
export function startRetentionJob(config: ResolvedConfig, db: Database, log: FastifyBaseLogger): () => Promise<void> {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= runRetention(db, config.clock.now())
      .then((r) => {
        if (r.reports > 0 || !r.flushed) log.info({ reports: r.reports, flushed: r.flushed }, 'retention');
      })
      .catch(() => log.warn('retention failed; will retry'))
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, config.evidence.retentionIntervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
