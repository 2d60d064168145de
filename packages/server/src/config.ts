import { type Clock, systemClock } from '@fulcrum/common';
import { LIMITS } from '@fulcrum/wire';
import type { DestinationStream, Level } from 'pino';
import type { Bus } from './bus/bus.js';
import type { StorageConfig } from './db/database.js';
import {
  DEFAULT_FRANKING_REPORT_WINDOW_MS,
  DEFAULT_FRANKING_ROTATION_MS,
  type FrankingKeyOptions,
} from './franking/franking-keys.js';
import type { BucketOptions } from './http/rate-limit.js';
import type { TransparencyLogOptions } from './log/transparency-log.js';
import type { AuthorityOptions } from './authority/options.js';
import type { ModerationOptions } from './moderation/service.js';
import { DEFAULT_GROUP_COMMIT, type GroupCommitOptions } from './write-queue.js';

/** What `startServer` takes. Only `storage` is required. */
export interface ServerConfig {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; `0` picks a free one. Default 8080. */
  port?: number;
  storage: StorageConfig;
  /** Largest attachment accepted, in bytes. Default 25 MiB. */
  attachmentMaxBytes?: number;
  /** Group-commit tuning (batch size, flush delay). */
  groupCommit?: Partial<GroupCommitOptions>;
  /** Log level (default `info`) and destination (default stdout). Logs never hold bodies, keys, tokens or hashes. */
  log?: { level?: Level | 'silent'; destination?: DestinationStream };
  /** Time source (tests move it to check the timestamp window). Default: the system clock. */
  clock?: Clock;
  /** Live fan-out between processes. Default: an in-process bus owned (and closed) by the server. */
  bus?: Bus;
  /**
   * Live fan-out over NATS (several processes on one PostgreSQL): the server connects a `NatsBus`
   * and owns it. Ignored when `bus` is given. Notifications only; the durable queue stays in SQL.
   */
  nats?: { url: string; subjectPrefix?: string };
  /** How often expired nonces and week-old idempotency records are deleted (ms). Default 60 s. */
  cleanupIntervalMs?: number;
  /** How long a `clientMessageId` answer is remembered (ms). Default 7 days. */
  idempotencyWindowMs?: number;
  /** An unauthenticated WebSocket is closed after this (ms). Default 10 s (protocol.md). */
  wsAuthTimeoutMs?: number;
  /** The transparency log (origin, integration interval, batch): see src/log. */
  transparencyLog?: TransparencyLogOptions;
  /**
   * Moderation (docs/protocol.md §Moderation): `leaseMs` (default 15 min) is how long a claim holds;
   * `authority` is the authority-reports part's hook (decision 0004), called in decisions' transactions.
   */
  moderation?: ModerationOptions;
  /**
   * Reports to authorities (src/authority, docs/architecture.md §Authority reports): the platform's
   * details for the reports, retry and backoff of the delivery worker. Destinations are in the store.
   */
  authority?: AuthorityOptions;
  /**
   * Token-bucket rate limits, in memory per process (README §Limits); `false` turns them off.
   * `device`: every authenticated request, per device, counted after authentication (default
   * burst 300, 100/s). `accountCreation`: unauthenticated `POST /v1/accounts`, per client address
   * (default burst 100, 2/s). `maxKeys`: buckets kept per limiter (default 100 000).
   * `account`: every authenticated request, per account, summed over its devices (default burst
   * 600, 200/s: two devices' worth), so an account cannot multiply its budget by adding devices.
   */
  rateLimit?:
    | false
    | {
        device?: Partial<BucketOptions>;
        accountCreation?: Partial<BucketOptions>;
        maxKeys?: number;
        account?: Partial<BucketOptions>;
      };
  /**
   * A WebSocket whose unsent data stays above `highWaterBytes` (default 1 MiB) for
   * `stallTimeoutMs` (default 10 s), or passes `maxBufferedBytes` (default 4 MiB), is closed
   * with 4408: the device re-drains its durable queue on reconnect (docs/protocol.md).
   */
  wsSendBuffer?: Partial<WsSendBufferOptions>;
  /**
   * Unanswered `send` frames one WebSocket may have (default 64, protocol.md §Live push): one
   * more is answered `rate.limited` at once, without being read.
   */
  wsMaxInFlightSends?: number;
  /**
   * A directory holding the built web app (`packages/web/dist`): served at `/` with an SPA
   * fallback (http/web-static.ts). Absent: `/` serves nothing. Never shadows `/v1` or `/log`.
   */
  webDir?: string;
  /**
   * Message franking keys (docs/protocol.md §Franking): `rotationPeriodMs` (default 7 days) is how
   * long one key tags messages; `reportWindowMs` (default 90 days) how long after it retires its
   * tags still verify, after which the key is deleted.
   */
  franking?: Partial<FrankingKeyOptions>;
  /**
   * Evidence (src/evidence, docs/protocol.md §Evidence bundles): `retentionMs` (default 90 days)
   * is how long reported content is kept after a report (holds extend it); `retentionIntervalMs`
   * (default 1 hour) how often the retention job deletes expired content.
   */
  evidence?: { retentionMs?: number; retentionIntervalMs?: number };
}

/** Send-buffer bounds of one WebSocket (see `ServerConfig.wsSendBuffer`). */
export interface WsSendBufferOptions {
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
  readonly maxBufferedBytes: number;
  readonly stallTimeoutMs: number;
}

/** The configuration with every default filled in, parsed once at start. */
export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly storage: StorageConfig;
  readonly attachmentMaxBytes: number;
  readonly groupCommit: GroupCommitOptions;
  readonly logLevel: Level | 'silent';
  readonly logDestination: DestinationStream | undefined;
  readonly clock: Clock;
  readonly bus: Bus | undefined;
  readonly nats: { readonly url: string; readonly subjectPrefix?: string } | undefined;
  readonly cleanupIntervalMs: number;
  readonly idempotencyWindowMs: number;
  readonly wsAuthTimeoutMs: number;
  readonly transparencyLog: TransparencyLogOptions;
  readonly moderation: ModerationOptions;
  readonly rateLimit:
    | {
        readonly device: BucketOptions;
        readonly accountCreation: BucketOptions;
        readonly maxKeys: number;
        readonly account: BucketOptions;
      }
    | undefined;
  readonly wsSendBuffer: WsSendBufferOptions;
  readonly wsMaxInFlightSends: number;
  readonly webDir: string | undefined;
  readonly franking: FrankingKeyOptions;
  readonly evidence: { readonly retentionMs: number; readonly retentionIntervalMs: number };
}

function positiveRate(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`server config: ${what} must be a positive number`);
  return value;
}

function bucket(value: Partial<BucketOptions> | undefined, fallback: BucketOptions, what: string): BucketOptions {
  return Object.freeze({
    burst: positiveInt(value?.burst, fallback.burst, `${what}.burst`),
    perSecond: positiveRate(value?.perSecond, fallback.perSecond, `${what}.perSecond`),
  });
}

function positiveInt(value: number | undefined, fallback: number, what: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min)
    throw new TypeError(`server config: ${what} must be an integer ≥ ${min}`);
  return value;
}

/** Validates `config` and fills defaults; throws a TypeError naming the bad field. */
export function resolveConfig(config: ServerConfig): ResolvedConfig {
  const storage = config.storage;
  if (storage === undefined || (storage.dialect !== 'sqlite' && storage.dialect !== 'postgres')) {
    throw new TypeError('server config: storage.dialect must be sqlite or postgres');
  }
  if (storage.dialect === 'sqlite' && (typeof storage.dataDir !== 'string' || storage.dataDir === '')) {
    throw new TypeError('server config: storage.dataDir is required for sqlite');
  }
  if (storage.dialect === 'postgres' && (typeof storage.url !== 'string' || storage.url === '')) {
    throw new TypeError('server config: storage.url is required for postgres');
  }
  if (config.nats !== undefined && (typeof config.nats.url !== 'string' || config.nats.url === '')) {
    throw new TypeError('server config: nats.url must be a nats:// URL');
  }
  return Object.freeze({
    host: config.host ?? '127.0.0.1',
    port: positiveInt(config.port, 8080, 'port', 0),
    storage: Object.freeze({ ...storage }),
    attachmentMaxBytes: positiveInt(config.attachmentMaxBytes, LIMITS.attachmentDefaultMaxBytes, 'attachmentMaxBytes'),
    groupCommit: Object.freeze({
      maxBatch: positiveInt(config.groupCommit?.maxBatch, DEFAULT_GROUP_COMMIT.maxBatch, 'groupCommit.maxBatch'),
      maxDelayMs: positiveInt(
        config.groupCommit?.maxDelayMs,
        DEFAULT_GROUP_COMMIT.maxDelayMs,
        'groupCommit.maxDelayMs',
        0,
      ),
    }),
    logLevel: config.log?.level ?? 'info',
    logDestination: config.log?.destination,
    clock: config.clock ?? systemClock,
    bus: config.bus,
    nats: config.nats === undefined ? undefined : Object.freeze({ ...config.nats }),
    cleanupIntervalMs: positiveInt(config.cleanupIntervalMs, 60_000, 'cleanupIntervalMs'),
    idempotencyWindowMs: positiveInt(config.idempotencyWindowMs, 7 * 24 * 3600_000, 'idempotencyWindowMs'),
    wsAuthTimeoutMs: positiveInt(config.wsAuthTimeoutMs, LIMITS.wsAuthTimeoutMs, 'wsAuthTimeoutMs'),
    transparencyLog: Object.freeze({ ...config.transparencyLog }),
    moderation: Object.freeze({
      ...config.moderation,
      leaseMs: positiveInt(config.moderation?.leaseMs, 15 * 60_000, 'moderation.leaseMs'),
    }),
    rateLimit:
      config.rateLimit === false
        ? undefined
        : Object.freeze({
            device: bucket(config.rateLimit?.device, { burst: 300, perSecond: 100 }, 'rateLimit.device'),
            accountCreation: bucket(
              config.rateLimit?.accountCreation,
              { burst: 100, perSecond: 2 },
              'rateLimit.accountCreation',
            ),
            maxKeys: positiveInt(config.rateLimit?.maxKeys, 100_000, 'rateLimit.maxKeys'),
            account: bucket(config.rateLimit?.account, { burst: 600, perSecond: 200 }, 'rateLimit.account'),
          }),
    wsSendBuffer: resolveSendBuffer(config.wsSendBuffer),
    wsMaxInFlightSends: positiveInt(config.wsMaxInFlightSends, LIMITS.wsMaxInFlightSends, 'wsMaxInFlightSends'),
    webDir: config.webDir,
    franking: Object.freeze({
      rotationPeriodMs: positiveInt(
        config.franking?.rotationPeriodMs,
        DEFAULT_FRANKING_ROTATION_MS,
        'franking.rotationPeriodMs',
      ),
      reportWindowMs: positiveInt(
        config.franking?.reportWindowMs,
        DEFAULT_FRANKING_REPORT_WINDOW_MS,
        'franking.reportWindowMs',
      ),
    }),
    evidence: Object.freeze({
      retentionMs: positiveInt(config.evidence?.retentionMs, 90 * 24 * 3600_000, 'evidence.retentionMs'),
      retentionIntervalMs: positiveInt(config.evidence?.retentionIntervalMs, 3600_000, 'evidence.retentionIntervalMs'),
    }),
  });
}

function resolveSendBuffer(value: Partial<WsSendBufferOptions> | undefined): WsSendBufferOptions {
  const highWaterBytes = positiveInt(value?.highWaterBytes, 1024 * 1024, 'wsSendBuffer.highWaterBytes');
  const lowWaterBytes = positiveInt(
    value?.lowWaterBytes,
    Math.floor(highWaterBytes / 4),
    'wsSendBuffer.lowWaterBytes',
    0,
  );
  const maxBufferedBytes = positiveInt(value?.maxBufferedBytes, highWaterBytes * 4, 'wsSendBuffer.maxBufferedBytes');
  if (lowWaterBytes >= highWaterBytes || maxBufferedBytes < highWaterBytes) {
    throw new TypeError('server config: wsSendBuffer needs lowWaterBytes < highWaterBytes ≤ maxBufferedBytes');
  }
  return Object.freeze({
    highWaterBytes,
    lowWaterBytes,
    maxBufferedBytes,
    stallTimeoutMs: positiveInt(value?.stallTimeoutMs, 10_000, 'wsSendBuffer.stallTimeoutMs'),
  });
}
