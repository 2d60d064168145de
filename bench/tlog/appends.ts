/**
 * Durable appends per second to the server's transparency log, on SQLite and PostgreSQL, with
 * many concurrent appenders through the server's own write path (`WriteQueue` group commit +
 * the sequencer `appendLogEntry(tx, …)`), against a baseline in the same run: one append per
 * transaction, no batching; and, per round, against operations that each take a savepoint (what
 * an append inside a registration pays). The integrator runs beside the appenders exactly as in
 * the server (`TransparencyLog.start`'s loop), and the time from an append's acknowledgement to
 * the first signed checkpoint covering it is measured. See README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ServerModule from '@fulcrum/server';
import type { Database as DatabaseT, TransparencyLog as TransparencyLogT, Tx } from '@fulcrum/server';
import { encodeLogEntry, type LogEntryEnvelope } from '@fulcrum/tlog';
import pg from 'pg';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
// `--server <…/packages/server/dist/index.js>`: measure another build of the server (e.g. an
// earlier commit, for a before/after in the same window; one without `stagedOnly` ignores it).
const SERVER_MODULE = option('--server', '');
const server: typeof ServerModule =
  SERVER_MODULE === '' ? await import('@fulcrum/server') : await import(pathToFileURL(resolve(SERVER_MODULE)).href);
const { Database, InProcessBus, TransparencyLog, WriteQueue, appendLogEntry, pgConnectionConfig } = server;
const QUICK = flag('--quick');
const ROUNDS = Number(option('--rounds', QUICK ? '1' : '3'));
const SECONDS = Number(option('--seconds', QUICK ? '1.5' : '3'));
const APPENDERS = Number(option('--appenders', '64'));
const WIDE = Number(option('--wide', '512'));
const DIALECTS = option('--dialects', 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const PG_URL = process.env.FULCRUM_TEST_POSTGRES ?? 'postgres://127.0.0.1:5432/test';
const OUT = option('--out', QUICK ? 'bench/tlog/results/appends-quick.json' : 'bench/tlog/results/appends.json');
const BODY = new Uint8Array(160).fill(7); // about the size of a key.device entry's body

const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Mode =
  | 'group-commit'
  | 'group-commit, savepoint per op'
  | 'group-commit, staged-only'
  | 'group-commit, per-entry sequencer (before)'
  | 'one-per-transaction'
  | 'batched-sequencer (bench-only)';

/**
 * The server's sequencer BEFORE it staged its rows (commit ca7377f's parent), kept here so the
 * before/after ratio is measured in the same run: an `UPDATE log_sequence … RETURNING` and an
 * `INSERT` per entry, inside the caller's savepoint.
 */
async function appendLogEntryPerEntry(tx: Tx, entry: LogEntryEnvelope): Promise<{ index: number }> {
  const bytes = encodeLogEntry(entry);
  const row = await tx.db
    .updateTable('log_sequence')
    .set((eb) => ({ next_index: eb('next_index', '+', 1) }))
    .where('id', '=', 1)
    .returning('next_index')
    .executeTakeFirstOrThrow();
  const index = row.next_index - 1;
  await tx.db
    .insertInto('log_entries')
    .values({ idx: index, entry: Buffer.from(bytes), subject: null, created_at: entry.time })
    .execute();
  return { index };
}

interface Ack {
  index: number;
  at: number;
}

/** The integrator loop of `TransparencyLog.start`, recording when each checkpoint size was signed. */
function runIntegrator(tlog: TransparencyLogT, intervalMs: number) {
  const passes: { at: number; size: number; integrated: number; ms: number }[] = [];
  let stop = false;
  const done = (async () => {
    while (!stop) {
      const t0 = performance.now();
      const out = await tlog.integrator.integrate();
      const at = performance.now();
      if (out.integrated > 0) passes.push({ at, size: out.size, integrated: out.integrated, ms: at - t0 });
      if (out.integrated === 0) await sleep(intervalMs);
    }
  })();
  return {
    passes,
    async stop() {
      stop = true;
      await done;
    },
  };
}

/**
 * BENCH-ONLY upper bound, NOT the server's code path: what a sequencer that takes a whole batch
 * at once would reach — every entry waiting is given its index by ONE `UPDATE log_sequence …
 * RETURNING` and stored by multi-row INSERTs, in one transaction, with no `WriteQueue` (no
 * per-operation promise, no 1 ms flush delay, batches of up to 4096). Same tables, same entry
 * bytes, same durability (the promise settles after the commit); the real integrator then
 * integrates these entries like any others.
 */
class BatchedSequencer {
  readonly #db: DatabaseT;
  #pending: {
    bytes: Uint8Array;
    time: number;
    resolve: (i: { index: number }) => void;
    reject: (e: unknown) => void;
  }[] = [];
  #running: Promise<void> | undefined;
  transactions = 0;

  constructor(db: DatabaseT) {
    this.#db = db;
  }

  append(entry: LogEntryEnvelope): Promise<{ index: number }> {
    const bytes = encodeLogEntry(entry);
    return new Promise((resolve, reject) => {
      this.#pending.push({ bytes, time: entry.time, resolve, reject });
      if (this.#running === undefined) this.#running = this.#run();
    });
  }

  async #run(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // let the appenders of this tick queue up
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, 4096);
      this.transactions++;
      try {
        const first = await this.#db.transaction(async (tx) => {
          const row = await tx.db
            .updateTable('log_sequence')
            .set((eb) => ({ next_index: eb('next_index', '+', batch.length) }))
            .where('id', '=', 1)
            .returning('next_index')
            .executeTakeFirstOrThrow();
          const start = row.next_index - batch.length;
          for (let k = 0; k < batch.length; k += 500) {
            await tx.db
              .insertInto('log_entries')
              .values(
                batch.slice(k, k + 500).map((p, j) => ({
                  idx: start + k + j,
                  entry: Buffer.from(p.bytes),
                  subject: null,
                  created_at: p.time,
                })),
              )
              .execute();
          }
          return start;
        });
        for (const [j, p] of batch.entries()) p.resolve({ index: first + j });
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.#running = undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface PhaseResult {
  mode: string;
  appenders: number;
  appends: number;
  seconds: number;
  perSecond: number;
  transactions: number;
  meanBatch: number;
  /** Ack → first checkpoint covering the entry (ms). */
  integrationP50: number;
  integrationP99: number;
  integrationMax: number;
  checkpointsSigned: number;
  meanEntriesPerCheckpoint: number;
  meanPassMs: number;
  /** Time to integrate what was still pending when the appenders stopped (ms). */
  drainMs: number;
}

async function phase(
  db: DatabaseT,
  tlog: TransparencyLogT,
  mode: Mode,
  appenders: number,
  seconds: number,
): Promise<PhaseResult> {
  const integrator = runIntegrator(tlog, 50);
  const writer = new WriteQueue(db); // the server's defaults (DEFAULT_GROUP_COMMIT)
  const acks: Ack[] = [];
  let time = Date.now();
  const entry = (): LogEntryEnvelope => ({ kind: 'bench.append', version: 1, time: time++, body: BODY });
  const batched = new BatchedSequencer(db);
  const append =
    mode === 'group-commit'
      ? () => writer.submit((tx) => appendLogEntry(tx, entry()))
      : mode === 'group-commit, savepoint per op'
        ? // Reading `tx.db` takes the operation's (lazy) savepoint: what an operation that writes
          // rows of its own besides the entry (a registration) pays for it.
          () =>
            writer.submit((tx) => {
              void tx.db;
              return appendLogEntry(tx, entry());
            })
        : mode === 'group-commit, staged-only'
          ? () => writer.submit((tx) => appendLogEntry(tx, entry()), { stagedOnly: true })
          : mode === 'group-commit, per-entry sequencer (before)'
            ? () => writer.submit((tx) => appendLogEntryPerEntry(tx, entry()))
            : mode === 'one-per-transaction'
              ? () => db.transaction((tx) => appendLogEntry(tx, entry()), { retries: 3 })
              : () => batched.append(entry());
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      while (performance.now() < end) {
        const { index } = await append();
        acks.push({ index, at: performance.now() });
        // A real appender is a request arriving over the network: yield to the event loop. (On
        // SQLite the write path is synchronous under its promises, so appenders that re-submit
        // from a microtask would starve every timer, the integrator's included.)
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  await writer.close();
  // The integrator commits too: count the appenders' transactions only.
  const transactions =
    mode === 'group-commit' ||
    mode === 'group-commit, savepoint per op' ||
    mode === 'group-commit, staged-only' ||
    mode === 'group-commit, per-entry sequencer (before)'
      ? writer.stats.batches
      : mode === 'one-per-transaction'
        ? acks.length
        : batched.transactions;
  const drainStart = performance.now();
  const target = acks.reduce((m, a) => Math.max(m, a.index), -1) + 1; // (no spread: 100k+ acks)
  while ((integrator.passes.at(-1)?.size ?? 0) < target) await sleep(5);
  const drainMs = performance.now() - drainStart;
  await integrator.stop();
  // Latency: the first pass whose checkpoint covers the index, minus the acknowledgement time.
  const passes = integrator.passes;
  const latencies: number[] = [];
  let p = 0;
  for (const a of [...acks].sort((x, y) => x.index - y.index)) {
    while (p < passes.length && (passes[p] as { size: number }).size <= a.index) p++;
    const pass = passes[p];
    if (pass !== undefined) latencies.push(Math.max(0, pass.at - a.at));
  }
  latencies.sort((a, b) => a - b);
  const covering = passes.filter((x) => x.at >= t0);
  return {
    mode,
    appenders,
    appends: acks.length,
    seconds: elapsed,
    perSecond: acks.length / elapsed,
    transactions,
    meanBatch: acks.length / Math.max(1, transactions),
    integrationP50: percentile(latencies, 50),
    integrationP99: percentile(latencies, 99),
    integrationMax: latencies.at(-1) ?? Number.NaN,
    checkpointsSigned: covering.length,
    meanEntriesPerCheckpoint: covering.reduce((s, x) => s + x.integrated, 0) / Math.max(1, covering.length),
    meanPassMs: covering.reduce((s, x) => s + x.ms, 0) / Math.max(1, covering.length),
    drainMs,
  };
}

async function openStorage(dialect: 'sqlite' | 'postgres') {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-tlog-'));
    const db = await Database.open({ dialect: 'sqlite', dataDir: dir }, new InProcessBus());
    return { db, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `fulcrum_bench_${Math.random().toString(16).slice(2, 10)}`;
  const db = await Database.open({ dialect: 'postgres', url: PG_URL, schema }, new InProcessBus());
  return {
    db,
    drop: async () => {
      const client = new pg.Client(pgConnectionConfig(PG_URL));
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

const results: Record<string, unknown> = {
  node: process.version,
  cpu: `${cpus()[0]?.model ?? '?'} x${cpus().length}`,
  date: new Date().toISOString(),
  server: SERVER_MODULE === '' ? '@fulcrum/server' : SERVER_MODULE,
  loadAverageAtStart: loadavg()[0],
  rounds: ROUNDS,
  secondsPerPhase: SECONDS,
  entryBodyBytes: BODY.length,
  dialects: {} as Record<string, unknown>,
};

const configs: { mode: Mode; appenders: number }[] = [
  { mode: 'one-per-transaction', appenders: APPENDERS },
  { mode: 'group-commit, savepoint per op', appenders: APPENDERS },
  { mode: 'group-commit, savepoint per op', appenders: WIDE },
  { mode: 'group-commit', appenders: APPENDERS },
  { mode: 'group-commit', appenders: WIDE },
  { mode: 'group-commit, staged-only', appenders: WIDE },
  { mode: 'batched-sequencer (bench-only)', appenders: APPENDERS },
  { mode: 'batched-sequencer (bench-only)', appenders: WIDE },
];

// `--modes a;b` runs only those modes (e.g. under `node --cpu-prof`); "vs baseline" is then the
// ratio to the first of them.
const MODES = option('--modes', '');
if (MODES !== '') {
  const keep = new Set(MODES.split(';'));
  configs.splice(0, configs.length, ...configs.filter((c) => keep.has(c.mode)));
}

for (const dialect of DIALECTS) {
  const { db, drop } = await openStorage(dialect);
  try {
    const tlog = await TransparencyLog.open(db, { now: () => Date.now(), origin: 'bench.fulcrum/log' });
    // Warm-up (JIT, pools, the first tiles).
    await phase(db, tlog, 'group-commit', APPENDERS, 0.5);
    await phase(db, tlog, 'one-per-transaction', APPENDERS, 0.3);
    const rounds: PhaseResult[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const round: PhaseResult[] = [];
      // Adjacent phases see the same load: the ratio is taken per round.
      for (const c of configs) {
        const res = await phase(db, tlog, c.mode, c.appenders, SECONDS);
        round.push(res);
        log(
          `${dialect.padEnd(8)} round ${r + 1} ${`${c.mode} x${c.appenders}`.padEnd(50)} ${fmt(res.perSecond).padStart(8)} appends/s  ` +
            `(${res.appends} in ${res.seconds.toFixed(2)} s, ${res.transactions} tx, mean batch ${fmt(res.meanBatch, 1)}; ` +
            `checkpoint p50 ${fmt(res.integrationP50)} ms p99 ${fmt(res.integrationP99)} ms)`,
        );
      }
      rounds.push(round);
    }
    const size = await tlog.integrator.sequencedSize();
    const summary = configs.map((c, k) => {
      const runs = rounds.map((round) => round[k] as PhaseResult);
      const ratios = rounds.map((round) => (round[k] as PhaseResult).perSecond / (round[0] as PhaseResult).perSecond);
      // No savepoint (a log-only operation: lazy savepoints, or staged-only) against the same
      // appenders with one savepoint per operation, per round.
      const withSavepoint = configs.findIndex(
        (x) => x.mode === 'group-commit, savepoint per op' && x.appenders === c.appenders,
      );
      const vsSavepoint =
        (c.mode === 'group-commit' || c.mode === 'group-commit, staged-only') && withSavepoint >= 0
          ? rounds.map((round) => (round[k] as PhaseResult).perSecond / (round[withSavepoint] as PhaseResult).perSecond)
          : [];
      return {
        mode: c.mode,
        appenders: c.appenders,
        perSecondMedian: median(runs.map((x) => x.perSecond)),
        perSecondRange: [Math.min(...runs.map((x) => x.perSecond)), Math.max(...runs.map((x) => x.perSecond))],
        ratioVsBaselineMedian: median(ratios),
        ratioVsSavepointMedian: vsSavepoint.length === 0 ? null : median(vsSavepoint),
        ratiosVsSavepoint: vsSavepoint,
        meanBatch: median(runs.map((x) => x.meanBatch)),
        integrationP50Ms: median(runs.map((x) => x.integrationP50)),
        integrationP99Ms: median(runs.map((x) => x.integrationP99)),
        integrationMaxMs: Math.max(...runs.map((x) => x.integrationMax)),
        meanEntriesPerCheckpoint: median(runs.map((x) => x.meanEntriesPerCheckpoint)),
        meanIntegratorPassMs: median(runs.map((x) => x.meanPassMs)),
        drainMs: median(runs.map((x) => x.drainMs)),
      };
    });
    (results.dialects as Record<string, unknown>)[dialect] = { logSizeAtEnd: size, summary, rounds };
    log('');
    log(`${dialect}: log size at the end ${fmt(size)}`);
    log(
      '| mode | appenders | appends/s (median) | range | vs baseline | vs savepoint per op | mean batch | ack→checkpoint p50 / p99 ms | entries per checkpoint | integrator pass ms |',
    );
    log('|---|---:|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const s of summary) {
      log(
        `| ${s.mode} | ${s.appenders} | ${fmt(s.perSecondMedian)} | ${fmt(s.perSecondRange[0] as number)}–${fmt(s.perSecondRange[1] as number)} | ` +
          `${fmt(s.ratioVsBaselineMedian, 2)}x | ${s.ratioVsSavepointMedian === null ? '' : `${fmt(s.ratioVsSavepointMedian, 2)}x (${s.ratiosVsSavepoint.map((r) => fmt(r, 2)).join(', ')})`} | ${fmt(s.meanBatch, 1)} | ${fmt(s.integrationP50Ms)} / ${fmt(s.integrationP99Ms)} | ` +
          `${fmt(s.meanEntriesPerCheckpoint)} | ${fmt(s.meanIntegratorPassMs)} |`,
      );
    }
    log('');
    await tlog.stop();
  } finally {
    await db.close();
    await drop();
  }
}

results.loadAverageAtEnd = loadavg()[0];
mkdirSync('bench/tlog/results', { recursive: true });
writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
log(
  `load average ${fmt(results.loadAverageAtStart as number, 1)} at start, ${fmt(results.loadAverageAtEnd as number, 1)} at end; wrote ${OUT}`,
);
