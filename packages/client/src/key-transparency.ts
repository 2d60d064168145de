/**
 * Key transparency, client side (issue 6; protocol.md §Transparency log, tlog README §7–8).
 *
 * Before a device certificate is trusted, this checks that the server's transparency log
 * provably holds it: `GET /log/kt/device/<id>` gives the `key.device` (and any
 * `key.device_revoked`) entries with tlog-proof receipts; each receipt is verified offline with
 * `@fulcrum/tlog` against the log's verifier key, the entry must record exactly this certificate
 * (same bytes, device id and MLS key) under the label of the account's logged identity key
 * (`GET /log/kt/account/<id>`), and every checkpoint seen must be consistent with the last one
 * this client verified (proved from tiles; `tlog.rollback` / `tlog.fork_detected` otherwise).
 * The verifier key is the `logKey` option, or `/log/key` trusted on first use and pinned.
 * With a witness policy, every checkpoint must also carry a quorum of witness cosignatures no
 * older than `maxCheckpointAgeMs` by this client's clock (`tlog.stale_checkpoint` otherwise), so
 * a server cannot freeze this client on an old, honestly cosigned view for longer than that.
 *
 * The own-account history reads the whole log from its tiles (verified against the checkpoint),
 * obtains this account's label by RFC 9497 VOPRF (`POST /log/kt/label`, DLEQ proof checked
 * against the logged `kt.label_key`), and folds it with `accountHistory`.
 */
import {
  type Clock,
  constantTimeEqual,
  decodeBase64Url,
  encodeBase64Url,
  isFulcrumError,
  type Random,
  utf8Decode,
} from '@fulcrum/common';
import type { VerifiedDeviceCertificate } from '@fulcrum/e2ee';
import {
  ACCOUNT_KEY_ENTRY,
  type AccountHistory,
  type AccountKeyEntry,
  accountHistory,
  blindAccountName,
  createConsistencyProof,
  createTileHashReader,
  type CosignatureFreshness,
  DEFAULT_MAX_FUTURE_SKEW_MS,
  type DecodedLogEntry,
  DEVICE_KEY_ENTRY,
  DEVICE_REVOKED_ENTRY,
  type DeviceKeyEntry,
  finalizeAccountLabel,
  isTlogError,
  keyTransparencyRegistry,
  LABEL_KEY_ENTRY,
  type LabelKeyEntry,
  type LoggedDevice,
  type NoteVerifier,
  parseTlogPolicy,
  parseVerifierKey,
  type TileSource,
  type TlogPolicy,
  tlogError,
  unknownDevices,
  type VerifiedCheckpoint,
  verifyCheckpoint,
  verifyCheckpointWithPolicy,
  verifyConsistency,
  verifyEntryReceipt,
  verifyServedDeviceKey,
  verifyTiledLog,
} from '@fulcrum/tlog';
import { clientError } from './errors.js';
import { TABLES } from './ports/store.js';
import type { ClientStore } from './ports/store.js';
import type { Transport } from './ports/transport.js';
import { b64, decodeRecord, encodeRecord, unb64 } from './records.js';
import { errorFromResponse } from './server-api.js';

/** Options of the key-transparency check (`FulcrumClientOptions.keyTransparency`). */
export interface KeyTransparencyOptions {
  /**
   * The log's C2SP verifier key (`<origin>+<key id>+<base64>`), as the operator publishes it.
   * Without it the client trusts `GET /log/key` on first use and pins it in the store.
   */
  readonly logKey?: string;
  /**
   * How long to wait for a freshly registered device to be integrated into the log (the server
   * integrates every ~50 ms, then collects witness cosignatures if it has witnesses) before
   * refusing it as `client.key_not_in_log`. Default 3000 ms.
   */
  readonly integrationWaitMs?: number;
  /**
   * The witnesses this client requires, as a C2SP tlog-policy file (text, bytes, or parsed with
   * `parseTlogPolicy`). When given, every checkpoint this client trusts — the current one and
   * the one in each receipt — must carry valid cosignatures that satisfy the policy's quorum
   * (`tlog.policy_quorum_not_met` otherwise; `tlog.note_bad_signature` for a bad cosignature),
   * so a split view shown to this client alone needs the witnesses' collusion. If the policy
   * lists logs, the log key must be one of them (`tlog.policy_unknown_log`). Without a policy,
   * the log's own signature suffices (the earlier behaviour).
   */
  readonly witnessPolicy?: string | Uint8Array | TlogPolicy;
  /**
   * Freeze protection, with a `witnessPolicy` (default `DEFAULT_MAX_CHECKPOINT_AGE_MS`, 24 h):
   * a witness counts toward the policy's quorum only if its cosignature timestamp is at most
   * this old by the client's `Clock` — a cosignature states that, at that time, the checkpoint
   * was the newest the witness had seen (c2sp.org/tlog-cosignature). A checkpoint whose quorum
   * is met only by older (or future-dated) cosignatures is refused with `tlog.stale_checkpoint`,
   * so a server (or a network attacker) cannot keep this client on an old view — hiding a device
   * added since — for longer than this. `false` turns the check off. Without a policy (or with
   * `quorum none`) there is no signed time to check and this option has no effect.
   */
  readonly maxCheckpointAgeMs?: number | false;
  /**
   * How far in the future a cosignature timestamp may be and still count (witness clocks ahead
   * of this one). Default `DEFAULT_MAX_FUTURE_SKEW_MS` (5 min).
   */
  readonly maxClockSkewMs?: number;
}

/** Default `KeyTransparencyOptions.maxCheckpointAgeMs`: 24 hours. */
export const DEFAULT_MAX_CHECKPOINT_AGE_MS = 24 * 60 * 60 * 1000;

/** The last checkpoint this client verified (table `kt`, key `checkpoint`). */
interface StoredCheckpoint {
  v: 1;
  origin: string;
  size: number;
  rootHash: string;
  note: string;
}

/** A device certificate proven to be in the log (table `kt`, key `device/<id>`). */
interface StoredDevice {
  v: 1;
  accountId: string;
  certificate: string;
  index: number;
  revoked: boolean;
}

/** What the own-account history found (see `FulcrumClient.keyTransparencyReport`). */
export interface KeyTransparencyReport {
  /** The account's VOPRF label (64 bytes), as the log names it. */
  readonly label: Uint8Array;
  /** Size of the verified checkpoint the history was read from. */
  readonly treeSize: number;
  /** Every identity key and every device ever logged for this account, with revocations. */
  readonly history: AccountHistory;
  /** Logged, not revoked, and not known to this device: devices the user may not have added. */
  readonly unknown: readonly LoggedDevice[];
  /** Devices the server's directory lists for this account that the log never recorded. */
  readonly unlogged: readonly string[];
}

const KT_TABLE = TABLES.keyTransparency;
const K_LOG_KEY = 'log-key';
const K_CHECKPOINT = 'checkpoint';
const MAX_CHECKPOINT_BYTES = 16 * 1024 + 64 * 1024;
const MAX_TILE_BYTES = 256 * 65_537 + 16;
const MAX_KT_ANSWER = 4 * 1024 * 1024;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The log's resources over the Transport (unauthenticated GETs under `/log/`). */
class LogSource implements TileSource {
  constructor(private readonly transport: Transport) {}

  async get(path: string, maxResponseBytes: number): Promise<Uint8Array | undefined> {
    let res: Awaited<ReturnType<Transport['request']>>;
    try {
      res = await this.transport.request({ method: 'GET', path, headers: {} }, { maxResponseBytes });
    } catch (cause) {
      if (isFulcrumError(cause)) throw cause;
      throw clientError('client.network', `GET ${path} failed: no answer`, { cause });
    }
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw errorFromResponse(res);
    return res.body;
  }

  read(path: string): Promise<Uint8Array | undefined> {
    return this.get(`/log/${path}`, path === 'checkpoint' ? MAX_CHECKPOINT_BYTES : MAX_TILE_BYTES);
  }
}

interface KtEntries {
  entries: { index: number; entry: Uint8Array; receipt: string }[];
}

function parseKtEntries(body: Uint8Array): KtEntries {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decode(body));
  } catch (cause) {
    throw clientError('client.bad_response', 'key-transparency answer is not JSON', { cause });
  }
  const list = (parsed as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(list) || list.length > 1024) {
    throw clientError('client.bad_response', 'key-transparency answer has no entries list');
  }
  return {
    entries: list.map((e: unknown) => {
      const r = e as { index?: unknown; entry?: unknown; receipt?: unknown } | null;
      if (
        r === null ||
        typeof r !== 'object' ||
        !Number.isSafeInteger(r.index) ||
        typeof r.entry !== 'string' ||
        typeof r.receipt !== 'string' ||
        r.entry.length > 100_000 ||
        r.receipt.length > 100_000
      ) {
        throw clientError('client.bad_response', 'malformed key-transparency entry');
      }
      return { index: r.index as number, entry: decodeBase64Url(r.entry), receipt: r.receipt };
    }),
  };
}

export class KeyTransparency {
  readonly #source: LogSource;
  readonly #registry = keyTransparencyRegistry();
  readonly #verified = new Map<string, StoredDevice>();
  readonly #labels = new Map<string, Uint8Array>();
  #verifier: NoteVerifier | undefined;
  readonly #policy: TlogPolicy | undefined;
  /** The freshness window without its `now` (undefined: the check is off). */
  readonly #freshness: Omit<CosignatureFreshness, 'now'> | undefined;
  /** Serialises checkpoint updates (two checks must not race on the stored checkpoint). */
  #checkpointLock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: Transport,
    private readonly store: ClientStore,
    private readonly random: Random,
    private readonly options: KeyTransparencyOptions,
    private readonly clock: Clock,
  ) {
    this.#source = new LogSource(transport);
    const p = options.witnessPolicy;
    // A malformed policy is a configuration error: it throws tlog.policy_malformed here.
    this.#policy =
      p === undefined ? undefined : typeof p === 'string' || p instanceof Uint8Array ? parseTlogPolicy(p) : p;
    const maxAgeMs = options.maxCheckpointAgeMs ?? DEFAULT_MAX_CHECKPOINT_AGE_MS;
    const maxFutureSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
    if (maxAgeMs !== false && !(maxAgeMs > 0)) throw new RangeError('maxCheckpointAgeMs must be > 0 or false');
    if (!(maxFutureSkewMs >= 0)) throw new RangeError('maxClockSkewMs must be >= 0');
    this.#freshness = maxAgeMs === false ? undefined : { maxAgeMs, maxFutureSkewMs };
  }

  /** The log's verifier: the `logKey` option, else the pinned `/log/key` (pinned on first use). */
  async logVerifier(): Promise<NoteVerifier> {
    if (this.#verifier !== undefined) return this.#verifier;
    if (this.options.logKey !== undefined) {
      this.#verifier = parseVerifierKey(this.options.logKey);
      return this.#verifier;
    }
    const body = await this.#source.get('/log/key', 4096);
    if (body === undefined) throw clientError('client.key_not_in_log', 'the server serves no transparency log key');
    const served = utf8Decode(body).trim();
    const verifier = parseVerifierKey(served);
    const pinned = await this.store.get(KT_TABLE, K_LOG_KEY);
    if (pinned !== undefined) {
      if (utf8Decode(pinned) !== served) {
        throw clientError('client.log_key_changed', 'the server’s transparency log key differs from the pinned one', {
          detail: { pinned: utf8Decode(pinned), served },
        });
      }
    } else {
      await this.store.write([{ op: 'put', table: KT_TABLE, key: K_LOG_KEY, value: new TextEncoder().encode(served) }]);
    }
    this.#verifier = verifier;
    return verifier;
  }

  #verifyNote(verifier: NoteVerifier): (note: string | Uint8Array) => VerifiedCheckpoint {
    const policy = this.#policy;
    if (policy === undefined)
      return (note) => verifyCheckpoint(note, { logVerifiers: [verifier], origin: verifier.name });
    if (
      policy.logs.length > 0 &&
      !policy.logs.some((l) => constantTimeEqual(l.verifier.publicKey, verifier.publicKey))
    ) {
      throw tlogError('tlog.policy_unknown_log', 'the witness policy does not list this log’s key');
    }
    // c2sp.org/tlog-policy: the log's signature, then a quorum of valid witness cosignatures,
    // counted only if recent by our clock (tlog.stale_checkpoint: a possible freeze).
    const window = this.#freshness;
    return (note) =>
      verifyCheckpointWithPolicy(note, policy, {
        extraLogs: [verifier],
        origin: verifier.name,
        ...(window === undefined ? {} : { freshness: { ...window, now: this.clock.now() } }),
      });
  }

  async #known(): Promise<StoredCheckpoint | undefined> {
    const bytes = await this.store.get(KT_TABLE, K_CHECKPOINT);
    return bytes === undefined ? undefined : decodeRecord<StoredCheckpoint>(bytes, (v) => v.v === 1);
  }

  async #remember(cp: VerifiedCheckpoint): Promise<void> {
    const rec: StoredCheckpoint = {
      v: 1,
      origin: cp.checkpoint.origin,
      size: cp.checkpoint.size,
      rootHash: b64(cp.checkpoint.rootHash),
      note: cp.note,
    };
    await this.store.write([{ op: 'put', table: KT_TABLE, key: K_CHECKPOINT, value: encodeRecord(rec) }]);
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#checkpointLock.then(fn, fn);
    this.#checkpointLock = run.catch(() => undefined);
    return run;
  }

  /**
   * Fetches the current checkpoint and moves this client's view to it: it must extend the last
   * verified one (consistency proved from tiles verified against the new root). Throws
   * `tlog.rollback` (smaller) or `tlog.fork_detected` (inconsistent).
   */
  async refreshCheckpoint(): Promise<VerifiedCheckpoint> {
    const verifier = await this.logVerifier();
    return this.#locked(async () => {
      const known = await this.#known();
      const verdict = await verifyTiledLog({
        source: this.#source,
        verifyCheckpoint: this.#verifyNote(verifier),
        ...(known === undefined ? {} : { previous: { size: known.size, rootHash: unb64(known.rootHash) } }),
      });
      if (known === undefined || verdict.checkpoint.checkpoint.size > known.size)
        await this.#remember(verdict.checkpoint);
      return verdict.checkpoint;
    });
  }

  /**
   * A checkpoint seen in a receipt must be consistent with the one this client holds: a larger
   * one becomes the new view (after a consistency proof), a smaller one must be a prefix of it.
   */
  async #observe(cp: VerifiedCheckpoint): Promise<void> {
    await this.#locked(async () => {
      const known = await this.#known();
      const { size, rootHash, origin } = cp.checkpoint;
      if (known === undefined) return this.#remember(cp);
      if (known.origin !== origin) throw tlogError('tlog.checkpoint_origin_mismatch', 'a checkpoint of another log');
      const knownRoot = unb64(known.rootHash);
      if (size === known.size) {
        if (!constantTimeEqual(rootHash, knownRoot)) {
          throw tlogError('tlog.fork_detected', 'two different roots for the same tree size', {
            size,
            notes: [known.note, cp.note],
          });
        }
        return;
      }
      const [small, big] =
        size < known.size
          ? [
              { size, rootHash },
              { size: known.size, rootHash: knownRoot },
            ]
          : [
              { size: known.size, rootHash: knownRoot },
              { size, rootHash },
            ];
      if (small.size > 0) {
        const reader = createTileHashReader({ treeSize: big.size, rootHash: big.rootHash, source: this.#source });
        const proof = await createConsistencyProof(small.size, big.size, reader);
        try {
          verifyConsistency({
            oldSize: small.size,
            newSize: big.size,
            oldRoot: small.rootHash,
            newRoot: big.rootHash,
            proof,
          });
        } catch (e) {
          if (isTlogError(e, 'tlog.root_mismatch')) {
            throw tlogError('tlog.fork_detected', 'a receipt’s checkpoint is inconsistent with the last verified one', {
              size,
              previousSize: known.size,
              notes: [known.note, cp.note],
            });
          }
          throw e;
        }
      }
      if (size > known.size) await this.#remember(cp);
    });
  }

  /** Fetches `/log/kt/<kind>/<id>`, waiting up to `integrationWaitMs` for a not-yet-integrated entry. */
  async #ktEntries(kind: 'device' | 'account', id: string): Promise<KtEntries | undefined> {
    const deadline = this.options.integrationWaitMs ?? 3000;
    let waited = 0;
    for (;;) {
      const body = await this.#source.get(`/log/kt/${kind}/${encodeURIComponent(id)}`, MAX_KT_ANSWER);
      if (body !== undefined) return parseKtEntries(body);
      if (waited >= deadline) return undefined;
      await sleep(100);
      waited += 100;
    }
  }

  /** Verifies one receipt and returns the decoded entry; the receipt's checkpoint is observed. */
  async #verifyReceipt(e: { index: number; entry: Uint8Array; receipt: string }): Promise<DecodedLogEntry> {
    const verify = this.#verifyNote(await this.logVerifier());
    const v = verifyEntryReceipt({
      entry: e.entry,
      receipt: e.receipt,
      registry: this.#registry,
      verifyCheckpoint: verify,
    });
    if (v.receipt.index !== e.index) throw clientError('client.bad_response', 'a receipt proves another index');
    await this.#observe(v.receipt.checkpoint);
    return v.entry;
  }

  /** The label of an account, from its logged identity key (`key.account` entry with receipt). */
  async #accountLabel(accountId: string, identityKey: Uint8Array): Promise<Uint8Array> {
    const cached = this.#labels.get(accountId);
    if (cached !== undefined) return cached;
    const found = await this.#ktEntries('account', accountId);
    for (const e of found?.entries ?? []) {
      const entry = await this.#verifyReceipt(e);
      if (entry.definition !== ACCOUNT_KEY_ENTRY) continue;
      const v = entry.value as AccountKeyEntry;
      if (constantTimeEqual(v.publicKey, identityKey)) {
        this.#labels.set(accountId, v.label);
        return v.label;
      }
    }
    throw clientError('client.key_not_in_log', 'the account’s identity key is not in the transparency log', {
      detail: { accountId },
    });
  }

  /**
   * Proves that `cert` (already verified under its account key) is logged as a `key.device` of its
   * account. Throws `client.key_not_in_log`, `client.key_revoked` (only when `allowRevoked` is
   * false), `tlog.*` (a receipt or checkpoint does not verify, a rollback or fork), or a transient
   * error (`client.network`, …). Verified results are cached; `fresh` re-reads the log.
   */
  async verifyDevice(cert: VerifiedDeviceCertificate, opts: { allowRevoked: boolean; fresh?: boolean }): Promise<void> {
    const key = `device/${cert.deviceId}`;
    let rec: StoredDevice | undefined;
    if (opts.fresh !== true) {
      rec = this.#verified.get(key);
      if (rec === undefined) {
        const bytes = await this.store.get(KT_TABLE, key);
        if (bytes !== undefined) rec = decodeRecord<StoredDevice>(bytes, (v) => v.v === 1);
      }
      if (rec !== undefined && !constantTimeEqual(unb64(rec.certificate), cert.encoded)) rec = undefined;
    }
    if (rec === undefined) {
      rec = await this.#proveDevice(cert);
      this.#verified.set(key, rec);
      await this.store.write([{ op: 'put', table: KT_TABLE, key, value: encodeRecord(rec) }]);
    }
    if (rec.revoked && !opts.allowRevoked) {
      throw clientError('client.key_revoked', 'the transparency log records this device as revoked', {
        detail: { accountId: cert.accountId, deviceId: cert.deviceId },
      });
    }
  }

  async #proveDevice(cert: VerifiedDeviceCertificate): Promise<StoredDevice> {
    // The current checkpoint first: it must extend the last one this client verified.
    await this.refreshCheckpoint();
    const label = await this.#accountLabel(cert.accountId, cert.accountPublicKey);
    const found = await this.#ktEntries('device', cert.deviceId);
    const notLogged = (cause?: unknown) =>
      clientError('client.key_not_in_log', 'this device certificate is not in the transparency log', {
        ...(cause === undefined ? {} : { cause }),
        detail: { accountId: cert.accountId, deviceId: cert.deviceId },
      });
    if (found === undefined) throw notLogged();
    let logged: { index: number } | undefined;
    let revoked = false;
    const verify = this.#verifyNote(await this.logVerifier());
    for (const e of found.entries) {
      const decoded = this.#registry.decode(e.entry);
      if (decoded.definition === DEVICE_KEY_ENTRY) {
        const d = decoded.value as DeviceKeyEntry;
        if (!constantTimeEqual(d.certificate, cert.encoded)) continue;
        try {
          const v = verifyServedDeviceKey({
            label,
            deviceId: cert.deviceId,
            publicKey: cert.mlsSignaturePublicKey,
            entry: e.entry,
            receipt: e.receipt,
            registry: this.#registry,
            verifyCheckpoint: verify,
          });
          if (v.receipt.index !== e.index) throw clientError('client.bad_response', 'a receipt proves another index');
          await this.#observe(v.receipt.checkpoint);
        } catch (cause) {
          if (isTlogError(cause, 'tlog.kt_key_not_logged')) throw notLogged(cause);
          throw cause;
        }
        logged = { index: e.index };
        revoked = false;
      } else if (decoded.definition === DEVICE_REVOKED_ENTRY && logged !== undefined && e.index > logged.index) {
        const entry = await this.#verifyReceipt(e);
        const r = entry.value as { label: Uint8Array; deviceId: string };
        if (constantTimeEqual(r.label, label) && r.deviceId === cert.deviceId) revoked = true;
      }
    }
    if (logged === undefined) throw notLogged();
    return { v: 1, accountId: cert.accountId, certificate: b64(cert.encoded), index: logged.index, revoked };
  }

  /**
   * Reads the whole log from its tiles (verified against a checkpoint consistent with the last
   * one seen), derives this account's label by VOPRF, and returns the account's history.
   */
  async accountReport(args: {
    accountName: string;
    knownDeviceIds: ReadonlySet<string>;
    directoryDeviceIds: readonly string[];
  }): Promise<KeyTransparencyReport> {
    const verifier = await this.logVerifier();
    const entries: { index: number; entry: DecodedLogEntry }[] = [];
    let labelKey: LabelKeyEntry | undefined;
    const verdict = await this.#locked(async () => {
      const known = await this.#known();
      const v = await verifyTiledLog({
        source: this.#source,
        verifyCheckpoint: this.#verifyNote(verifier),
        ...(known === undefined ? {} : { previous: { size: known.size, rootHash: unb64(known.rootHash) } }),
        audit: {
          onEntry: (index, bytes) => {
            let decoded: DecodedLogEntry;
            try {
              decoded = this.#registry.decode(bytes);
            } catch (err) {
              if (isTlogError(err, 'tlog.entry_unknown_kind')) return; // other capabilities' entries
              throw err;
            }
            if (decoded.definition === LABEL_KEY_ENTRY) labelKey ??= decoded.value as LabelKeyEntry;
            else entries.push({ index, entry: decoded });
          },
        },
      });
      if (known === undefined || v.checkpoint.checkpoint.size > known.size) await this.#remember(v.checkpoint);
      return v;
    });
    if (labelKey === undefined) throw clientError('client.key_not_in_log', 'the log holds no kt.label_key entry');
    const { blind, blindedElement } = blindAccountName(args.accountName, this.random);
    const res = await this.transport.request(
      {
        method: 'POST',
        path: '/log/kt/label',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: new TextEncoder().encode(JSON.stringify({ blindedElement: encodeBase64Url(blindedElement) })),
      },
      { maxResponseBytes: 4096 },
    );
    if (res.status !== 200) throw errorFromResponse(res);
    let answer: { evaluatedElement?: unknown; proof?: unknown };
    try {
      answer = JSON.parse(utf8Decode(res.body)) as typeof answer;
    } catch (cause) {
      throw clientError('client.bad_response', 'label answer is not JSON', { cause });
    }
    if (typeof answer.evaluatedElement !== 'string' || typeof answer.proof !== 'string') {
      throw clientError('client.bad_response', 'label answer lacks evaluatedElement / proof');
    }
    // Throws tlog.voprf_bad_proof if the server evaluated with any key but the logged one.
    const label = finalizeAccountLabel({
      accountName: args.accountName,
      blind,
      blindedElement,
      evaluatedElement: decodeBase64Url(answer.evaluatedElement, 32),
      proof: decodeBase64Url(answer.proof, 64),
      publicKey: labelKey.publicKey,
    });
    const history = accountHistory(entries, label);
    const loggedIds = new Set(history.devices.map((d) => d.deviceId));
    return {
      label,
      treeSize: verdict.checkpoint.checkpoint.size,
      history,
      unknown: unknownDevices(history, args.knownDeviceIds),
      unlogged: args.directoryDeviceIds.filter((id) => !loggedIds.has(id)),
    };
  }
}
