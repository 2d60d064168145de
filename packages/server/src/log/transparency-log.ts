import type { Database } from '../db/database.js';
import { Integrator, type IntegrationOutcome } from './integrator.js';
import { KeyTransparencyLogger } from './key-transparency.js';
import { type LogKeys, openLogKeys } from './log-keys.js';
import { type LogWitnessConfig, WitnessCollector, type WitnessCollectorOptions } from './witness-collector.js';

/** Transparency-log settings (`ServerConfig.transparencyLog`). */
export interface TransparencyLogOptions {
  /**
   * The checkpoint origin and note-key name, fixed when the key is created on first start
   * (default `localhost/fulcrum/log`; a later start with another origin fails).
   */
  origin?: string;
  /** How often the integrator looks for new entries (ms). Default 50. */
  integrateIntervalMs?: number;
  /** Most entries integrated under one checkpoint. Default 1024. */
  maxBatch?: number;
  /**
   * Witnesses to collect cosignatures from (c2sp.org/tlog-witness). With any configured,
   * `/log/checkpoint` serves the newest checkpoint cosigned by `witnessQuorum` of them (see
   * `WitnessCollector`); without, it serves every checkpoint as soon as it is signed.
   */
  witnesses?: readonly LogWitnessConfig[];
  /** How many configured witnesses must cosign before a checkpoint is served. Default: all. */
  witnessQuorum?: number;
  /** Retry and timeout tuning of the witness collector (tests shorten them). */
  witnessTiming?: Pick<WitnessCollectorOptions, 'requestTimeoutMs' | 'retryMs' | 'maxRetryMs' | 'pollMs'>;
  /** Serve an unwitnessed checkpoint after it waited this long (ms) for the quorum. Default: never. */
  witnessFailOpenMs?: number;
  /**
   * Re-submit an unchanged checkpoint to a witness once its cosignature is this old (ms), so the
   * served cosignature timestamps stay recent on an idle log (clients refuse checkpoints whose
   * quorum cosigned more than their `maxCheckpointAgeMs`, default 24 h, ago). Default 1 h.
   */
  witnessRefreshMs?: number;
}

/** The `log_*` tables (public log data and the log's keys). */
export const LOG_TABLE_NAMES = [
  'log_sequence',
  'log_entries',
  'log_tiles',
  'log_checkpoint',
  'log_keys',
  'log_witnesses',
  'log_witnessed_checkpoint',
] as const;

/**
 * The server's transparency log: keys, the sequencer (`appendLogEntry` / `kt`, inside callers'
 * transactions), and a background integrator that signs checkpoints in batches.
 */
export class TransparencyLog {
  readonly keys: LogKeys;
  readonly integrator: Integrator;
  readonly kt: KeyTransparencyLogger;
  /** Collects witness cosignatures; undefined when no witness is configured. */
  readonly witnesses: WitnessCollector | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #onError: (err: unknown) => void = () => {};

  private constructor(keys: LogKeys, integrator: Integrator, witnesses: WitnessCollector | undefined) {
    this.keys = keys;
    this.integrator = integrator;
    this.witnesses = witnesses;
    this.kt = new KeyTransparencyLogger(keys);
  }

  /** Opens (creating on first start) the log's keys and state. */
  static async open(db: Database, options: TransparencyLogOptions & { now: () => number }): Promise<TransparencyLog> {
    const keys = await openLogKeys(db, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      now: options.now(),
    });
    const integrator = new Integrator(db, keys, {
      now: options.now,
      ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    });
    const witnesses =
      options.witnesses === undefined || options.witnesses.length === 0
        ? undefined
        : new WitnessCollector(db, keys, {
            witnesses: options.witnesses,
            now: options.now,
            ...options.witnessTiming,
            ...(options.witnessQuorum === undefined ? {} : { quorum: options.witnessQuorum }),
            ...(options.witnessFailOpenMs === undefined ? {} : { failOpenMs: options.witnessFailOpenMs }),
            ...(options.witnessRefreshMs === undefined ? {} : { refreshMs: options.witnessRefreshMs }),
          });
    return new TransparencyLog(keys, integrator, witnesses);
  }

  /** Starts the background integrator; `onError` hears failed passes (the next tick retries). */
  start(intervalMs = 50, onError?: (err: unknown) => void): void {
    if (onError !== undefined) this.#onError = onError;
    const tick = () => {
      if (this.#stopped) return;
      this.integrator
        .integrate()
        .then((out: IntegrationOutcome) => {
          if (this.#stopped) return;
          // More pending (a full batch went through): go again at once.
          this.#timer = setTimeout(tick, out.integrated > 0 ? 0 : intervalMs).unref();
        })
        .catch((err: unknown) => {
          if (this.#stopped) return;
          this.#onError(err);
          this.#timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.#timer = setTimeout(tick, intervalMs).unref();
    this.witnesses?.start((err) => this.#onError(err));
  }

  /** Stops the background integrator and waits for a running pass. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.witnesses?.stop();
    await this.integrator.integrate().catch(() => undefined);
  }
}
