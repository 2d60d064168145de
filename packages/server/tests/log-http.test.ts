import {
  accountHistory,
  blindAccountName,
  createEd25519NoteVerifier,
  decodeLogEntry,
  finalizeAccountLabel,
  keyTransparencyRegistry,
  type LabelKeyEntry,
  parseVerifierKey,
  type TileSource,
  verifyCheckpoint,
  verifyServedDeviceKey,
  verifyTiledLog,
} from '@fulcrum/tlog';
import { addTestDevice, rawRequest, registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { signDeviceRevocation } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLogEntry, IMMUTABLE_CACHE, WriteQueue } from '../src/index.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');

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

async function logKey(base: string) {
  const vkey = (await (await fetch(`${base}/log/key`)).text()).trim();
  const key = parseVerifierKey(vkey);
  return { vkey, verifier: createEd25519NoteVerifier(key.name, key.publicKey) };
}

async function waitForSize(base: string, size: number): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const text = await (await fetch(`${base}/log/checkpoint`)).text();
    const n = Number(text.split('\n')[1]);
    if (n >= size) return n;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the log did not reach size ${size}`);
}

describe.each(['sqlite', 'postgres'] as const)('transparency log over HTTP (%s)', (dialect) => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: { transparencyLog: { origin: 'test.fulcrum/log' } } });
  });
  afterAll(() => p?.close());

  it('logs registrations, device additions and revocations, verifiable from HTTP alone', async () => {
    const alice = await registerTestAccount(p.url, 'alice');
    const alice2 = await addTestDevice(p.url, alice);
    const bob = await registerTestAccount(p.url, 'bob');
    const revocation = signDeviceRevocation(alice.identity.secretKey, {
      accountId: alice.accountId,
      deviceId: alice2.deviceId,
      revokedAt: Date.now(),
    });
    const revoke = () =>
      rawRequest(p.url, 'POST', `/v1/devices/${alice2.deviceId}/revoke`, {
        signer: alice,
        body: { revocation: b64(revocation) },
      });
    expect((await revoke()).status).toBe(200);
    // label key, alice (account, device), alice2, bob (account, device), revocation = 7
    const size = await waitForSize(p.url, 7);
    expect(size).toBe(7);

    const { vkey, verifier } = await logKey(p.url);
    expect(vkey.startsWith('test.fulcrum/log+')).toBe(true);
    expect(vkey).toBe(p.server.log.keys.vkey);
    const entries: Uint8Array[] = [];
    const verdict = await verifyTiledLog({
      source: httpSource(p.url),
      verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers: [verifier] }),
      audit: { onEntry: (_i, e) => void entries.push(e) },
    });
    expect(verdict.checkpoint.checkpoint.size).toBe(7);
    expect(verdict.audit?.entries).toBe(7);
    const registry = keyTransparencyRegistry();
    const decoded = entries.map((e) => registry.decode(e));
    expect(decoded.map((d) => d.kind)).toEqual([
      'kt.label_key',
      'key.account',
      'key.device',
      'key.device',
      'key.account',
      'key.device',
      'key.device_revoked',
    ]);
    // No account name or id appears in the public log.
    const all = Buffer.concat(entries.map((e) => Buffer.from(e)));
    expect(all.includes(Buffer.from('alice'))).toBe(false);

    // The client derives alice's label through the VOPRF (checked against the logged label key).
    const labelKey = decoded[0]?.value as LabelKeyEntry;
    const { blind, blindedElement } = blindAccountName('alice');
    const evaluated = await rawRequest<{ evaluatedElement: string; proof: string }>(p.url, 'POST', '/log/kt/label', {
      body: { blindedElement: b64(blindedElement) },
    });
    expect(evaluated.status).toBe(200);
    const label = finalizeAccountLabel({
      accountName: 'alice',
      blind,
      blindedElement,
      evaluatedElement: Buffer.from(evaluated.body.evaluatedElement, 'base64url'),
      proof: Buffer.from(evaluated.body.proof, 'base64url'),
      publicKey: labelKey.publicKey,
    });
    const indexed = decoded.map((entry, index) => ({ index, entry }));
    const history = accountHistory(indexed, label);
    expect(
      history.accountKeys.map((k) => Buffer.from(k.publicKey).equals(Buffer.from(alice.identity.publicKey))),
    ).toEqual([true]);
    expect(history.devices.map((d) => d.deviceId).sort()).toEqual([alice.deviceId, alice2.deviceId].sort());
    expect(history.devices.find((d) => d.deviceId === alice2.deviceId)?.revoked).toBeDefined();
    expect(accountHistory(indexed, new Uint8Array(64)).devices).toEqual([]);

    // A second revocation (idempotent) logs nothing more; bob's device key has a receipt.
    expect((await revoke()).status).toBe(200);
    await p.server.log.integrator.integrateAll();
    expect(await waitForSize(p.url, 7)).toBe(7);
    const kt = await rawRequest<{ entries: { index: number; entry: string; receipt: string }[] }>(
      p.url,
      'GET',
      `/log/kt/device/${bob.deviceId}`,
    );
    expect(kt.status).toBe(200);
    const [logged] = kt.body.entries;
    const served = verifyServedDeviceKey({
      label: (registry.decode(Buffer.from(logged!.entry, 'base64url')).value as { label: Uint8Array }).label,
      deviceId: bob.deviceId,
      publicKey: bob.certificate.mlsSignaturePublicKey,
      entry: Buffer.from(logged!.entry, 'base64url'),
      receipt: logged!.receipt,
      registry,
      verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers: [verifier] }),
    });
    expect(served.device.deviceId).toBe(bob.deviceId);
    const proof = await fetch(`${p.url}/log/proof/${logged!.index}`);
    expect(await proof.text()).toBe(logged!.receipt);
    expect((await fetch(`${p.url}/log/proof/7`)).status).toBe(404);
    expect((await fetch(`${p.url}/log/proof/x`)).status).toBe(400);
  });

  it('keeps every acknowledged concurrent append; full tiles are immutable, beyond the tree is 404', async () => {
    const before = await p.server.log.integrator.sequencedSize();
    const writer = new WriteQueue(p.db, { maxBatch: 64, maxDelayMs: 2 });
    const n = 600;
    const acked = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        writer.submit((tx) =>
          appendLogEntry(tx, {
            kind: 'test.note',
            version: 1,
            time: 1_767_225_600_000 + i,
            body: new Uint8Array([i & 0xff, i >> 8]),
          }),
        ),
      ),
    );
    await writer.close();
    const indices = acked.map((a) => a.index).sort((a, b) => a - b);
    expect(indices).toEqual(Array.from({ length: n }, (_, i) => before + i));
    const size = before + n;
    expect(await waitForSize(p.url, size)).toBe(size);
    const { verifier } = await logKey(p.url);
    const seen = new Map<number, Uint8Array>();
    await verifyTiledLog({
      source: httpSource(p.url),
      verifyCheckpoint: (note) => verifyCheckpoint(note, { logVerifiers: [verifier] }),
      audit: { onEntry: (i, e) => void seen.set(i, e) },
    });
    for (const a of acked) expect(Buffer.from(seen.get(a.index)!).equals(Buffer.from(a.bytes))).toBe(true);
    expect(decodeLogEntry(seen.get(before)!).kind).toBe('test.note');

    const full = await fetch(`${p.url}/log/tile/0/000`);
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toBe(IMMUTABLE_CACHE);
    expect((await full.arrayBuffer()).byteLength).toBe(8192);
    const bundle = await fetch(`${p.url}/log/tile/entries/000`);
    expect(bundle.headers.get('cache-control')).toBe(IMMUTABLE_CACHE);
    const partialWidth = size % 256;
    const partial = await fetch(`${p.url}/log/tile/0/002.p/${partialWidth}`);
    expect(partial.status).toBe(200);
    expect(partial.headers.get('cache-control')).not.toContain('immutable');
    expect((await fetch(`${p.url}/log/tile/0/002.p/${partialWidth + 1}`)).status).toBe(404);
    expect((await fetch(`${p.url}/log/tile/0/003`)).status).toBe(404);
    expect((await fetch(`${p.url}/log/tile/0/002`)).status).toBe(404);
    expect((await fetch(`${p.url}/log/tile/0/0002`)).status).toBe(404); // non-canonical path
    const cp = await fetch(`${p.url}/log/checkpoint`);
    expect(cp.headers.get('cache-control')).toBe('no-cache');
    // A narrower partial tile is the prefix of what is stored.
    const narrow = new Uint8Array(await (await fetch(`${p.url}/log/tile/0/000.p/3`)).arrayBuffer());
    expect(
      Buffer.from(narrow).equals(
        Buffer.from((await (await fetch(`${p.url}/log/tile/0/000`)).arrayBuffer()).slice(0, 96)),
      ),
    ).toBe(true);
  });

  it('restarts with the same key and a checkpoint consistent with the earlier one', async () => {
    const { vkey } = await logKey(p.url);
    const note = await (await fetch(`${p.url}/log/checkpoint`)).text();
    const { verifier } = await logKey(p.url);
    const old = verifyCheckpoint(note, { logVerifiers: [verifier] }).checkpoint;
    await p.restart();
    // Pooled keep-alive sockets to the old server (same port) fail once each: drain them.
    for (let i = 0; i < 10; i++) if ((await fetch(`${p.url}/log/key`).catch(() => undefined))?.ok) break;
    expect((await logKey(p.url)).vkey).toBe(vkey);
    await registerTestAccount(p.url, 'carol');
    await waitForSize(p.url, old.size + 2);
    const verdict = await verifyTiledLog({
      source: httpSource(p.url),
      verifyCheckpoint: (n) => verifyCheckpoint(n, { logVerifiers: [verifier] }),
      previous: { size: old.size, rootHash: old.rootHash },
    });
    expect(verdict.consistentWith?.size).toBe(old.size);
  });
});
