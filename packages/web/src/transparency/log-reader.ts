/**
 * Reads this server's transparency log in the browser the way any C2SP tlog-tiles client does,
 * and verifies what it reads with `@fulcrum/tlog` (std, so the same code as the CLI's):
 * the served checkpoint's log signature and every witness cosignature whose key is known, then
 * the entry bundles up to the checkpoint's size, recomputing the RFC 9162 root from the entries
 * and comparing it with the signed root. Keys come from this server (`/log/key`,
 * `/log/witnesses`): trust on first use; the page says so and shows them to compare.
 */
import {
  bundleCount,
  decodeEntryBundle,
  decodeLogEntry,
  formatBundlePath,
  hashLeaf,
  MODERATION_EVENT_ENTRY,
  type NoteVerifier,
  parseNote,
  parseVerifierKey,
  rootFromLeafHashes,
  TILE_WIDTH,
  type VerifiedCheckpoint,
  verifyCheckpoint,
} from '@fulcrum/tlog';

export interface WitnessStatus {
  readonly name: string;
  readonly vkey: string;
  readonly url?: string;
  readonly cosignedSize?: number | null;
  readonly cosignedAt?: number | null;
  readonly lastError?: string | null;
}

export interface WitnessesJson {
  readonly origin: string;
  readonly logKey: string;
  readonly quorum: number;
  readonly latestSignedSize: number;
  readonly checkpoint: { size: number; rootHash: string; cosignedBy: string[] } | null;
  readonly witnesses: readonly WitnessStatus[];
}

export interface CosignatureRow {
  readonly name: string;
  /** `verified`: signature checked here; `unknown_key`: a line whose key this page does not know; `bad`: the key did not verify. */
  readonly state: 'verified' | 'unknown_key' | 'bad';
  readonly timestamp?: number;
  readonly keyId?: string;
}

export interface CheckpointReport {
  readonly logKey: string;
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly note: string;
  readonly cosignatures: readonly CosignatureRow[];
  readonly quorum: number;
  readonly witnessed: boolean;
}

export interface EntryStat {
  readonly kind: string;
  readonly time: number;
  /** For `moderation.event`: `action by role`. */
  readonly detail?: string;
}

export interface EntriesReport {
  readonly entries: readonly EntryStat[];
  /** True when every entry up to the checkpoint was read and the recomputed root equals the signed root. */
  readonly rootMatches: boolean;
  readonly read: number;
}

export class LogReadError extends Error {
  constructor(
    readonly code:
      | 'log.unreachable'
      | 'log.not_witnessed'
      | 'log.bad_checkpoint'
      | 'log.bad_bundle'
      | 'log.root_mismatch',
    message: string,
  ) {
    super(message);
  }
}

/** Entries read at most (the page then shows the newest and says it did not check the root). */
export const MAX_ENTRIES = 64 * TILE_WIDTH;

async function getText(base: string, path: string): Promise<{ status: number; text: string }> {
  let r: Response;
  try {
    r = await fetch(`${base}/log/${path}`, { cache: 'no-cache' });
  } catch {
    throw new LogReadError('log.unreachable', `cannot reach ${path}`);
  }
  return { status: r.status, text: await r.text() };
}

export async function readCheckpoint(base: string): Promise<{ report: CheckpointReport; witnesses: WitnessesJson }> {
  const [key, wit, cp] = await Promise.all([
    getText(base, 'key'),
    getText(base, 'witnesses'),
    getText(base, 'checkpoint'),
  ]);
  if (key.status !== 200 || wit.status !== 200) throw new LogReadError('log.unreachable', 'the log is not served');
  const witnesses = JSON.parse(wit.text) as WitnessesJson;
  if (cp.status === 404) throw new LogReadError('log.not_witnessed', 'no witnessed checkpoint yet');
  if (cp.status !== 200) throw new LogReadError('log.unreachable', `checkpoint: HTTP ${cp.status}`);
  const logVkey = key.text.trim();
  let logVerifier: NoteVerifier;
  try {
    logVerifier = parseVerifierKey(logVkey);
  } catch {
    throw new LogReadError('log.bad_checkpoint', 'the log key is malformed');
  }
  const witnessVerifiers: NoteVerifier[] = [];
  for (const w of witnesses.witnesses) {
    try {
      witnessVerifiers.push(parseVerifierKey(w.vkey));
    } catch {
      // an unreadable key is shown as an unknown cosigner below
    }
  }
  // Verify the log signature first, then each witness separately, so one bad cosignature is shown
  // as bad instead of hiding the others (verifyNote rejects a note with any failing known key).
  let verified: VerifiedCheckpoint;
  try {
    verified = verifyCheckpoint(cp.text, { logVerifiers: [logVerifier], origin: logVerifier.name });
  } catch {
    throw new LogReadError('log.bad_checkpoint', 'the checkpoint is not signed by the log key');
  }
  const rows: CosignatureRow[] = [];
  const note = parseNote(cp.text);
  for (const sig of note.signatures) {
    if (sig.name === logVerifier.name && sig.keyId === logVerifier.keyId) continue;
    const v = witnessVerifiers.find((x) => x.name === sig.name && x.keyId === sig.keyId);
    const keyId = sig.keyId.toString(16).padStart(8, '0');
    if (v === undefined) {
      rows.push({ name: sig.name, state: 'unknown_key', keyId });
      continue;
    }
    try {
      const one = verifyCheckpoint(cp.text, { logVerifiers: [logVerifier], witnessVerifiers: [v] });
      const c = one.cosignatures[0];
      rows.push(
        c === undefined
          ? { name: sig.name, state: 'bad', keyId }
          : { name: sig.name, state: 'verified', timestamp: c.timestamp, keyId },
      );
    } catch {
      rows.push({ name: sig.name, state: 'bad', keyId });
    }
  }
  const good = rows.filter((r) => r.state === 'verified').length;
  return {
    witnesses,
    report: {
      logKey: logVkey,
      origin: verified.checkpoint.origin,
      size: verified.checkpoint.size,
      rootHash: verified.checkpoint.rootHash,
      note: cp.text,
      cosignatures: rows,
      quorum: witnesses.quorum,
      witnessed: witnesses.quorum > 0 && good >= witnesses.quorum,
    },
  };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** Reads the entry bundles under the checkpoint (C2SP tlog-tiles) and checks them against its root. */
export async function readEntries(base: string, size: number, rootHash: Uint8Array): Promise<EntriesReport> {
  const { fullBundles, partialWidth } = bundleCount(size);
  const bundles = fullBundles + (partialWidth > 0 ? 1 : 0);
  const all = size <= MAX_ENTRIES;
  const first = all ? 0 : bundles - MAX_ENTRIES / TILE_WIDTH;
  const entries: EntryStat[] = [];
  const leafHashes: Uint8Array[] = [];
  for (let n = first; n < bundles; n++) {
    const width = n < fullBundles ? TILE_WIDTH : partialWidth;
    let bytes: Uint8Array;
    try {
      const r = await fetch(`${base}/log/${formatBundlePath({ index: n, width })}`);
      if (r.status !== 200) throw new Error(String(r.status));
      bytes = new Uint8Array(await r.arrayBuffer());
    } catch {
      throw new LogReadError('log.bad_bundle', `entry bundle ${n} could not be read`);
    }
    let raw: Uint8Array[];
    try {
      raw = decodeEntryBundle(bytes);
    } catch {
      throw new LogReadError('log.bad_bundle', `entry bundle ${n} is malformed`);
    }
    if (raw.length !== width) throw new LogReadError('log.bad_bundle', `entry bundle ${n} has the wrong width`);
    for (const e of raw) {
      leafHashes.push(hashLeaf(e));
      try {
        const env = decodeLogEntry(e);
        let detail: string | undefined;
        if (env.kind === MODERATION_EVENT_ENTRY.kind && env.version === MODERATION_EVENT_ENTRY.version) {
          const v = MODERATION_EVENT_ENTRY.decodeBody(env.body);
          detail = `${v.action} by ${v.role}`;
        }
        entries.push(
          detail === undefined ? { kind: env.kind, time: env.time } : { kind: env.kind, time: env.time, detail },
        );
      } catch {
        entries.push({ kind: 'unreadable', time: 0 });
      }
    }
  }
  let rootMatches = false;
  if (all) {
    rootMatches = equalBytes(rootFromLeafHashes(leafHashes), rootHash);
    if (!rootMatches) throw new LogReadError('log.root_mismatch', 'the entries do not hash to the signed root');
  }
  return { entries, rootMatches, read: leafHashes.length };
}

export function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
