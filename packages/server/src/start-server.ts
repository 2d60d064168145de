import { pino } from 'pino';
import type { AttachmentStore } from './blobs/attachment-store.js';
import { FsAttachmentStore } from './blobs/fs-attachment-store.js';
import { PgAttachmentStore } from './blobs/pg-attachment-store.js';
import type { Bus } from './bus/bus.js';
import { InProcessBus } from './bus/in-process-bus.js';
import { NatsBus } from './bus/nats-bus.js';
import { AuthorityService } from './authority/service.js';
import { type ResolvedConfig, resolveConfig, type ServerConfig } from './config.js';
import { Database } from './db/database.js';
import { FrankingKeys } from './franking/franking-keys.js';
import { buildApp } from './http/app.js';
import type { AppContext } from './http/context.js';
import { runCleanupOnce, startCleanupJob, startRetentionJob } from './jobs.js';
import { openEvidenceKey } from './evidence/evidence-key.js';
import { MlsInspector } from './mls-inspector.js';
import { TransparencyLog } from './log/transparency-log.js';
import { WriteQueue, type WriteQueueStats } from './write-queue.js';
import { WS_CLOSE } from '@fulcrum/wire';

/** How long `close()` lets open connections finish before cutting them (ms). */
const SHUTDOWN_GRACE_MS = 2000;

/** A running server. */
export interface RunningServer {
  /** `http://host:port` (the port actually bound when 0 was asked). */
  readonly url: string;
  readonly port: number;
  readonly config: ResolvedConfig;
  /** The storage layer (tests inspect rows through `db.kysely`). */
  readonly db: Database;
  readonly bus: Bus;
  /** The transparency log (keys, integrator): `log.keys.vkey` is its verifier key. */
  readonly log: TransparencyLog;
  /** The franking keys (`franking.keyring()` is what report verification takes). */
  readonly franking: FrankingKeys;
  /** Group-commit counters: batches, operations, largest batch. */
  writerStats(): WriteQueueStats;
  /** Reports to authorities: moderation's hook and the delivery worker (`runDueOnce()` in tests). */
  readonly authority: AuthorityService;
  /** Runs the nonce / idempotency cleanup now. */
  cleanup(): Promise<{ nonces: number; sent: number; frankingKeys: number }>;
  /** Stops accepting, closes live sockets (1001), finishes queued writes, closes storage. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the Fulcrum server: opens (and migrates) storage, then listens. Never exits the
 * process; the caller owns its lifecycle through `close()`.
 */
export async function startServer(input: ServerConfig): Promise<RunningServer> {
  const config = resolveConfig(input);
  const logger = pino({ level: config.logLevel, base: { service: 'fulcrum-server' } }, config.logDestination);
  const ownsBus = config.bus === undefined;
  const bus =
    config.bus ??
    (config.nats === undefined
      ? new InProcessBus()
      : await NatsBus.connect({ url: config.nats.url, subjectPrefix: config.nats.subjectPrefix }));
  let db: Database;
  try {
    db = await Database.open(config.storage, bus);
  } catch (err) {
    if (ownsBus) await bus.close();
    throw err;
  }
  const writer = new WriteQueue(db, config.groupCommit);
  let attachments: AttachmentStore;
  if (config.storage.dialect === 'sqlite') attachments = new FsAttachmentStore(config.storage.dataDir, db, writer);
  else attachments = new PgAttachmentStore(db);
  const log = await TransparencyLog.open(db, { ...config.transparencyLog, now: () => config.clock.now() });
  // The evidence signing key: created on first start, served at GET /v1/evidence/key.
  await openEvidenceKey(db, config.clock.now());
  const franking = new FrankingKeys(db, config.franking);
  await franking.current(config.clock.now());
  // Reports to authorities: moderation enqueues through this hook; the worker delivers.
  const authority = new AuthorityService(db, input.authority ?? {}, config.clock, logger);
  const withAuthority: ResolvedConfig = {
    ...config,
    moderation: Object.freeze({ ...config.moderation, authority: config.moderation.authority ?? authority }),
  };
  const ctx: AppContext = {
    config: withAuthority,
    db,
    writer,
    bus,
    mls: await MlsInspector.create(),
    attachments,
    log,
    franking,
  };

  const { app, sessions } = await buildApp(ctx, logger);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    await writer.close();
    await db.close();
    if (ownsBus) await bus.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const stopCleanup = startCleanupJob(config, writer, logger);
  authority.start();
  const stopRetention = startRetentionJob(config, db, logger);
  log.start(config.transparencyLog.integrateIntervalMs, (err) =>
    logger.warn({ err: err instanceof Error ? err.name : 'unknown' }, 'transparency log integration failed'),
  );
  logger.info({ port, dialect: config.storage.dialect }, 'listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    config,
    db,
    bus,
    log,
    franking,
    authority,
    writerStats: () => ({ ...writer.stats }),
    cleanup: () => runCleanupOnce(config, writer),
    close() {
      closing ??= (async () => {
        stopCleanup();
        await authority.stop();
        await stopRetention();
        for (const s of [...sessions]) s.close(WS_CLOSE.goingAway, undefined, 'server shutting down');
        // Requests in flight get a grace period to finish; after it, connections still open (a
        // stalled reader, a client that keeps a finished download's socket) are cut, so a
        // shutdown can never hang on a client.
        const forceClose = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(forceClose);
        }
        await writer.close();
        await log.stop();
        await db.close();
        if (ownsBus) await bus.close();
        logger.info('closed');
        logger.flush();
      })();
      return closing;
    },
  };
}
