import { encodeHex, utf8Decode, utf8Encode } from '@fulcrum/common';
import { type VerifiedCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { isTlogError, tlogError } from './errors.js';
import { type NoteVerifier, SIGNATURE_TYPE } from './note-keys.js';
import type { NoteLimits } from './signed-note.js';
import { parseVerifierKey } from './verifier-key.js';

/** A log the policy accepts: checkpoints must be signed by this key, named as the origin. */
export interface PolicyLog {
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  readonly url?: string;
}

/** A named witness and its cosigning key (type 0x04 cosignature/v1 or 0x06 ML-DSA-44). */
export interface PolicyWitness {
  readonly name: string;
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  readonly url?: string;
}

/** A group: satisfied when at least `threshold` of its members (witnesses or earlier groups) are. */
export interface PolicyGroup {
  readonly name: string;
  readonly threshold: number;
  readonly members: readonly string[];
}

/** A parsed c2sp.org/tlog-policy file. Names are the file's octets read one byte per char (opaque). */
export interface TlogPolicy {
  readonly logs: readonly PolicyLog[];
  readonly witnesses: ReadonlyMap<string, PolicyWitness>;
  readonly groups: ReadonlyMap<string, PolicyGroup>;
  /** A witness or group name, or `none`. */
  readonly quorum: string;
}

export interface PolicyLimits {
  /** Maximum file size in bytes (default 64 KiB). */
  readonly maxBytes?: number;
  /** Maximum number of logs, of witnesses and of groups, each (default 256; the spec recommends ≥ 32). */
  readonly maxEntries?: number;
}

const NONE = 'none';

function bad(line: number, message: string): never {
  throw tlogError('tlog.policy_malformed', `line ${line}: ${message}`, { line });
}

/** Bytes → one char per octet, so names compare as opaque octet strings (tlog-policy "Character set"). */
function octetString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

function octetsToUtf8(token: string): string {
  const bytes = Uint8Array.from(token, (c) => c.charCodeAt(0));
  return utf8Decode(bytes);
}

/** URLs are kept as UTF-8 text when they decode as such, else one char per octet. */
function urlText(token: string): string {
  try {
    return octetsToUtf8(token);
  } catch {
    return token;
  }
}

function parseKey(line: number, token: string, allowedTypes: readonly number[], what: string): NoteVerifier {
  let verifier: NoteVerifier;
  try {
    verifier = parseVerifierKey(octetsToUtf8(token));
  } catch (cause) {
    throw tlogError('tlog.policy_malformed', `line ${line}: invalid ${what} vkey`, { line }, cause);
  }
  if (!allowedTypes.includes(verifier.type)) bad(line, `${what} vkey has a signature type not usable for a ${what}`);
  return verifier;
}

/**
 * Parses a c2sp.org/tlog-policy file: `log <vkey> [<url>]`, `witness <name> <vkey> [<url>]`,
 * `group <name> all|any|<k> <name>...`, exactly one `quorum <name>|none`; `#` comments and blank
 * lines ignored; whitespace is spaces and tabs only; only octets 0x09, 0x0A, 0x20-0x7E and
 * 0x80-0xFF allowed. Enforces every rule of the spec (names defined before use, each member at
 * most once, 1 ≤ k ≤ n, no duplicate keys, `none` reserved). Log keys must be type 0x01 or 0x06;
 * witness keys 0x04 or 0x06. Throws `tlog.policy_malformed`.
 */
export function parseTlogPolicy(input: string | Uint8Array, limits: PolicyLimits = {}): TlogPolicy {
  const maxBytes = limits.maxBytes ?? 64 * 1024;
  const maxEntries = limits.maxEntries ?? 256;
  const bytes = typeof input === 'string' ? utf8Encode(input) : input;
  if (!(bytes instanceof Uint8Array) || bytes.length > maxBytes) {
    throw tlogError('tlog.policy_malformed', 'policy file too large', { maxBytes });
  }
  for (const b of bytes) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a) || b === 0x7f) {
      throw tlogError('tlog.policy_malformed', 'policy file contains a forbidden control character');
    }
  }
  const logs: PolicyLog[] = [];
  const witnesses = new Map<string, PolicyWitness>();
  const groups = new Map<string, PolicyGroup>();
  let quorum: string | undefined;
  // Public keys seen, as hex, for the duplicate-key rule (a Set keeps parsing linear).
  const keys = [new Set<string>(), new Set<string>()] as const;
  const lines = octetString(bytes).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const n = i + 1;
    const text = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (text === '' || text.startsWith('#')) return;
    const [keyword, ...args] = text.split(/[ \t]+/) as [string, ...string[]];
    const defined = (name: string) => witnesses.has(name) || groups.has(name);
    const checkNewName = (name: string) => {
      if (name === NONE) bad(n, '"none" is reserved');
      if (defined(name)) bad(n, `name ${JSON.stringify(name)} is already defined`);
    };
    const checkDuplicateKey = (set: Set<string>, v: NoteVerifier) => {
      const hex = encodeHex(v.publicKey);
      if (set.has(hex)) bad(n, 'duplicate public key');
      set.add(hex);
    };
    switch (keyword) {
      case 'log': {
        if (args.length < 1 || args.length > 2) bad(n, 'log takes a vkey and an optional URL');
        if (logs.length >= maxEntries) bad(n, 'too many logs');
        const verifier = parseKey(n, args[0] as string, [SIGNATURE_TYPE.ed25519, SIGNATURE_TYPE.mlDsa44Subtree], 'log');
        const vkey = octetsToUtf8(args[0] as string);
        checkDuplicateKey(keys[0], verifier);
        logs.push(args[1] === undefined ? { vkey, verifier } : { vkey, verifier, url: urlText(args[1]) });
        return;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) bad(n, 'witness takes a name, a vkey and an optional URL');
        if (witnesses.size >= maxEntries) bad(n, 'too many witnesses');
        const [name, key, url] = args as [string, string, string | undefined];
        checkNewName(name);
        const verifier = parseKey(n, key, [SIGNATURE_TYPE.cosignatureV1, SIGNATURE_TYPE.mlDsa44Subtree], 'witness');
        checkDuplicateKey(keys[1], verifier);
        const vkey = octetsToUtf8(key);
        witnesses.set(name, url === undefined ? { name, vkey, verifier } : { name, vkey, verifier, url: urlText(url) });
        return;
      }
      case 'group': {
        if (args.length < 3) bad(n, 'group takes a name, a threshold and at least one member');
        if (groups.size >= maxEntries) bad(n, 'too many groups');
        const [name, k, ...members] = args as [string, string, ...string[]];
        checkNewName(name);
        const seen = new Set<string>();
        for (const m of members) {
          if (m === NONE) bad(n, '"none" cannot be a group member');
          if (!defined(m)) bad(n, `member ${JSON.stringify(m)} is not defined on an earlier line`);
          if (seen.has(m)) bad(n, `member ${JSON.stringify(m)} is listed twice`);
          seen.add(m);
        }
        let threshold = 0;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else if (/^[1-9][0-9]{0,5}$/.test(k)) threshold = Number(k);
        else bad(n, 'threshold must be all, any or a decimal number');
        if (threshold < 1 || threshold > members.length) bad(n, 'threshold must satisfy 1 <= k <= n');
        groups.set(name, { name, threshold, members });
        return;
      }
      case 'quorum': {
        if (args.length !== 1) bad(n, 'quorum takes one name');
        if (quorum !== undefined) bad(n, 'a policy has exactly one quorum line');
        const name = args[0] as string;
        if (name !== NONE && !defined(name)) bad(n, 'quorum names a witness or group not defined earlier');
        quorum = name;
        return;
      }
      default:
        bad(n, `unknown keyword ${JSON.stringify(keyword.slice(0, 20))}`);
    }
  });
  if (quorum === undefined) throw tlogError('tlog.policy_malformed', 'policy has no quorum line');
  return { logs, witnesses, groups, quorum };
}

/** A quorum requirement as a tree: what a checkpoint needs to be accepted. */
export type QuorumRequirement =
  | { readonly kind: 'none' }
  | { readonly kind: 'witness'; readonly name: string }
  | {
      readonly kind: 'group';
      readonly name: string;
      readonly threshold: number;
      readonly of: readonly QuorumRequirement[];
    };

/** The quorum of a policy as a requirement tree (for display: who must cosign). */
export function describeQuorum(policy: TlogPolicy): QuorumRequirement {
  const build = (name: string): QuorumRequirement => {
    if (name === NONE) return { kind: 'none' };
    const g = policy.groups.get(name);
    if (g === undefined) return { kind: 'witness', name };
    return { kind: 'group', name, threshold: g.threshold, of: g.members.map(build) };
  };
  return build(policy.quorum);
}

/** Per name (witness or group): satisfied or not, given who cosigned. */
export interface QuorumEvaluation {
  readonly satisfied: boolean;
  readonly byName: ReadonlyMap<string, boolean>;
}

/** Evaluates the policy quorum given the names of witnesses whose cosignatures verified. */
export function evaluateQuorum(policy: TlogPolicy, cosignedBy: ReadonlySet<string>): QuorumEvaluation {
  const byName = new Map<string, boolean>();
  const sat = (name: string): boolean => {
    const known = byName.get(name);
    if (known !== undefined) return known;
    const g = policy.groups.get(name);
    // Groups only reference earlier names, so this recursion terminates.
    const value = g === undefined ? cosignedBy.has(name) : g.members.filter(sat).length >= g.threshold;
    byName.set(name, value);
    return value;
  };
  for (const name of policy.witnesses.keys()) sat(name);
  for (const name of policy.groups.keys()) sat(name);
  return { satisfied: policy.quorum === NONE || sat(policy.quorum), byName };
}

/**
 * Which cosignature timestamps count toward the quorum. A cosignature/v1 (or checkpoint
 * subtree/v1) timestamp states that "as of the specified time" the checkpoint was the largest
 * consistent tree head the witness had observed (c2sp.org/tlog-cosignature), so a quorum of
 * recent ones bounds how stale a view the log can freeze a verifier on. This package has no
 * clock: the caller passes its own `now`.
 */
export interface CosignatureFreshness {
  /** The verifier's current time, in milliseconds since the Unix epoch. */
  readonly now: number;
  /** A cosignature whose timestamp is more than this many ms before `now` does not count. */
  readonly maxAgeMs: number;
  /**
   * A cosignature whose timestamp is more than this many ms after `now` does not count (the
   * spec lets verifiers reject future timestamps). Default `DEFAULT_MAX_FUTURE_SKEW_MS`.
   */
  readonly maxFutureSkewMs?: number;
}

/** Default tolerance for a witness clock ahead of the verifier's: 5 minutes. */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** A verified cosignature of a policy witness that did not count toward the quorum. */
export interface IgnoredCosignature {
  /** The witness's name in the policy. */
  readonly name: string;
  /** Its timestamp (seconds since the epoch). */
  readonly timestamp: number;
  /** `stale`: older than `maxAgeMs`; `future`: beyond `maxFutureSkewMs` ahead. */
  readonly reason: 'stale' | 'future';
}

/** A checkpoint accepted under a policy. */
export interface PolicyVerifiedCheckpoint extends VerifiedCheckpoint {
  /** The policy log whose key signed it. */
  readonly log: PolicyLog;
  /** Names of the policy witnesses whose cosignatures verified and counted toward the quorum. */
  readonly cosignedBy: readonly string[];
  /** With `freshness`: verified cosignatures that did not count (too old, or too far in the future). */
  readonly ignoredCosignatures: readonly IgnoredCosignature[];
  readonly quorum: QuorumEvaluation;
}

/**
 * Verifies a cosigned checkpoint against a policy (c2sp.org/tlog-policy, tlog-proof steps 2-3):
 * signed by one of the policy's logs whose key name is the origin (`tlog.policy_unknown_log`
 * otherwise), every cosignature from a policy witness verifies (`tlog.note_bad_signature`
 * otherwise), and the verified cosigners satisfy the quorum (`tlog.policy_quorum_not_met`, with
 * `detail.cosignedBy`). `extraLogs` adds log keys known from context (policies may list none).
 *
 * With `freshness`, only cosignatures whose timestamp lies in [now − maxAgeMs, now +
 * maxFutureSkewMs] count (one per witness key: the first verified line). If the quorum is met
 * by all verified cosignatures but not by those: `tlog.stale_checkpoint` (`detail.cosignedBy`
 * the ones that counted, `detail.stale` / `detail.future` the others with their timestamps). A
 * policy with `quorum none` needs no cosignature, so it says nothing about freshness.
 */
export function verifyCheckpointWithPolicy(
  note: string | Uint8Array,
  policy: TlogPolicy,
  options: {
    readonly extraLogs?: readonly NoteVerifier[];
    readonly origin?: string;
    readonly limits?: NoteLimits;
    readonly freshness?: CosignatureFreshness;
  } = {},
): PolicyVerifiedCheckpoint {
  const freshness = options.freshness;
  if (freshness !== undefined) {
    const skew = freshness.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
    if (!Number.isFinite(freshness.now) || !(freshness.maxAgeMs >= 0) || !(skew >= 0)) {
      throw new RangeError('freshness needs a finite now and non-negative maxAgeMs / maxFutureSkewMs');
    }
  }
  const logVerifiers = [...policy.logs.map((l) => l.verifier), ...(options.extraLogs ?? [])];
  const witnessList = [...policy.witnesses.values()];
  let verified: VerifiedCheckpoint;
  try {
    verified = verifyCheckpoint(note, {
      logVerifiers,
      witnessVerifiers: witnessList.map((w) => w.verifier),
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    });
  } catch (e) {
    if (
      isTlogError(e, 'tlog.note_unverified') ||
      (isTlogError(e, 'tlog.checkpoint_origin_mismatch') && options.origin === undefined)
    ) {
      throw tlogError('tlog.policy_unknown_log', 'checkpoint is not signed by a log in the policy', undefined, e);
    }
    throw e;
  }
  const logKey = verified.logKeys.find((k) => k.name === verified.checkpoint.origin) as NoteVerifier;
  const log = policy.logs.find((l) => l.verifier === logKey) ?? { vkey: '', verifier: logKey };
  const names = new Set<string>();
  const counted = new Set<string>();
  const ignored: IgnoredCosignature[] = [];
  for (const c of verified.cosignatures) {
    const w = witnessList.find((x) => x.verifier === c.verifier);
    if (w === undefined) continue;
    names.add(w.name);
    const reason = freshness === undefined ? undefined : staleness(c.timestamp, freshness);
    if (reason === undefined) counted.add(w.name);
    else ignored.push({ name: w.name, timestamp: c.timestamp, reason });
  }
  const quorum = evaluateQuorum(policy, counted);
  if (!quorum.satisfied) {
    if (ignored.length > 0 && evaluateQuorum(policy, names).satisfied) {
      throw tlogError(
        'tlog.stale_checkpoint',
        'the checkpoint is not cosigned recently enough by a quorum of the policy witnesses',
        {
          cosignedBy: [...counted],
          stale: ignored.filter((i) => i.reason === 'stale').map(({ name, timestamp }) => ({ name, timestamp })),
          future: ignored.filter((i) => i.reason === 'future').map(({ name, timestamp }) => ({ name, timestamp })),
          maxAgeMs: freshness?.maxAgeMs,
          quorum: policy.quorum,
        },
      );
    }
    throw tlogError('tlog.policy_quorum_not_met', 'cosignatures do not satisfy the policy quorum', {
      cosignedBy: [...names],
      quorum: policy.quorum,
    });
  }
  return { ...verified, log, cosignedBy: [...counted], ignoredCosignatures: ignored, quorum };
}

/** Why a cosignature timestamp (seconds) falls outside the freshness window, if it does. */
function staleness(timestamp: number, f: CosignatureFreshness): 'stale' | 'future' | undefined {
  const at = timestamp * 1000;
  if (at < f.now - f.maxAgeMs) return 'stale';
  if (at > f.now + (f.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS)) return 'future';
  return undefined;
}
