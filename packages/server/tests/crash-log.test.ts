/**
 * Crash safety of the transparency log (issue 6): a `fulcrum serve` child under a stream of
 * concurrent account registrations (each appends `key.account` + `key.device` inside its own
 * transaction, sequencer in the caller's transaction) is killed with SIGKILL mid-stream while a
 * reader keeps fetching signed checkpoints. Restarted on the same storage, the log must:
 * - hold the `key.account` and `key.device` entries of every registration that was acknowledged
 *   (read from the tiles with a full audit, and through `/log/kt/...` with verified receipts);
 * - sign a checkpoint that is consistent with every checkpoint fetched before the kill
 *   (RFC 9162 §2.1.4 consistency proofs built from verified tiles and checked with `@fulcrum/tlog`);
 * - keep its key (same verifier key, same origin).
 */
import { createTestAccountIdentity, createTestDevice, rawRequest, type TestDevice } from '@fulcrum/testkit';
import {
  type AccountKeyEntry,
  blindAccountName,
  createConsistencyProof,
  createEd25519NoteVerifier,
  createTileHashReader,
  type DeviceKeyEntry,
  finalizeAccountLabel,
  keyTransparencyRegistry,
  type LabelKeyEntry,
  type NoteVerifier,
  parseVerifierKey,
  type TileSource,
  type VerifiedCheckpoint,
  verifyCheckpoint,
  verifyCheckpointExtends,
  verifyServedAccountKey,
  verifyServedDeviceKey,
  verifyTiledLog,
} from '@fulcrum/tlog';
import { routes } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeChild, serveStorageArgs, spawnServe } from './fixtures/serve-child.js';

const TOTAL = 160;
const WORKERS = 16;
const KILL_AFTER_ACKS = 50;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Reads the log over HTTP only, as any C2SP tlog-tiles client would. */
function httpSource(base: string): TileSource {
  return {
    async read(path) {
      const res = await fetch(`${base}/log/${path}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

async function fetchLogKey(base: string): Promise<string> {
  // Pooled keep-alive sockets to the killed server (same port) fail once each: retry.
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/log/key`);
      if (res.ok) return (await res.text()).trim();
      if (i >= 10) throw new Error(`GET /log/key: ${res.status}`);
    } catch (e) {
      if (i >= 10) throw e;
    }
  }
}

async function fetchCheckpoint(base: string, verifier: NoteVerifier): Promise<VerifiedCheckpoint> {
  const note = await (await fetch(`${base}/log/checkpoint`)).text();
  return verifyCheckpoint(note, { logVerifiers: [verifier] });
}

describe.each(['sqlite', 'postgres'] as const)('transparency log under SIGKILL (%s)', (dialect) => {
  let args: string[];
  let drop: () => Promise<void>;
  let server: ServeChild;

  beforeAll(async () => {
    ({ args, drop } = await serveStorageArgs(dialect, 'fulcrum-crash-log-'));
    args.push('--log-level', 'warn');
    server = await spawnServe(args);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });

  it('keeps every acknowledged key entry; the new checkpoint extends every earlier one; same key', async () => {
    const vkeyBefore = await fetchLogKey(server.url);
    const parsedKey = parseVerifierKey(vkeyBefore);
    const verifier = createEd25519NoteVerifier(parsedKey.name, parsedKey.publicKey);

    // Keys are made before the stream so the stream is only HTTP + the server's work.
    const devices: TestDevice[] = Array.from({ length: TOTAL }, (_, i) =>
      createTestDevice(createTestAccountIdentity(), `crash-log-${i}`),
    );
    const register = (base: string, d: TestDevice) =>
      rawRequest(base, 'POST', routes.createAccount.path, {
        body: {
          name: d.name,
          identityKey: b64(d.identity.publicKey),
          deviceCertificate: b64(d.certificate.encoded),
        },
      });

    // Phase 1: WORKERS concurrent registrations; a reader keeps fetching signed checkpoints; SIGKILL
    // once KILL_AFTER_ACKS registrations are acknowledged and a checkpoint beyond the first is seen.
    const firstUrl = server.url;
    const acked: TestDevice[] = [];
    const refused: number[] = [];
    const seen: VerifiedCheckpoint[] = [];
    let next = 0;
    let killed: Promise<void> | undefined;
    const grownBeyondStart = () => seen.some((c) => c.checkpoint.size > 1);
    const maybeKill = () => {
      if (killed === undefined && acked.length >= KILL_AFTER_ACKS && grownBeyondStart()) killed = server.kill();
    };
    const worker = async () => {
      while (next < TOTAL && killed === undefined) {
        const d = devices[next++]!;
        try {
          const res = await register(firstUrl, d);
          if (res.status === 201) acked.push(d);
          else refused.push(res.status);
        } catch {
          // Connection reset by the kill: unacknowledged.
        }
        maybeKill();
      }
    };
    const reader = async () => {
      while (killed === undefined) {
        try {
          seen.push(await fetchCheckpoint(firstUrl, verifier));
        } catch {
          // The kill interrupted the fetch.
        }
        maybeKill();
        await new Promise((r) => setTimeout(r, 15));
      }
    };
    const readerDone = reader();
    await Promise.all(Array.from({ length: WORKERS }, worker));
    // If the stream ended before the kill condition (slow integrator), kill now anyway.
    killed ??= server.kill();
    await killed;
    await readerDone;
    expect(refused).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(grownBeyondStart()).toBe(true);
    const attempted = next;
    const largestSeen = Math.max(...seen.map((c) => c.checkpoint.size));

    // Phase 2: restart on the same storage and port.
    const port = Number(new URL(firstUrl).port);
    server = await spawnServe(args, port);
    const vkeyAfter = await fetchLogKey(server.url);
    expect(vkeyAfter).toBe(vkeyBefore);

    // Each acknowledged registration's two entries are in the log once it is integrated: poll
    // `/log/kt/device/...` until the last acknowledged device shows up (the integrator catches
    // up with everything committed before the kill).
    const kt = async (kind: 'account' | 'device', id: string) =>
      rawRequest<{ entries: { index: number; entry: string; receipt: string }[] }>(
        server.url,
        'GET',
        `/log/kt/${kind}/${id}`,
      );
    for (let i = 0; ; i++) {
      const statuses = await Promise.all(
        acked.slice(-WORKERS).map(async (d) => (await kt('device', d.deviceId)).status),
      );
      if (statuses.every((s) => s === 200)) break;
      if (i > 400) throw new Error(`acknowledged devices not integrated after restart: ${statuses}`);
      await new Promise((r) => setTimeout(r, 25));
    }

    // The new checkpoint: verified, and a full audit of the tiles and entry bundles.
    const registry = keyTransparencyRegistry();
    const accountKeys = new Map<string, AccountKeyEntry>(); // identity public key hex -> entry
    const deviceKeys = new Map<string, DeviceKeyEntry>(); // device id -> entry
    let labelKey: LabelKeyEntry | undefined;
    const source = httpSource(server.url);
    const verdict = await verifyTiledLog({
      source,
      verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers: [verifier] }),
      audit: {
        onEntry: (_i, bytes) => {
          const e = registry.decode(bytes);
          if (e.kind === 'key.account') {
            const v = e.value as AccountKeyEntry;
            accountKeys.set(hex(v.publicKey), v);
          } else if (e.kind === 'key.device') {
            const v = e.value as DeviceKeyEntry;
            deviceKeys.set(v.deviceId, v);
          } else if (e.kind === 'kt.label_key') {
            labelKey = e.value as LabelKeyEntry;
          }
        },
      },
    });
    const now = verdict.checkpoint.checkpoint;
    expect(verdict.audit?.entries).toBe(now.size);
    expect(now.origin).toBe(parsedKey.name);

    // Nothing acknowledged was lost: both entries of each, under one label.
    const missing = acked.filter((d) => {
      const account = accountKeys.get(hex(d.identity.publicKey));
      const device = deviceKeys.get(d.deviceId);
      return (
        account === undefined ||
        device === undefined ||
        hex(account.label) !== hex(device.label) ||
        hex(device.publicKey) !== hex(d.certificate.mlsSignaturePublicKey)
      );
    });
    expect(missing.map((d) => d.name)).toEqual([]);
    // Entries are 1 label key + 2 per registration that committed (acknowledged or not).
    expect(now.size).toBe(1 + 2 * accountKeys.size);
    expect(deviceKeys.size).toBe(accountKeys.size);
    expect(accountKeys.size).toBeGreaterThanOrEqual(acked.length);
    expect(now.size).toBeGreaterThanOrEqual(largestSeen);

    // The same through the key-transparency endpoints, each with a verified receipt.
    const verifyNote = (note: string) => verifyCheckpoint(note, { logVerifiers: [verifier] });
    for (const d of acked) {
      const account = await kt('account', d.accountId);
      expect(account.status).toBe(200);
      const a = account.body.entries[0]!;
      const { account: logged } = verifyServedAccountKey({
        label: (registry.decode(unb64(a.entry)).value as AccountKeyEntry).label,
        publicKey: d.identity.publicKey,
        entry: unb64(a.entry),
        receipt: a.receipt,
        registry,
        verifyCheckpoint: verifyNote,
      });
      const device = await kt('device', d.deviceId);
      expect(device.status).toBe(200);
      const e = device.body.entries[0]!;
      const served = verifyServedDeviceKey({
        label: logged.label, // the device entry must carry the account's label
        deviceId: d.deviceId,
        publicKey: d.certificate.mlsSignaturePublicKey,
        entry: unb64(e.entry),
        receipt: e.receipt,
        registry,
        verifyCheckpoint: verifyNote,
      });
      expect(served.device.deviceId).toBe(d.deviceId);
    }

    // The label is the VOPRF of the account name under the logged key (a sample: the DLEQ proof
    // is checked against the `kt.label_key` entry in the log).
    expect(labelKey).toBeDefined();
    for (const d of acked.slice(0, 3)) {
      const { blind, blindedElement } = blindAccountName(d.name);
      const ev = await rawRequest<{ evaluatedElement: string; proof: string }>(server.url, 'POST', '/log/kt/label', {
        body: { blindedElement: b64(blindedElement) },
      });
      expect(ev.status).toBe(200);
      const label = finalizeAccountLabel({
        accountName: d.name,
        blind,
        blindedElement,
        evaluatedElement: unb64(ev.body.evaluatedElement),
        proof: unb64(ev.body.proof),
        publicKey: labelKey!.publicKey,
      });
      expect(hex(label)).toBe(hex(accountKeys.get(hex(d.identity.publicKey))!.label));
    }

    // Every checkpoint fetched before the kill is extended by the new one: a consistency proof
    // from tiles verified against the new signed root, checked against the old root.
    const hashes = createTileHashReader({ treeSize: now.size, rootHash: now.rootHash, source });
    const distinct = new Map<number, VerifiedCheckpoint>();
    for (const c of seen) {
      const prior = distinct.get(c.checkpoint.size);
      // Two notes of one size must name one root (no split view before the kill either).
      if (prior !== undefined) expect(hex(prior.checkpoint.rootHash)).toBe(hex(c.checkpoint.rootHash));
      distinct.set(c.checkpoint.size, c);
    }
    for (const c of distinct.values()) {
      const old = c.checkpoint;
      const proof = old.size === 0 ? [] : await createConsistencyProof(old.size, now.size, hashes);
      const ok = verifyCheckpointExtends({ origin: old.origin, size: old.size, rootHash: old.rootHash }, now, proof);
      expect(ok.newSize).toBe(now.size);
    }
    // And the verifier's own path (`previous` state) agrees for the largest one.
    const latestBefore = distinct.get(largestSeen)!.checkpoint;
    const again = await verifyTiledLog({
      source,
      verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers: [verifier] }),
      previous: { size: latestBefore.size, rootHash: latestBefore.rootHash },
    });
    expect(again.consistentWith?.size).toBe(latestBefore.size);

    // The log goes on after the crash: one more registration is integrated under the same key.
    const after = createTestDevice(createTestAccountIdentity(), 'crash-log-after');
    expect((await register(server.url, after)).status).toBe(201);
    for (let i = 0; (await kt('device', after.deviceId)).status !== 200; i++) {
      if (i > 400) throw new Error('the registration after the restart was not integrated');
      await new Promise((r) => setTimeout(r, 25));
    }
    const last = await fetchCheckpoint(server.url, verifier);
    expect(last.checkpoint.size).toBe(now.size + 2);

    console.log(
      `crash-log (${dialect}): ${attempted} registrations started, ${acked.length} acknowledged before SIGKILL, ` +
        `${accountKeys.size} durable; ${distinct.size} distinct checkpoints seen before the kill (largest ${largestSeen}), ` +
        `checkpoint ${now.size} after restart consistent with all of them; key unchanged`,
    );
  }, 120_000);
});
