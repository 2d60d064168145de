/**
 * `fulcrum log`: the transparency log's verifier and monitor. `verify <url>` reads a C2SP tiled
 * log over HTTP (`<url>/checkpoint`, `<url>/tile/...`), checks the checkpoint signature against
 * the log key (`--log-key`, or trust on first use, remembered), proves that it extends the last
 * state verified (kept in `--state DIR`), re-derives the root from every entry, and prints a
 * verdict; any failure exits 1 with its typed code (`tlog.fork_detected`, `tlog.rollback`, …).
 * With `--policy FILE` the checkpoint must carry witness cosignatures meeting a C2SP tlog-policy,
 * and with `--max-age` those cosignatures must also be recent (`tlog.stale_checkpoint`).
 * `show <url>` lists entries by kind; `proof <url> <index>` prints a C2SP tlog-proof receipt.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FulcrumError, isFulcrumError } from '@fulcrum/common';
import {
  auditTiledLog,
  type CosignatureFreshness,
  createEd25519NoteVerifier,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  EVIDENCE_BUNDLE_ENTRY,
  describeQuorum,
  isTlogError,
  keyTransparencyRegistry,
  parseNote,
  parseTlogPolicy,
  parseVerifierKey,
  type PolicyVerifiedCheckpoint,
  type QuorumRequirement,
  type TileSource,
  type TlogPolicy,
  tlogError,
  type VerifiedCheckpoint,
  verifyCheckpoint,
  verifyCheckpointWithPolicy,
  verifyTiledLog,
  verifyTlogProof,
  hashLeaf,
} from '@fulcrum/tlog';
import { Command } from 'commander';

/** Error codes of `fulcrum log`. */
export type LogCliErrorCode =
  /** The log could not be fetched (network, or an HTTP status other than 200/404): check the URL and retry. */
  | 'cli.log_unreachable'
  /** `--log-key` differs from the key remembered for this log: a key change needs a deliberate `--reset`. */
  | 'cli.log_key_mismatch'
  /** The state file is unreadable or corrupt: move it away to start over (losing the consistency history). */
  | 'cli.log_state_corrupt';

const logError = (code: LogCliErrorCode, message: string, detail?: Record<string, unknown>) =>
  new FulcrumError<LogCliErrorCode>(code, message, detail === undefined ? undefined : { detail });

/** Where output goes (tests capture it). */
export interface LogIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  setExitCode(code: number): void;
  fetch: typeof fetch;
  /** The current time (ms) for `--max-age` (default `Date.now`; tests move it). */
  now?: () => number;
}

const defaultIo: LogIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
  fetch: (...args) => fetch(...args),
};

/** `--state` default: `$XDG_DATA_HOME/fulcrum/log-state` (`~/.local/share/fulcrum/log-state`). */
export function defaultLogStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'fulcrum', 'log-state');
}

/** What is remembered per log URL: its key and the last verified (size, root). */
export interface LogState {
  readonly url: string;
  readonly vkey: string;
  readonly size: number;
  /** base64 of the root hash. */
  readonly rootHash: string;
  /** The checkpoint note last verified (evidence if the log later forks). */
  readonly note: string;
  readonly verifiedAt: string;
}

/** The outcome of `verify`. */
export interface LogVerdict {
  readonly ok: true;
  readonly url: string;
  readonly origin: string;
  readonly size: number;
  readonly rootHash: string;
  readonly keyTrustedOnFirstUse: boolean;
  /** The previous size this checkpoint was proved to extend, if one was known. */
  readonly consistentWithSize?: number;
  readonly entriesAudited?: number;
  readonly tilesChecked?: number;
  readonly kinds?: Record<string, number>;
  /** With `--policy`: who had to cosign, who did (policy names), and cosigners the policy does not know. */
  readonly witnesses?: {
    readonly required: string;
    readonly cosignedBy: readonly string[];
    readonly unknownCosigners: readonly string[];
    /** With `--max-age`: the window, and policy witnesses whose cosignature did not count (too old / ahead). */
    readonly maxAgeMs?: number;
    readonly ignored?: readonly { name: string; timestamp: number; reason: 'stale' | 'future' }[];
  };
}

/** A TileSource over HTTP: 404 → undefined; anything else but 200 → `cli.log_unreachable`. */
export function httpTileSource(baseUrl: string, doFetch: typeof fetch = fetch): TileSource {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async read(path: string): Promise<Uint8Array | undefined> {
      let res: Response;
      try {
        res = await doFetch(`${base}/${path}`);
      } catch (cause) {
        throw logError('cli.log_unreachable', `cannot fetch ${path}`, { path, cause: String(cause) });
      }
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw logError('cli.log_unreachable', `GET ${path}: HTTP ${res.status}`, { path });
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

const stateFile = (dir: string, url: string) =>
  join(dir, `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.json`);

async function readState(dir: string, url: string): Promise<LogState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(dir, url), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw logError('cli.log_state_corrupt', 'cannot read the log state file');
  }
  try {
    const s = JSON.parse(text) as LogState;
    if (typeof s.vkey !== 'string' || !Number.isSafeInteger(s.size) || typeof s.rootHash !== 'string')
      throw new Error();
    return s;
  } catch {
    throw logError('cli.log_state_corrupt', 'the log state file is corrupt', { file: stateFile(dir, url) });
  }
}

async function writeState(dir: string, state: LogState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = stateFile(dir, state.url);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

function checkpointVerifier(vkey: string): (note: Uint8Array | string) => VerifiedCheckpoint {
  const key = parseVerifierKey(vkey);
  const verifier = createEd25519NoteVerifier(key.name, key.publicKey);
  return (note) => verifyCheckpoint(note, { logVerifiers: [verifier] });
}

/** A quorum requirement in words: `all of (w1, w2)`, `2 of (a, b, c)`, `w1`, `nothing`. */
export function describeRequirement(q: QuorumRequirement): string {
  if (q.kind === 'none') return 'nothing';
  if (q.kind === 'witness') return q.name;
  const k = q.threshold === q.of.length ? 'all' : q.threshold === 1 ? 'any' : String(q.threshold);
  return `${k} of (${q.of.map(describeRequirement).join(', ')})`;
}

/**
 * Parses a `--max-age` duration: a whole number of seconds, or with a unit `s`, `m`, `h`, `d`
 * (`90s`, `30m`, `24h`, `7d`). Returns milliseconds; throws on anything else or on 0.
 */
export function parseDuration(text: string): number {
  const m = /^([1-9][0-9]{0,9})(s|m|h|d)?$/.exec(text.trim());
  if (m === null) throw new Error(`not a duration: ${text} (use e.g. 3600, 90s, 30m, 24h, 7d)`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit * 1000;
}

/** A duration in words for messages: `24h`, `90s`. */
const formatDuration = (ms: number) =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000}d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000}h`
      : ms % 60_000 === 0
        ? `${ms / 60_000}m`
        : `${ms / 1000}s`;

/**
 * A checkpoint verifier that also requires the policy (c2sp.org/tlog-policy) to be satisfied by
 * valid witness cosignatures — with `freshness`, by cosignatures no older than its window. The
 * log key must be the pinned one and, if the policy lists logs, one of them. Failures keep their
 * tlog codes with a message that names the witnesses: `tlog.policy_quorum_not_met` (not enough
 * cosignatures: which are missing, which unknown cosigners were ignored), `tlog.stale_checkpoint`
 * (enough, but not recent enough: which were too old or ahead), `tlog.note_bad_signature` (a bad
 * cosignature, naming the witness).
 */
function policyCheckpointVerifier(
  vkey: string,
  policy: TlogPolicy,
  freshness?: () => CosignatureFreshness,
): (note: Uint8Array | string) => PolicyVerifiedCheckpoint {
  const key = parseVerifierKey(vkey);
  const logVerifier = createEd25519NoteVerifier(key.name, key.publicKey);
  if (
    policy.logs.length > 0 &&
    !policy.logs.some((l) => l.verifier.name === key.name && l.verifier.keyId === key.keyId)
  ) {
    throw tlogError('tlog.policy_unknown_log', 'the witness policy does not list this log key', { vkey });
  }
  const required = describeRequirement(describeQuorum(policy));
  const witnesses = [...policy.witnesses.values()];
  return (note) => {
    try {
      return verifyCheckpointWithPolicy(note, policy, {
        extraLogs: [logVerifier],
        origin: key.name,
        ...(freshness === undefined ? {} : { freshness: freshness() }),
      });
    } catch (err) {
      if (isTlogError(err, 'tlog.stale_checkpoint')) {
        type Late = { name: string; timestamp: number };
        const d = (err.detail ?? {}) as { cosignedBy?: string[]; stale?: Late[]; future?: Late[]; maxAgeMs?: number };
        const when = (l: Late) => `${l.name} (${new Date(l.timestamp * 1000).toISOString()})`;
        const late = [
          ...((d.stale ?? []).length > 0 ? [`too old: ${(d.stale ?? []).map(when).join(', ')}`] : []),
          ...((d.future ?? []).length > 0 ? [`ahead of this clock: ${(d.future ?? []).map(when).join(', ')}`] : []),
        ];
        throw tlogError(
          'tlog.stale_checkpoint',
          `checkpoint not recently cosigned: the policy requires ${required} within ${formatDuration(
            d.maxAgeMs ?? 0,
          )}; recent cosignatures from ${(d.cosignedBy ?? []).join(', ') || 'no policy witness'}; ${late.join('; ')}`,
          { required, ...d },
          err,
        );
      }
      if (isTlogError(err, 'tlog.policy_quorum_not_met')) {
        const detail = (err.detail ?? {}) as { cosignedBy?: string[] };
        const cosignedBy = detail.cosignedBy ?? [];
        const missing = witnesses.map((w) => w.name).filter((n) => !cosignedBy.includes(n));
        const known = new Set(witnesses.map((w) => `${w.verifier.name}\0${w.verifier.keyId}`));
        known.add(`${logVerifier.name}\0${logVerifier.keyId}`);
        let unknownCosigners: string[] = [];
        try {
          unknownCosigners = [
            ...new Set(
              parseNote(note)
                .signatures.filter((sig) => !known.has(`${sig.name}\0${sig.keyId}`))
                .map((sig) => sig.name),
            ),
          ];
        } catch {
          // verifyCheckpointWithPolicy parsed it already; nothing more to say
        }
        throw tlogError(
          'tlog.policy_quorum_not_met',
          `not enough cosignatures: the policy requires ${required}; valid cosignatures from ${
            cosignedBy.length === 0 ? 'no policy witness' : cosignedBy.join(', ')
          }; none from ${missing.join(', ') || '-'}${
            unknownCosigners.length === 0
              ? ''
              : `; ignored cosignatures from witnesses the policy does not know: ${unknownCosigners.join(', ')}`
          }`,
          { required, cosignedBy, missing, unknownCosigners },
          err,
        );
      }
      if (isTlogError(err, 'tlog.note_bad_signature')) {
        const d = (err.detail ?? {}) as { name?: string; keyId?: number };
        const w = witnesses.find((x) => x.verifier.name === d.name && x.verifier.keyId >>> 0 === (d.keyId ?? -1) >>> 0);
        if (w !== undefined) {
          throw tlogError(
            'tlog.note_bad_signature',
            `bad cosignature from witness ${w.name} (${w.vkey.split('+')[0]})`,
            {
              witness: w.name,
            },
            err,
          );
        }
        throw tlogError('tlog.note_bad_signature', 'bad signature from the log key on the checkpoint', undefined, err);
      }
      throw err;
    }
  };
}

/** Reads and parses a c2sp.org/tlog-policy file (`tlog.policy_malformed` if it is not one). */
export async function readPolicyFile(path: string): Promise<TlogPolicy> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw tlogError('tlog.policy_malformed', `cannot read the policy file ${path}`, undefined, cause);
  }
  return parseTlogPolicy(bytes);
}

/**
 * Verifies a log: signature under the pinned (or first-seen) key, consistency with the stored
 * state, full audit of the entries. Saves the new state only when everything passed. Throws the
 * first failure (typed).
 */
export async function verifyLog(options: {
  url: string;
  logKey?: string;
  stateDir: string;
  audit?: boolean;
  /** Require this witness policy (c2sp.org/tlog-policy) to be satisfied by the checkpoint's cosignatures. */
  policy?: TlogPolicy;
  /** With `policy`: count only cosignatures at most this old (ms) and at most `maxFutureSkewMs` ahead. */
  maxAgeMs?: number;
  io?: Pick<LogIo, 'stderr' | 'fetch' | 'now'>;
}): Promise<LogVerdict> {
  const url = options.url.replace(/\/+$/, '');
  const io = options.io ?? defaultIo;
  const source = httpTileSource(url, io.fetch);
  const state = await readState(options.stateDir, url);
  let vkey = options.logKey?.trim();
  let tofu = false;
  if (vkey !== undefined) parseVerifierKey(vkey); // a malformed key is tlog.bad_key before any fetch
  if (vkey !== undefined && state !== undefined && state.vkey !== vkey) {
    throw logError('cli.log_key_mismatch', 'this log was verified before under another key', { url });
  }
  if (vkey === undefined) vkey = state?.vkey;
  if (vkey === undefined) {
    const served = await source.read('key');
    if (served === undefined) throw logError('cli.log_unreachable', 'the log serves no key and none was given');
    vkey = new TextDecoder().decode(served).trim();
    parseVerifierKey(vkey);
    tofu = true;
    io.stderr.write(
      `warning: trusting the log key served by ${url} on first use:\n  ${vkey}\n` +
        "  compare it with the operator's published key, or pass --log-key.\n",
    );
  }
  const registry = keyTransparencyRegistry().with(EVIDENCE_BUNDLE_ENTRY);
  const kinds: Record<string, number> = {};
  const policy = options.policy;
  const freshness = freshnessOf(options.maxAgeMs, io.now);
  const verifyNote =
    policy === undefined ? checkpointVerifier(vkey) : policyCheckpointVerifier(vkey, policy, freshness);
  const verdict = await verifyTiledLog({
    source,
    verifyCheckpoint: verifyNote,
    ...(state === undefined
      ? {}
      : { previous: { size: state.size, rootHash: new Uint8Array(Buffer.from(state.rootHash, 'base64')) } }),
    audit:
      options.audit === false
        ? false
        : {
            onEntry: (_i, entry) => {
              // Unknown kinds are fine (later capabilities add kinds); count them by name.
              let kind: string;
              try {
                kind = registry.decode(entry).kind;
              } catch {
                kind = 'other';
              }
              kinds[kind] = (kinds[kind] ?? 0) + 1;
            },
          },
  });
  const cp = verdict.checkpoint.checkpoint;
  const rootHash = Buffer.from(cp.rootHash).toString('base64');
  await writeState(options.stateDir, {
    url,
    vkey,
    size: cp.size,
    rootHash,
    note: verdict.checkpoint.note,
    verifiedAt: new Date().toISOString(),
  });
  return {
    ok: true,
    url,
    origin: cp.origin,
    size: cp.size,
    rootHash,
    keyTrustedOnFirstUse: tofu,
    ...(verdict.consistentWith === undefined ? {} : { consistentWithSize: verdict.consistentWith.size }),
    ...(verdict.audit === undefined
      ? {}
      : { entriesAudited: verdict.audit.entries, tilesChecked: verdict.audit.tilesChecked, kinds }),
    ...(policy === undefined
      ? {}
      : {
          witnesses: {
            ...witnessSummary(verdict.checkpoint as PolicyVerifiedCheckpoint, policy),
            ...(options.maxAgeMs === undefined
              ? {}
              : {
                  maxAgeMs: options.maxAgeMs,
                  ignored: (verdict.checkpoint as PolicyVerifiedCheckpoint).ignoredCosignatures,
                }),
          },
        }),
  };
}

/** The `--max-age` window as a function of the current time (undefined: no age check). */
function freshnessOf(maxAgeMs: number | undefined, now?: () => number): (() => CosignatureFreshness) | undefined {
  if (maxAgeMs === undefined) return undefined;
  const clock = now ?? Date.now;
  return () => ({ now: clock(), maxAgeMs, maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS });
}

function witnessSummary(cp: PolicyVerifiedCheckpoint, policy: TlogPolicy): NonNullable<LogVerdict['witnesses']> {
  const logKeys = new Set(cp.logKeys);
  return {
    required: describeRequirement(describeQuorum(policy)),
    cosignedBy: [...cp.cosignedBy].sort(),
    unknownCosigners: [
      ...new Set(
        cp.verifiedNote.note.signatures
          .filter((s) => !cp.verifiedNote.verified.some((v) => v.signature === s && logKeys.has(v.verifier)))
          .filter((s) => !cp.cosignatures.some((c) => c.name === s.name && c.keyId === s.keyId))
          .map((s) => s.name),
      ),
    ],
  };
}

function describeFailure(err: unknown): { code: string; message: string; detail?: unknown } {
  if (isFulcrumError(err))
    return err.detail === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, detail: err.detail };
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** `fulcrum log …` with its io (tests pass their own). */
export function createLogCommand(io: LogIo = defaultIo): Command {
  const log = new Command('log').description('verify and read a Fulcrum (C2SP tlog-tiles) transparency log');
  const fail = (json: boolean, err: unknown) => {
    const f = describeFailure(err);
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, ...f })}\n`);
    else io.stderr.write(`FAILED: ${f.message} (${f.code})\n`);
    io.setExitCode(1);
  };

  const verify = log
    .command('verify')
    .argument('<url>', 'the log prefix, e.g. http://127.0.0.1:8080/log')
    .option(
      '--log-key <vkey>',
      'the log verifier key (C2SP vkey); default: the one remembered, else trust on first use',
    )
    .option('--state <dir>', 'where verified states are kept', defaultLogStateDir())
    .option('--no-audit', 'skip re-deriving the root from every entry')
    .option(
      '--policy <file>',
      'require the witnesses of this C2SP tlog-policy file: the checkpoint must carry valid cosignatures satisfying its quorum',
    )
    .option(
      '--max-age <duration>',
      'with --policy: count only witness cosignatures at most this old (e.g. 24h, 30m, 3600; at most 5 min ahead) — refuses a log that keeps serving an old checkpoint (tlog.stale_checkpoint)',
    )
    .option('--json', 'print the verdict as JSON')
    .description('check the checkpoint signature, consistency with the last verified state, and every entry')
    .action(
      async (
        url: string,
        opts: {
          logKey?: string;
          state: string;
          audit: boolean;
          policy?: string;
          maxAge?: string;
          json?: boolean;
        },
      ) => {
        if (opts.maxAge !== undefined && opts.policy === undefined) {
          verify.error('error: --max-age needs --policy (the age is read from the policy witnesses’ cosignatures)');
        }
        let maxAgeMs: number | undefined;
        try {
          maxAgeMs = opts.maxAge === undefined ? undefined : parseDuration(opts.maxAge);
        } catch (err) {
          verify.error(`error: --max-age: ${(err as Error).message}`);
        }
        try {
          const v = await verifyLog({
            url,
            stateDir: opts.state,
            audit: opts.audit,
            io,
            ...(opts.logKey === undefined ? {} : { logKey: opts.logKey }),
            ...(opts.policy === undefined ? {} : { policy: await readPolicyFile(opts.policy) }),
            ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
          });
          if (opts.json) {
            io.stdout.write(`${JSON.stringify(v)}\n`);
            return;
          }
          const lines = [
            `OK: ${v.origin} at size ${v.size}, root ${v.rootHash}`,
            v.consistentWithSize === undefined
              ? '  first verification of this log (no earlier state to compare)'
              : `  consistent with the previously verified size ${v.consistentWithSize}`,
          ];
          if (v.witnesses !== undefined) {
            lines.push(
              `  witness policy satisfied (requires ${v.witnesses.required}): cosigned by ${
                v.witnesses.cosignedBy.join(', ') || 'no witness'
              }`,
            );
            if (v.witnesses.maxAgeMs !== undefined) {
              const ignored = v.witnesses.ignored ?? [];
              lines.push(
                `  cosigned within ${formatDuration(v.witnesses.maxAgeMs)}${
                  ignored.length === 0
                    ? ''
                    : `; not counted: ${ignored
                        .map((i) => `${i.name} (${i.reason === 'stale' ? 'too old' : 'ahead of this clock'})`)
                        .join(', ')}`
                }`,
              );
            }
            if (v.witnesses.unknownCosigners.length > 0) {
              lines.push(
                `  ignored cosignatures from witnesses not in the policy: ${v.witnesses.unknownCosigners.join(', ')}`,
              );
            }
          }
          if (v.entriesAudited !== undefined) {
            lines.push(`  every entry re-hashed (${v.entriesAudited}), ${v.tilesChecked} tiles rebuilt and matched`);
            lines.push(
              `  entries by kind: ${
                Object.entries(v.kinds ?? {})
                  .map(([k, n]) => `${k} ${n}`)
                  .join(', ') || 'none'
              }`,
            );
          }
          io.stdout.write(`${lines.join('\n')}\n`);
        } catch (err) {
          fail(opts.json === true, err);
        }
      },
    );

  log
    .command('show')
    .argument('<url>', 'the log prefix')
    .requiredOption('--log-key <vkey>', 'the log verifier key')
    .option('--kind <kind>', 'only entries of this kind')
    .option('--policy <file>', 'also require the witnesses of this C2SP tlog-policy file on the checkpoint')
    .option('--json', 'one JSON object per entry')
    .description('list the entries of a verified checkpoint, by kind')
    .action(async (url: string, opts: { logKey: string; kind?: string; policy?: string; json?: boolean }) => {
      try {
        const source = httpTileSource(url, io.fetch);
        const note = await source.read('checkpoint');
        if (note === undefined) throw logError('cli.log_unreachable', 'the log serves no checkpoint');
        const verifyNote =
          opts.policy === undefined
            ? checkpointVerifier(opts.logKey)
            : policyCheckpointVerifier(opts.logKey, await readPolicyFile(opts.policy));
        const cp = verifyNote(note).checkpoint;
        const registry = keyTransparencyRegistry().with(EVIDENCE_BUNDLE_ENTRY);
        await auditTiledLog({
          source,
          treeSize: cp.size,
          rootHash: cp.rootHash,
          checkTiles: false,
          onEntry: (index, entry) => {
            let kind = 'unknown';
            let text = '';
            let time = 0;
            try {
              const d = registry.decode(entry);
              kind = d.kind;
              time = d.time;
              text = d.definition.describe?.(d.value) ?? '';
            } catch {
              // an unregistered kind: listed as unknown
            }
            if (opts.kind !== undefined && kind !== opts.kind) return;
            if (opts.json) io.stdout.write(`${JSON.stringify({ index, kind, time, description: text })}\n`);
            else io.stdout.write(`${index}\t${time === 0 ? '-' : new Date(time).toISOString()}\t${kind}\t${text}\n`);
          },
        });
      } catch (err) {
        fail(opts.json === true, err);
      }
    });

  const proof = log
    .command('proof')
    .argument('<url>', 'the log prefix')
    .argument('<index>', 'the entry index')
    .option('--log-key <vkey>', 'also verify the receipt against this key before printing it')
    .option(
      '--policy <file>',
      "with --log-key: also require the witnesses of this C2SP tlog-policy file on the receipt's checkpoint",
    )
    .description('print the C2SP tlog-proof receipt of an entry')
    .action(async (url: string, indexText: string, opts: { logKey?: string; policy?: string }) => {
      try {
        if (opts.policy !== undefined && opts.logKey === undefined) {
          proof.error('error: --policy needs --log-key (the receipt is verified before it is printed)');
        }
        const source = httpTileSource(url, io.fetch);
        const receipt = await source.read(`proof/${encodeURIComponent(indexText)}`);
        if (receipt === undefined) throw logError('cli.log_unreachable', 'no such entry in the current checkpoint');
        if (opts.logKey !== undefined) {
          const entry = await source.read(`entry/${encodeURIComponent(indexText)}`);
          if (entry === undefined) throw logError('cli.log_unreachable', 'the log serves no such entry');
          verifyTlogProof(new TextDecoder().decode(receipt), {
            leafHash: hashLeaf(entry),
            verifyCheckpoint:
              opts.policy === undefined
                ? checkpointVerifier(opts.logKey)
                : policyCheckpointVerifier(opts.logKey, await readPolicyFile(opts.policy)),
          });
        }
        io.stdout.write(new TextDecoder().decode(receipt));
      } catch (err) {
        fail(false, err);
      }
    });
  return log;
}

/** Adds `fulcrum log` to the program. */
export function registerLogCommands(program: Command): void {
  program.addCommand(createLogCommand());
}
