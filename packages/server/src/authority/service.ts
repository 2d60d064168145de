/**
 * The authority part of the server: `enqueueAuthorityReports` (moderation's hook, inside its
 * transaction) and the delivery worker that sends queued deliveries with retries, exponential
 * backoff and idempotency, recording every request and what came back.
 *
 * Exactly once, per transport:
 * - file: the file is named after the delivery's idempotency key and appears atomically (temp
 *   file, fsync, rename); a retry after a crash rewrites the same name.
 * - https: the request carries `Idempotency-Key`; a receiver that honours it keeps one copy.
 * - cybertipline_api: NCMEC's API has no idempotency key, so the reportId `/submit` returns is
 *   stored before anything else happens, and a retry resumes after the last step done (each
 *   upload's fileId, each fileinfo, finish). The one window left: a crash after NCMEC accepted
 *   `/submit` but before its answer was stored; the retry then opens a second report, which the
 *   first, never finished, leaves open on NCMEC's side (documented in docs/architecture.md).
 *
 * Logs carry the delivery id, kind, transport, state, attempt count and HTTP status only: never
 * a payload, a hash or content.
 */
import { createHash } from 'node:crypto';
import { buildCyberTiplineEvidenceFileDetails, buildCyberTiplineFileDetails } from '@fulcrum/authority-reports';
import { type Clock, isFulcrumError } from '@fulcrum/common';
import type { Database, Tx } from '../db/database.js';
import type { AuthorityDeliveryState } from '../db/tables/authority-deliveries.js';
import { getReport, listReportFiles, listReportMessages } from '../reports/store.js';
import { CyberTiplineClient } from './cybertipline-client.js';
import { resolveCredentials } from './destinations.js';
import { VERIFIED_MESSAGES_FILE, verifiedMessagesFile } from './evidence-file.js';
import { type EnqueueInput, type EnqueueResult, enqueueAuthorityReports } from './enqueue.js';
import { isRetryable, serverAuthorityError } from './errors.js';
import { type AuthorityOptions, type ResolvedAuthorityOptions, backoffMs, resolveAuthorityOptions } from './options.js';
import { type SendResult, dropFile, postPayload } from './transports.js';

export interface AuthorityLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

const silent: AuthorityLogger = { info() {}, warn() {} };

/** Progress of a CyberTipline submission, by file position. */
interface CyberTiplineProgress {
  files: Record<string, { fileId?: string; info?: boolean }>;
  finished?: boolean;
}

export interface DeliveryRecord {
  id: string;
  authorityReportId: string;
  reportId: string;
  kind: string;
  destinationId: string;
  transport: string;
  idempotencyKey: string;
  state: AuthorityDeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
  responseStatus: number | null;
  responseDigest: string | null;
  lastError: string | null;
  remoteReportId: string | null;
}

export class AuthorityService {
  readonly options: ResolvedAuthorityOptions;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #log: AuthorityLogger;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<number> | undefined;

  constructor(db: Database, options: AuthorityOptions, clock: Clock, log: AuthorityLogger = silent) {
    this.#db = db;
    this.options = resolveAuthorityOptions(options);
    this.#clock = clock;
    this.#log = log;
  }

  /** Moderation's hook (decision 0004): build and queue, inside the caller's transaction. */
  async enqueueAuthorityReports(tx: Tx, input: EnqueueInput): Promise<void> {
    await this.enqueue(tx, input);
  }

  /** The same, returning what was built (tests, CLI). */
  enqueue(tx: Tx, input: EnqueueInput): Promise<EnqueueResult> {
    return enqueueAuthorityReports(tx, input, this.options, this.#clock.now());
  }

  /** Starts the worker: every `intervalMs`, sends what is due. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#tick();
    }, this.options.intervalMs);
    this.#timer.unref();
    this.#tick();
  }

  #tick(): void {
    this.#running ??= this.runDueOnce()
      .catch((err) => {
        this.#log.warn({ err: isFulcrumError(err) ? err.code : 'internal' }, 'authority delivery run failed');
        return 0;
      })
      .finally(() => {
        this.#running = undefined;
      });
  }

  /** Stops the worker and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Deletes the payloads that carry reported content (cybertipline, art18) of reports whose
   * content was deleted under the retention policy, once none of their deliveries is still
   * pending or being sent. The statement of reasons carries no content and stays. Returns how many.
   */
  async purgeDeletedContent(): Promise<number> {
    const now = this.#clock.now();
    // The worker calls this on every tick: look before opening a write transaction, so an idle
    // server does not commit (and on SQLite fsync) once per interval for nothing.
    const candidate = await this.#db.kysely
      .selectFrom('authority_reports')
      .select('authority_reports.id')
      .where('kind', 'in', ['cybertipline', 'art18'])
      .where('payload', 'is not', null)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('reports')
            .select('reports.id')
            .whereRef('reports.id', '=', 'authority_reports.report_id')
            .where('reports.content_deleted_at', 'is not', null),
        ),
      )
      .limit(1)
      .executeTakeFirst();
    if (candidate === undefined) return 0;
    return this.#db.transaction(async (tx) => {
      const r = await tx.db
        .updateTable('authority_reports')
        .set({ payload: null, payload_deleted_at: now })
        .where('kind', 'in', ['cybertipline', 'art18'])
        .where('payload', 'is not', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('reports')
              .select('reports.id')
              .whereRef('reports.id', '=', 'authority_reports.report_id')
              .where('reports.content_deleted_at', 'is not', null),
          ),
        )
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('authority_deliveries')
                .select('authority_deliveries.id')
                .whereRef('authority_deliveries.authority_report_id', '=', 'authority_reports.id')
                .where('authority_deliveries.state', 'in', ['pending', 'sending']),
            ),
          ),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    });
  }

  /** Claims and sends every due delivery once (then purges deleted content); returns how many were attempted. */
  async runDueOnce(): Promise<number> {
    const attempted = await this.#sendDue();
    await this.purgeDeletedContent();
    return attempted;
  }

  async #sendDue(): Promise<number> {
    const now = this.#clock.now();
    const due = await this.#db.kysely
      .selectFrom('authority_deliveries')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('state', '=', 'sending'), eb('lease_until', '<', now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .limit(20)
      .execute();
    let attempted = 0;
    for (const { id } of due) {
      if (await this.#claim(id, now)) {
        attempted++;
        await this.#deliver(id);
      }
    }
    return attempted;
  }

  /** Takes the delivery's lease and counts the attempt; false if another worker has it. */
  async #claim(id: string, now: number): Promise<boolean> {
    return this.#db.transaction(async (tx) => {
      const r = await tx.db
        .updateTable('authority_deliveries')
        .set((eb) => ({
          state: 'sending',
          lease_until: now + this.options.leaseMs,
          attempts: eb('attempts', '+', 1),
          last_attempt_at: now,
          updated_at: now,
        }))
        .where('id', '=', id)
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('state', '=', 'sending'), eb('lease_until', '<', now)]),
          ]),
        )
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  }

  async #record(deliveryId: string, step: string, r: { status: number; digest: string } | null, error: string | null) {
    await this.#db.transaction(async (tx) => {
      const last = await tx.db
        .selectFrom('authority_delivery_attempts')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('delivery_id', '=', deliveryId)
        .executeTakeFirst();
      await tx.db
        .insertInto('authority_delivery_attempts')
        .values({
          delivery_id: deliveryId,
          seq: Number(last?.seq ?? 0) + 1,
          step,
          at: this.#clock.now(),
          response_status: r?.status ?? null,
          response_digest: r?.digest ?? null,
          error,
        })
        .execute();
    });
  }

  /** Runs one step, recording it; a failure is recorded with its code and rethrown. */
  async #step<T extends { status: number; digest: string }>(
    deliveryId: string,
    step: string,
    f: () => Promise<T>,
  ): Promise<T> {
    try {
      const r = await f();
      await this.#record(deliveryId, step, r, null);
      return r;
    } catch (err) {
      const code = isFulcrumError(err) ? err.code : 'authority.unavailable';
      const status = isFulcrumError(err) && typeof err.detail?.status === 'number' ? err.detail.status : null;
      await this.#record(deliveryId, step, status === null ? null : { status, digest: '' }, code);
      throw err;
    }
  }

  async #deliver(id: string): Promise<void> {
    const row = await this.#db.kysely
      .selectFrom('authority_deliveries as d')
      .innerJoin('authority_destinations as t', 't.id', 'd.destination_id')
      .innerJoin('authority_reports as r', 'r.id', 'd.authority_report_id')
      .select([
        'd.id',
        'd.idempotency_key',
        'd.attempts',
        'd.remote_report_id',
        'd.remote_progress',
        't.transport',
        't.target',
        't.credentials_ref',
        'r.kind',
        'r.report_id',
        'r.media_type',
        'r.payload',
      ])
      .where('d.id', '=', id)
      .executeTakeFirstOrThrow();
    const attempts = Number(row.attempts);
    try {
      if (row.payload === null) throw serverAuthorityError('authority.rejected', 'nothing to send');
      let last: SendResult | { status: number; digest: string };
      if (row.transport === 'file') {
        last = await this.#step(id, 'file', () =>
          dropFile(row.target, row.idempotency_key, row.media_type, row.payload!),
        );
      } else if (row.transport === 'https') {
        const credentials = resolveCredentials(row.credentials_ref, this.options.env);
        last = await this.#step(id, 'post', () =>
          postPayload(
            row.target,
            row.idempotency_key,
            row.media_type,
            row.payload!,
            credentials,
            this.options.requestTimeoutMs,
          ),
        );
      } else {
        last = await this.#cybertipline(
          id,
          row.target,
          row.credentials_ref,
          row.report_id,
          row.payload,
          row.remote_report_id,
          row.remote_progress,
        );
      }
      const now = this.#clock.now();
      await this.#db.transaction(async (tx) => {
        await tx.db
          .updateTable('authority_deliveries')
          .set({
            state: 'delivered',
            delivered_at: now,
            lease_until: null,
            response_status: last.status,
            response_digest: last.digest,
            last_error: null,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
      });
      this.#log.info(
        { delivery: id, kind: row.kind, transport: row.transport, attempts },
        'authority report delivered',
      );
    } catch (err) {
      const code = isFulcrumError(err) ? err.code : 'authority.unavailable';
      const retry = isRetryable(err) && attempts < this.options.maxAttempts;
      const now = this.#clock.now();
      const state: AuthorityDeliveryState = retry ? 'pending' : 'failed';
      const status = isFulcrumError(err) && typeof err.detail?.status === 'number' ? err.detail.status : null;
      await this.#db.transaction(async (tx) => {
        await tx.db
          .updateTable('authority_deliveries')
          .set({
            state,
            lease_until: null,
            next_attempt_at: retry ? now + backoffMs(this.options, attempts) : now,
            last_error: code,
            ...(status === null ? {} : { response_status: status }),
            updated_at: now,
          })
          .where('id', '=', id)
          .where('state', '=', 'sending')
          .execute();
      });
      this.#log.warn(
        { delivery: id, kind: row.kind, transport: row.transport, attempts, state, error: code },
        'authority delivery failed',
      );
    }
  }

  async #saveProgress(id: string, patch: { remote_report_id?: string; remote_progress?: string }): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.db
        .updateTable('authority_deliveries')
        .set({ ...patch, updated_at: this.#clock.now() })
        .where('id', '=', id)
        .execute();
    });
  }

  /** submit → upload + fileinfo per file → finish, resuming after the last step stored. */
  async #cybertipline(
    id: string,
    baseUrl: string,
    credentialsRef: string | null,
    reportId: string,
    reportXml: string,
    remoteReportIdIn: string | null,
    progressIn: string | null,
  ): Promise<{ status: number; digest: string }> {
    const credentials = resolveCredentials(credentialsRef, this.options.env);
    if (credentials === null)
      throw serverAuthorityError('authority.no_credentials', 'the CyberTipline API needs credentials');
    const client = new CyberTiplineClient(baseUrl, credentials, this.options.requestTimeoutMs);
    const progress: CyberTiplineProgress =
      progressIn === null ? { files: {} } : (JSON.parse(progressIn) as CyberTiplineProgress);
    let remoteReportId = remoteReportIdIn;
    if (remoteReportId === null) {
      const { reportId: rid } = await this.#step(id, 'submit', async () => {
        const r = await client.submit(reportXml);
        return { ...r, status: r.res.status, digest: r.res.digest };
      });
      remoteReportId = rid;
      await this.#saveProgress(id, { remote_report_id: rid, remote_progress: JSON.stringify(progress) });
    }
    const rid = remoteReportId;
    if (progress.finished !== true) {
      const files = await listReportFiles(this.#db.kysely, reportId);
      const messages = await listReportMessages(this.#db.kysely, reportId);
      const viewed =
        (await this.#db.kysely
          .selectFrom('moderation_audit')
          .select('id')
          .where('report_id', '=', reportId)
          .where('action', '=', 'reveal')
          .executeTakeFirst()) !== undefined;
      for (const f of files) {
        const key = String(f.position);
        const p = progress.files[key] ?? {};
        progress.files[key] = p;
        if (p.fileId === undefined) {
          if (f.content === null)
            throw serverAuthorityError('authority.content_deleted', 'the file was deleted before upload');
          const content = f.content;
          const up = await this.#step(id, `upload:${key}`, async () => {
            const r = await client.upload(rid, f.name, f.mediaType, content);
            return { ...r, status: r.res.status, digest: r.res.digest };
          });
          p.fileId = up.fileId;
          await this.#saveProgress(id, { remote_progress: JSON.stringify(progress) });
        }
        if (p.info !== true) {
          const message = messages.find((m) => m.position === f.position);
          if (message === undefined) throw serverAuthorityError('authority.rejected', 'file without its message');
          const fileId = p.fileId;
          const xml = buildCyberTiplineFileDetails({
            reportId: rid,
            fileId,
            file: f,
            message: { ...message },
            viewedByStaff: viewed,
          });
          await this.#step(id, `fileinfo:${key}`, () => client.fileInfo(xml));
          p.info = true;
          await this.#saveProgress(id, { remote_progress: JSON.stringify(progress) });
        }
      }
      // The verified messages (with their franking openings) as an evidence file.
      const report = await getReport(this.#db.kysely, reportId);
      if (report === undefined) throw serverAuthorityError('authority.report_not_found', 'no such report');
      const m = progress.files.messages ?? {};
      progress.files.messages = m;
      const bytes = verifiedMessagesFile(report, messages);
      if (m.fileId === undefined) {
        const up = await this.#step(id, 'upload:messages', async () => {
          const r = await client.upload(rid, VERIFIED_MESSAGES_FILE, 'application/json', bytes);
          return { ...r, status: r.res.status, digest: r.res.digest };
        });
        m.fileId = up.fileId;
        await this.#saveProgress(id, { remote_progress: JSON.stringify(progress) });
      }
      if (m.info !== true) {
        const xml = buildCyberTiplineEvidenceFileDetails({
          reportId: rid,
          fileId: m.fileId,
          name: VERIFIED_MESSAGES_FILE,
          md5: new Uint8Array(createHash('md5').update(bytes).digest()),
          sha256: new Uint8Array(createHash('sha256').update(bytes).digest()),
          uploadedAt: report.createdAt,
          relevance: 'Reported',
          viewedByStaff: viewed,
          description:
            'Assembled by the platform: the reported and context messages as the reporter revealed them, ' +
            'each with its franking opening (content bytes, franking key, commitment, server tag and context), ' +
            'verified by the platform before moderation. Format fulcrum.verified-messages/1.',
        });
        await this.#step(id, 'fileinfo:messages', () => client.fileInfo(xml));
        m.info = true;
        await this.#saveProgress(id, { remote_progress: JSON.stringify(progress) });
      }
    }
    const done = await this.#step(id, 'finish', () => client.finish(rid));
    progress.finished = true;
    await this.#saveProgress(id, { remote_progress: JSON.stringify(progress) });
    return done;
  }

  /**
   * Cancels a delivery that is not delivered yet. A CyberTipline submission already opened
   * (reportId stored) is retracted with `/retract`; anything else just stops (`cancelled`).
   * A delivery being sent right now is refused (`authority.unavailable`: try again).
   */
  async cancelDelivery(id: string): Promise<AuthorityDeliveryState> {
    const now = this.#clock.now();
    const row = await this.#db.kysely
      .selectFrom('authority_deliveries as d')
      .innerJoin('authority_destinations as t', 't.id', 'd.destination_id')
      .select([
        'd.state',
        'd.lease_until',
        'd.remote_report_id',
        'd.remote_progress',
        't.transport',
        't.target',
        't.credentials_ref',
      ])
      .where('d.id', '=', id)
      .executeTakeFirst();
    if (row === undefined) throw serverAuthorityError('authority.delivery_not_found', 'no such delivery');
    if (row.state === 'delivered' || row.state === 'cancelled' || row.state === 'retracted') {
      throw serverAuthorityError('authority.rejected', `the delivery is already ${row.state}`);
    }
    if (row.state === 'sending' && Number(row.lease_until) >= now) {
      throw serverAuthorityError('authority.unavailable', 'the delivery is being sent; try again');
    }
    let state: AuthorityDeliveryState = 'cancelled';
    if (row.transport === 'cybertipline_api' && row.remote_report_id !== null) {
      const credentials = resolveCredentials(row.credentials_ref, this.options.env);
      if (credentials === null)
        throw serverAuthorityError('authority.no_credentials', 'the CyberTipline API needs credentials');
      const client = new CyberTiplineClient(row.target, credentials, this.options.requestTimeoutMs);
      const rid = row.remote_report_id;
      await this.#step(id, 'retract', () => client.retract(rid));
      state = 'retracted';
    }
    await this.#db.transaction(async (tx) => {
      await tx.db
        .updateTable('authority_deliveries')
        .set({ state, lease_until: null, updated_at: this.#clock.now() })
        .where('id', '=', id)
        .execute();
    });
    return state;
  }

  /** The deliveries of a report (or all), newest first. */
  async listDeliveries(reportId?: string): Promise<DeliveryRecord[]> {
    let q = this.#db.kysely
      .selectFrom('authority_deliveries as d')
      .innerJoin('authority_reports as r', 'r.id', 'd.authority_report_id')
      .innerJoin('authority_destinations as t', 't.id', 'd.destination_id')
      .select([
        'd.id',
        'd.authority_report_id',
        'r.report_id',
        'r.kind',
        'd.destination_id',
        't.transport',
        'd.idempotency_key',
        'd.state',
        'd.attempts',
        'd.next_attempt_at',
        'd.last_attempt_at',
        'd.delivered_at',
        'd.response_status',
        'd.response_digest',
        'd.last_error',
        'd.remote_report_id',
      ]);
    if (reportId !== undefined) q = q.where('r.report_id', '=', reportId);
    const rows = await q.orderBy('d.created_at', 'desc').orderBy('d.id').execute();
    const n = (v: unknown) => (v === null ? null : Number(v));
    return rows.map((r) => ({
      id: r.id,
      authorityReportId: r.authority_report_id,
      reportId: r.report_id,
      kind: r.kind,
      destinationId: r.destination_id,
      transport: r.transport,
      idempotencyKey: r.idempotency_key,
      state: r.state,
      attempts: Number(r.attempts),
      nextAttemptAt: Number(r.next_attempt_at),
      lastAttemptAt: n(r.last_attempt_at),
      deliveredAt: n(r.delivered_at),
      responseStatus: n(r.response_status),
      responseDigest: r.response_digest,
      lastError: r.last_error,
      remoteReportId: r.remote_report_id,
    }));
  }
}
