import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedConfig } from './config.js';
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
): Promise<{ nonces: number; sent: number }> {
  const now = config.clock.now();
  return writer.submit(async (tx) => ({
    nonces: await deleteExpiredNonces(tx.db, now),
    sent: await deleteOldSentMessages(tx.db, now - config.idempotencyWindowMs),
  }));
}
