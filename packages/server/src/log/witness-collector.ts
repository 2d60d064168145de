import { constantTimeEqual } from '@fulcrum/common';
import {
  createConsistencyProof,
  cosignatureTimestamp,
  createTileHashReader,
  formatAddCheckpointBody,
  formatSignatureLine,
  type NoteVerifier,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE,
  verifyCheckpoint,
} from '@fulcrum/tlog';
import type { Database } from '../db/database.js';
import { toDbBytes } from '../db/database.js';
import { createDbTileSource } from './db-tile-source.js';
import type { LogKeys } from './log-keys.js';

/** A witness the log submits its checkpoints to (`TransparencyLogOptions.witnesses`). */
export interface LogWitnessConfig {
  /** A local label (shown at `/log/witnesses`); unique among the configured witnesses. */
  readonly name: string;
  /** The witness's C2SP verifier key, cosignature/v1 (0x04) or ML-DSA-44 subtree/v1 (0x06): `<name>+<keyid>+<base64>`. */
  readonly vkey: string;
  /** The witness's base URL; the log POSTs to `<url>/add-checkpoint` (c2sp.org/tlog-witness). */
  readonly url: string;
}

/** How the log collects cosignatures (see `WitnessCollector`). */
export interface WitnessCollectorOptions {
  readonly witnesses: readonly LogWitnessConfig[];
  /**
   * How many configured witnesses must have cosigned a checkpoint before it is served at
   * `/log/checkpoint` (1 ≤ quorum ≤ witnesses). Default: all of them.
   */
  readonly quorum?: number;
  /** Per-request timeout (ms). Default 10 000. */
  readonly requestTimeoutMs?: number;
  /** First retry delay after a failed attempt (ms), doubling up to `maxRetryMs`. Default 1000. */
  readonly retryMs?: number;
  /** Longest retry delay (ms). Default 60 000. */
  readonly maxRetryMs?: number;
  /**
   * Fail open: if the latest signed checkpoint has waited this long (ms) without reaching the
   * quorum, serve it anyway with the cosignatures it has (possibly none), so a witness outage
   * degrades to "not witnessed" (clients with a witness policy refuse it) instead of freezing
   * the served log. Default: never (hold until the quorum is met).
   */
  readonly failOpenMs?: number;
  /** How often to look for a checkpoint to submit (ms). Default 100. */
  readonly pollMs?: number;
  /**
   * Re-submit the checkpoint a witness already cosigned once its cosignature was stored this
   * long ago (ms) and the log has not grown since, so the served note keeps carrying recent
   * cosignature timestamps: clients that bound a checkpoint's age by them (key transparency's
   * `maxCheckpointAgeMs`, default 24 h) would otherwise refuse an idle log. The witness answers
   * `old <size>` for its own size and root with a new cosignature (c2sp.org/tlog-witness).
   * Default 3 600 000 (1 h).
   */
  readonly refreshMs?: number;
}

/** Default `WitnessCollectorOptions.refreshMs`: 1 hour. */
export const DEFAULT_WITNESS_REFRESH_MS = 60 * 60 * 1000;

/** A configured witness, parsed. */
interface Witness {
  readonly name: string;
  readonly vkey: string;
  readonly url: string;
  readonly verifier: NoteVerifier;
}

/** What a process remembers about a failing witness, to back off. */
interface Backoff {
  failures: number;
  nextAttemptAt: number;
}

/** The latest signed checkpoint (`log_checkpoint`). */
interface Latest {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
  readonly updatedAt: number;
}

/** One witness's row of `/log/witnesses`. */
export interface WitnessStatus {
  readonly name: string;
  readonly vkey: string;
  readonly url: string;
  /** Size of the latest checkpoint it cosigned for this log (null: none yet). */
  readonly cosignedSize: number | null;
  /** When the log stored that cosignature (ms since the epoch). */
  readonly cosignedAt: number | null;
  /** The cosignature's own timestamp (seconds, c2sp.org/tlog-cosignature). */
  readonly cosignatureTimestamp: number | null;
  /** Outcome of the last failed attempt (`unreachable`, `timeout`, `http_<status>`, `conflict`, `bad_cosignature`, `response_too_large`); null once it succeeds again. */
  readonly lastError: string | null;
  readonly lastAttemptAt: number | null;
}

/** Parses and checks the configured witnesses (unique names and keys, cosignature/v1 keys, http(s) URLs). */
export function parseLogWitnesses(list: readonly LogWitnessConfig[]): Witness[] {
  const names = new Set<string>();
  const keys = new Set<string>();
  return list.map((w) => {
    if (typeof w.name !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(w.name)) {
      throw new Error('a witness name is 1-64 printable ASCII characters without spaces');
    }
    if (names.has(w.name)) throw new Error(`witness ${w.name} is configured twice`);
    names.add(w.name);
    const verifier = parseVerifierKey(w.vkey);
    if (verifier.type !== SIGNATURE_TYPE.cosignatureV1 && verifier.type !== SIGNATURE_TYPE.mlDsa44Subtree) {
      throw new Error(`witness ${w.name}: the key is not a witness key (cosignature/v1 0x04 or subtree/v1 0x06)`);
    }
    if (keys.has(w.vkey)) throw new Error(`witness ${w.name}: this key is configured twice`);
    keys.add(w.vkey);
    let url: URL;
    try {
      url = new URL(w.url);
    } catch {
      throw new Error(`witness ${w.name}: invalid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`witness ${w.name}: URL must be http(s)`);
    return { name: w.name, vkey: w.vkey, url: w.url.replace(/\/+$/, ''), verifier };
  });
}

/** A failed submission, with the short code recorded in `log_witnesses.last_error`. */
class SubmitFailure extends Error {
  /** `record: false`: back off but do not report it (not the witness's fault). */
  constructor(
    readonly outcome: string,
    readonly record = true,
  ) {
    super(outcome);
  }
}

const MAX_RESPONSE_BYTES = 64 * 1024;
/** c2sp.org/tlog-witness: on 409 retry from the witness's size; a few rounds cover racing processes. */
const MAX_CONFLICT_RETRIES = 3;

/**
 * Collects witness cosignatures (c2sp.org/tlog-witness, the log's side) and maintains the
 * checkpoint served at `/log/checkpoint`.
 *
 * Each tick reads the latest signed checkpoint; every configured witness that has not cosigned
 * it (and is not backing off) gets an `add-checkpoint` request with `old <size it last cosigned
 * for us>` and a consistency proof from that size, built from our tiles. A 409 names the
 * witness's latest size: we retry from it (as the spec says), so a witness whose state we do not
 * know — another process submitted, our row was lost, it was restored — catches up by itself.
 * Each returned cosignature is verified against the witness's configured key before it is kept.
 *
 * Serving policy (Tessera's: publish once the witness policy is met): the served checkpoint is
 * the newest one cosigned by at least `quorum` configured witnesses, with every cosignature
 * collected for it; at the same size it gains lines as late witnesses answer. The log itself
 * never waits: appends are acknowledged and checkpoints signed regardless; only what is served
 * lags while witnesses are down (or, with `failOpenMs`, is served unwitnessed after that delay).
 *
 * Several processes on one PostgreSQL each run this loop; duplicates are harmless: a witness
 * answers a duplicate with 409 and the retry from its size re-cosigns the same checkpoint; rows
 * only move forward (`cosigned_size` grows; the served checkpoint is compare-and-set).
 */
export class WitnessCollector {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #witnesses: readonly Witness[];
  readonly #quorum: number;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #failOpenMs: number | undefined;
  readonly #pollMs: number;
  readonly #refreshMs: number;
  readonly #logVerifier: NoteVerifier;
  readonly #backoff = new Map<string, Backoff>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(db: Database, keys: LogKeys, options: WitnessCollectorOptions & { now: () => number }) {
    this.#db = db;
    this.#logVerifier = parseVerifierKey(keys.vkey);
    this.#now = options.now;
    this.#witnesses = parseLogWitnesses(options.witnesses);
    if (this.#witnesses.length === 0) throw new Error('a witness collector needs at least one witness');
    this.#quorum = options.quorum ?? this.#witnesses.length;
    if (!Number.isInteger(this.#quorum) || this.#quorum < 1 || this.#quorum > this.#witnesses.length) {
      throw new Error(`witness quorum must be 1..${this.#witnesses.length}`);
    }
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#retryMs = options.retryMs ?? 1000;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
    this.#failOpenMs = options.failOpenMs;
    this.#pollMs = options.pollMs ?? 100;
    this.#refreshMs = options.refreshMs ?? DEFAULT_WITNESS_REFRESH_MS;
    if (!(this.#refreshMs > 0)) throw new Error('witness refresh interval must be > 0 ms');
  }

  get quorum(): number {
    return this.#quorum;
  }

  /** Starts the background loop; `onError` hears unexpected failures (storage); the next tick retries. */
  start(onError: (err: unknown) => void): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.round()
        .catch((err: unknown) => {
          if (!this.#stopped) onError(err);
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#pollMs).unref();
        });
    };
    this.#timer = setTimeout(tick, 0).unref();
  }

  /** Stops the loop, aborting requests in flight, and waits for the current round. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#running.catch(() => undefined);
  }

  /**
   * One round: submit the latest checkpoint to every witness that lacks it, or whose
   * cosignature of it is older than `refreshMs`, and is not backing off; then update the served
   * checkpoint. Exposed for tests and for `stop()`.
   */
  async round(): Promise<void> {
    const latest = await this.#latest();
    const rows = await this.#rows();
    const now = this.#now();
    await Promise.all(
      this.#witnesses.map(async (w) => {
        const row = rows.get(w.vkey);
        const size = row?.cosigned_size ?? null;
        if (size !== null && size > latest.size) return; // a newer one from another process
        if (size !== null && size === latest.size) {
          // It has this one: ask again only to refresh the cosignature's timestamp.
          const fresh = row?.cosigned_at != null && now - row.cosigned_at < this.#refreshMs;
          const same = row?.cosigned_root != null && constantTimeEqual(row.cosigned_root, latest.rootHash);
          if (fresh || !same) return;
        }
        const backoff = this.#backoff.get(w.vkey);
        if (backoff !== undefined && now < backoff.nextAttemptAt) return;
        await this.#submit(w, latest, size ?? 0);
      }),
    );
    await this.#publish(latest);
  }

  async #latest(): Promise<Latest> {
    const row = await this.#db.kysely
      .selectFrom('log_checkpoint')
      .select(['size', 'root_hash', 'note', 'updated_at'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return { size: row.size, rootHash: row.root_hash, note: row.note, updatedAt: row.updated_at };
  }

  async #rows() {
    const rows = await this.#db.kysely.selectFrom('log_witnesses').selectAll().execute();
    return new Map(rows.map((r) => [r.vkey, r]));
  }

  async #submit(w: Witness, latest: Latest, knownSize: number): Promise<void> {
    let oldSize = knownSize;
    try {
      for (let attempt = 0; ; attempt++) {
        const proof =
          oldSize === 0 || oldSize === latest.size
            ? []
            : await createConsistencyProof(
                oldSize,
                latest.size,
                createTileHashReader({ treeSize: latest.size, source: createDbTileSource(this.#db.kysely) }),
              );
        const res = await this.#post(w, formatAddCheckpointBody({ oldSize, proof, checkpointNote: latest.note }));
        if (res.status === 200) {
          await this.#store(w, latest, this.#verifiedLines(w, latest, res.body));
          this.#backoff.delete(w.vkey);
          return;
        }
        if (res.status === 409) {
          // c2sp.org/tlog-witness: the body is the witness's latest size for this log.
          const text = res.body.trim();
          const theirs = /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : Number.NaN;
          if (!Number.isSafeInteger(theirs)) throw new SubmitFailure('bad_conflict_body');
          // Ahead of our latest: another process holds a newer checkpoint and will submit it (or
          // the witness knows a checkpoint this log never signed). Back off rather than re-ask.
          if (theirs > latest.size) throw new SubmitFailure('witness_ahead', false);
          if (attempt >= MAX_CONFLICT_RETRIES || theirs === oldSize) throw new SubmitFailure('conflict');
          oldSize = theirs;
          continue;
        }
        // 422: the witness holds a checkpoint our latest is not consistent with (a fork it refused).
        throw new SubmitFailure(`http_${res.status}`);
      }
    } catch (err) {
      if (this.#stopped) return;
      const outcome = err instanceof SubmitFailure ? err.outcome : 'error';
      const b = this.#backoff.get(w.vkey) ?? { failures: 0, nextAttemptAt: 0 };
      b.failures += 1;
      b.nextAttemptAt = this.#now() + Math.min(this.#retryMs * 2 ** (b.failures - 1), this.#maxRetryMs);
      this.#backoff.set(w.vkey, b);
      if (!(err instanceof SubmitFailure) || err.record) await this.#recordFailure(w, outcome);
      if (!(err instanceof SubmitFailure)) throw err;
    }
  }

  async #post(w: Witness, body: string): Promise<{ status: number; body: string }> {
    let res: Response;
    try {
      res = await fetch(`${w.url}/add-checkpoint`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)]),
        redirect: 'error',
      });
    } catch (err) {
      throw new SubmitFailure((err as { name?: string }).name === 'TimeoutError' ? 'timeout' : 'unreachable');
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_RESPONSE_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw new SubmitFailure('response_too_large');
    }
    const bytes = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (bytes.length > MAX_RESPONSE_BYTES) throw new SubmitFailure('response_too_large');
    return { status: res.status, body: new TextDecoder().decode(bytes) };
  }

  /**
   * The witness's verified signature lines on `latest`: its key must have signed (a line from
   * its key that fails, or none at all, is `bad_cosignature`); lines from other keys are dropped.
   */
  #verifiedLines(w: Witness, latest: Latest, body: string): string {
    if (body.length === 0 || !body.endsWith('\n')) throw new SubmitFailure('bad_cosignature');
    try {
      const v = verifyCheckpoint(latest.note + body, {
        logVerifiers: [this.#logVerifier],
        witnessVerifiers: [w.verifier],
      });
      const mine = v.cosignatures.filter((c) => c.verifier === w.verifier);
      if (mine.length === 0) throw new SubmitFailure('bad_cosignature');
      const lines = parseNote(latest.note + body).signatures.filter(
        (s) => s.name === w.verifier.name && s.keyId === w.verifier.keyId,
      );
      return lines.map((s) => formatSignatureLine(s)).join('');
    } catch (err) {
      if (err instanceof SubmitFailure) throw err;
      throw new SubmitFailure('bad_cosignature');
    }
  }

  /** Stores the cosignature unless the row already holds a larger size (rows only move forward). */
  async #store(w: Witness, latest: Latest, lines: string): Promise<void> {
    const now = this.#now();
    const values = {
      vkey: w.vkey,
      cosigned_size: latest.size,
      cosigned_root: toDbBytes(latest.rootHash),
      cosignature: lines,
      cosigned_at: now,
      last_error: null,
      last_attempt_at: now,
    };
    await this.#db.kysely
      .insertInto('log_witnesses')
      .values(values)
      .onConflict((oc) =>
        oc
          .column('vkey')
          .doUpdateSet({
            cosigned_size: latest.size,
            cosigned_root: toDbBytes(latest.rootHash),
            cosignature: lines,
            cosigned_at: now,
            last_error: null,
            last_attempt_at: now,
          })
          .where((eb) =>
            eb.or([
              eb('log_witnesses.cosigned_size', 'is', null),
              eb('log_witnesses.cosigned_size', '<=', latest.size),
            ]),
          ),
      )
      .execute();
  }

  async #recordFailure(w: Witness, outcome: string): Promise<void> {
    const now = this.#now();
    await this.#db.kysely
      .insertInto('log_witnesses')
      .values({
        vkey: w.vkey,
        cosigned_size: null,
        cosigned_root: null,
        cosignature: null,
        cosigned_at: null,
        last_error: outcome,
        last_attempt_at: now,
      })
      .onConflict((oc) => oc.column('vkey').doUpdateSet({ last_error: outcome, last_attempt_at: now }))
      .execute();
  }

  /**
   * Moves the served checkpoint to `latest` if enough witnesses cosigned it (or it has waited
   * `failOpenMs`), or adds late (or refreshed) cosignatures to the served one at the same size.
   */
  async #publish(latest: Latest): Promise<void> {
    const rows = await this.#rows();
    const lines: string[] = [];
    for (const w of this.#witnesses) {
      const r = rows.get(w.vkey);
      if (
        r?.cosigned_size === latest.size &&
        r.cosigned_root !== null &&
        r.cosignature !== null &&
        constantTimeEqual(r.cosigned_root, latest.rootHash)
      ) {
        lines.push(r.cosignature);
      }
    }
    const quorumMet = lines.length >= this.#quorum;
    const failOpen = this.#failOpenMs !== undefined && this.#now() - latest.updatedAt >= this.#failOpenMs;
    const note = latest.note + lines.join('');
    for (let i = 0; i < 3; i++) {
      const served = await this.#db.kysely
        .selectFrom('log_witnessed_checkpoint')
        .selectAll()
        .where('id', '=', 1)
        .executeTakeFirst();
      if (served === undefined) {
        if (!quorumMet && !failOpen) return;
        await this.#db.kysely
          .insertInto('log_witnessed_checkpoint')
          .values({
            id: 1,
            size: latest.size,
            root_hash: toDbBytes(latest.rootHash),
            note,
            cosignatures: lines.length,
            updated_at: this.#now(),
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
        continue; // re-read: another process may have inserted first
      }
      const newer = latest.size > served.size && (quorumMet || failOpen);
      const same = latest.size === served.size && constantTimeEqual(served.root_hash, latest.rootHash);
      const moreLines = same && lines.length > served.cosignatures;
      // As many lines, but not the served ones: a witness re-cosigned (refresh), newer timestamp.
      const refreshed = same && lines.length === served.cosignatures && note !== served.note;
      if (!newer && !moreLines && !refreshed) return;
      const moved = await this.#db.kysely
        .updateTable('log_witnessed_checkpoint')
        .set({
          size: latest.size,
          root_hash: toDbBytes(latest.rootHash),
          note,
          cosignatures: lines.length,
          updated_at: this.#now(),
        })
        .where('id', '=', 1)
        .where('size', '=', served.size)
        .where('cosignatures', '=', served.cosignatures)
        .where('note', '=', served.note)
        .executeTakeFirst();
      if (moved.numUpdatedRows === 1n) return;
    }
  }

  /** The `/log/witnesses` view: each configured witness and what it last cosigned. */
  async status(): Promise<WitnessStatus[]> {
    const rows = await this.#rows();
    return this.#witnesses.map((w) => {
      const r = rows.get(w.vkey);
      let timestamp: number | null = null;
      if (r?.cosignature) {
        const sig = parseNote(`x\n\n${r.cosignature}`).signatures[0];
        // c2sp.org/tlog-cosignature: an 8-byte big-endian timestamp leads the signature.
        if (sig !== undefined) timestamp = cosignatureTimestamp(sig.signature) ?? null;
      }
      return {
        name: w.name,
        vkey: w.vkey,
        url: w.url,
        cosignedSize: r?.cosigned_size ?? null,
        cosignedAt: r?.cosigned_at ?? null,
        cosignatureTimestamp: timestamp,
        lastError: r?.last_error ?? null,
        lastAttemptAt: r?.last_attempt_at ?? null,
      };
    });
  }

  /** The configured witnesses' names by verifier key (to name the cosigners of the served note). */
  names(): ReadonlyMap<string, string> {
    return new Map(this.#witnesses.map((w) => [`${w.verifier.name}\0${w.verifier.keyId}`, w.name]));
  }
}
