/**
 * Key transparency in the client SDK (issue 6), end to end against the real server (testkit) on
 * SQLite and PostgreSQL: device certificates are accepted only with a verified log receipt; a
 * device the server lists but never logged (injected straight into its database) is refused; a
 * log that rolls its checkpoint back is refused; the own-account history comes from the log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FulcrumClient, FulcrumClient as Client, TABLES } from '@fulcrum/client';
import { createNodeClient, SqliteClientStore } from '@fulcrum/client-node';
import { decodeBase64Url, encodeBase64Url, isFulcrumError, utf8Decode } from '@fulcrum/common';
import { createDeviceKeys, decodeAccountIdentity, parseDeviceId, signDeviceCertificate } from '@fulcrum/e2ee';
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { generateEd25519NoteKey, parseEd25519PrivateKey, signCheckpoint } from '@fulcrum/tlog';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultyTransport, unique } from './helpers.js';

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
  } catch (e) {
    return isFulcrumError(e) ? e.code : `not-fulcrum: ${String(e)}`;
  }
  return undefined;
};

const KT = { keyTransparency: { integrationWaitMs: 1000 } } as const;

describe.each(['sqlite', 'postgres'] as const)('client key transparency (%s)', (dialect) => {
  let platform: TestPlatform;
  const dirs: string[] = [];
  const clients: FulcrumClient[] = [];

  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'fulcrum-kt-'));
    dirs.push(d);
    return d;
  };
  const device = async (dataDir = newDir()) => {
    const c = await createNodeClient({ server: platform.url, dataDir, options: { keyPackageTarget: 4, ...KT } });
    clients.push(c);
    return { client: c, dataDir };
  };

  /** alice (a1 with the identity key, a2 linked) and bob. */
  async function accounts() {
    const a1 = await device();
    const a2 = await device();
    const b1 = await device();
    const alice = unique('alice');
    const bob = unique('bob');
    await a1.client.register(alice);
    const { certificate } = await a1.client.certifyDevice(await a2.client.createLinkRequest());
    await a2.client.completeLink(certificate);
    await b1.client.register(bob);
    return { a1, a2, b1, alice, bob };
  }

  /** A device certificate signed by the account's real identity key, written straight into the server's DB. */
  async function injectUnloggedDevice(identityHolderDir: string): Promise<string> {
    const store = new SqliteClientStore(identityHolderDir, { unsafeNoLock: true });
    const self = JSON.parse(utf8Decode((await store.get(TABLES.device, 'self')) as Uint8Array)) as {
      accountIdentity: string;
    };
    await store.close();
    const identity = decodeAccountIdentity(decodeBase64Url(self.accountIdentity));
    const keys = createDeviceKeys(parseDeviceId(encodeBase64Url(randomBytes(16))));
    const cert = signDeviceCertificate(identity, keys);
    await platform.db.kysely
      .insertInto('devices')
      .values({
        device_id: keys.deviceId,
        account_id: identity.accountId,
        certificate: cert.encoded,
        request_key: keys.requestSigningPublicKey,
        created_at: Date.now(),
        revoked_at: null,
        revocation: null,
        queue_seq: 0,
      })
      .execute();
    return keys.deviceId;
  }

  beforeAll(async () => {
    platform = await startTestPlatform({ dialect });
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await platform?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('normal flows work with the check on, and every member device was proven to be logged', async () => {
    const { a1, a2, b1, alice } = await accounts();
    const conv = await b1.client.createConversation({ members: [alice] });
    await a1.client.sync();
    await a2.client.sync();
    await b1.client.sendText(conv.groupId, 'hello');
    await a1.client.sync();
    await a2.client.sendText(conv.groupId, 'hi from a2');
    await a1.client.sync();
    await b1.client.sync();
    const got = await b1.client.history(conv.groupId, {});
    expect(got.map((m) => (m.content.type === 'text' ? m.content.text : ''))).toEqual(['hello', 'hi from a2']);
    // bob's store holds log evidence for both of alice's devices, the pinned key and a checkpoint.
    const b1Id = b1.client.self?.deviceId;
    await b1.client.close();
    const store = new SqliteClientStore(b1.dataDir, { unsafeNoLock: true });
    const rows = await store.list(TABLES.keyTransparency);
    await store.close();
    const keys = rows.map((r) => r.key);
    expect(keys).toContain('log-key');
    expect(keys).toContain('checkpoint');
    expect(keys).toContain(`device/${a1.client.self?.deviceId}`);
    expect(keys).toContain(`device/${a2.client.self?.deviceId}`);
    // alice's devices joined from a Welcome: that credential check proved bob's device too.
    for (const a of [a1, a2]) {
      const peek = new SqliteClientStore(a.dataDir, { unsafeNoLock: true });
      const proven = (await peek.list(TABLES.keyTransparency, { prefix: 'device/' })).map((r) => r.key);
      await peek.close();
      expect(proven).toContain(`device/${b1Id}`);
    }
  });

  it('a device the server lists but never logged is refused with client.key_not_in_log', async () => {
    const { a1, b1, alice } = await accounts();
    const injected = await injectUnloggedDevice(a1.dataDir);
    // The directory does list it (its certificate verifies under alice's key)...
    const listed = await b1.client.lookupAccount(alice);
    expect(listed.devices.map((d) => d.deviceId)).toContain(injected);
    // ...but the log does not: adding alice is refused, none of her devices is added.
    expect(await codeOf(b1.client.createConversation({ members: [alice] }))).toBe('client.key_not_in_log');
    const aliceId = a1.client.self?.accountId;
    for (const c of await b1.client.listConversations()) {
      expect(c.members.map((m) => m.accountId)).not.toContain(aliceId);
    }
  });

  it('a device revoked in the log is refused even if the directory hides the revocation', async () => {
    const { a1, a2, b1, alice } = await accounts();
    const a2Id = a2.client.self?.deviceId as string;
    await a1.client.revokeDevice(a2Id);
    await platform.db.kysely
      .updateTable('devices')
      .set({ revoked_at: null, revocation: null })
      .where('device_id', '=', a2Id)
      .execute();
    await new Promise((r) => setTimeout(r, 300)); // let the integrator publish the revocation
    expect(await codeOf(b1.client.createConversation({ members: [alice] }))).toBe('client.key_revoked');
  });

  it('a rollback of the log checkpoint is refused with tlog.rollback', async () => {
    const old = await fetch(`${platform.url}/log/checkpoint`).then((r) => r.text());
    const dir = newDir();
    const transport = new FaultyTransport(platform.url);
    const b1 = await Client.open({ store: new SqliteClientStore(dir), transport, keyPackageTarget: 4, ...KT });
    clients.push(b1);
    await b1.register(unique('bob'));
    const { a1, alice } = await accounts();
    void a1;
    // A first conversation: b1 verifies alice's devices under the current (larger) checkpoint.
    await b1.createConversation({ members: [alice] });
    // Now the server serves the old checkpoint (a rollback).
    transport.rewrite = (req, res) =>
      req.path === '/log/checkpoint' ? { ...res, body: new TextEncoder().encode(old) } : res;
    expect(await codeOf(b1.createConversation({ members: [alice] }))).toBe('tlog.rollback');
  });

  /** A client on a FaultyTransport (answers can be rewritten), registered. */
  async function rewritable(dir = newDir()) {
    const transport = new FaultyTransport(platform.url);
    const client = await Client.open({ store: new SqliteClientStore(dir), transport, keyPackageTarget: 4, ...KT });
    clients.push(client);
    if (client.self === undefined) await client.register(unique('carol'));
    return { client, transport, dir };
  }

  it('a checkpoint signed by the log key but forking the remembered tree is refused with tlog.fork_detected', async () => {
    const c = await rewritable();
    const { alice } = await accounts();
    await c.client.createConversation({ members: [alice] });
    // The checkpoint this client remembers.
    const peek = new SqliteClientStore(c.dir, { unsafeNoLock: true });
    const seen = JSON.parse(utf8Decode((await peek.get(TABLES.keyTransparency, 'checkpoint')) as Uint8Array)) as {
      origin: string;
      size: number;
    };
    await peek.close();
    // The log (its real signing key, from the server's DB) signs another tree of that size.
    const row = await platform.db.kysely
      .selectFrom('log_keys')
      .select('secret')
      .where('purpose', '=', 'checkpoint')
      .executeTakeFirstOrThrow();
    const forged = await signCheckpoint(
      { origin: seen.origin, size: seen.size as never, rootHash: new Uint8Array(randomBytes(32)), extensions: [] },
      [parseEd25519PrivateKey(row.secret)],
    );
    c.transport.rewrite = (req, res) =>
      req.path === '/log/checkpoint' ? { ...res, body: new TextEncoder().encode(forged) } : res;
    expect(await codeOf(c.client.createConversation({ members: [alice] }))).toBe('tlog.fork_detected');
  });

  it('a log key other than the pinned one is refused with client.log_key_changed', async () => {
    const c = await rewritable();
    const { alice } = await accounts();
    await c.client.createConversation({ members: [alice] });
    await c.client.close();
    const again = await rewritable(c.dir);
    const origin = (await fetch(`${platform.url}/log/key`).then((r) => r.text())).split('+')[0] as string;
    const other = generateEd25519NoteKey(origin).vkey;
    again.transport.rewrite = (req, res) =>
      req.path === '/log/key' ? { ...res, body: new TextEncoder().encode(`${other}\n`) } : res;
    expect(await codeOf(again.client.createConversation({ members: [alice] }))).toBe('client.log_key_changed');
  });

  it('a Welcome from a device the log does not hold is not joined (error event client.key_not_in_log) and dropped, not held', async () => {
    const a = await rewritable();
    const errors: unknown[] = [];
    a.client.on('error', (e) => errors.push(e.error));
    const b1 = await device();
    await b1.client.register(unique('bob'));
    const bobDevice = b1.client.self?.deviceId as string;
    // The server hides bob's device from the log for this client.
    a.transport.rewrite = (req, res) =>
      req.path === `/log/kt/device/${bobDevice}` ? { status: 404, headers: {}, body: new Uint8Array(0) } : res;
    const receive: unknown[] = [];
    a.client.on('receive', (e) => receive.push(e));
    const hidden = await b1.client.createConversation({ members: [a.client.self?.name as string] });
    await a.client.sync();
    expect(await a.client.listConversations()).toEqual([]);
    expect(errors.map((e) => (isFulcrumError(e) ? e.code : String(e)))).toContain('client.key_not_in_log');
    // A real violation is refused and dropped, not held like a stale checkpoint: receiving does
    // not pause, and once the log answers truthfully the Welcome does not come back, while a new
    // one is joined.
    expect(a.client.receivePaused).toBeUndefined();
    expect(receive).toEqual([]);
    a.transport.rewrite = (_req, res) => res;
    const shown = await b1.client.createConversation({ members: [a.client.self?.name as string] });
    await a.client.sync();
    const joined = (await a.client.listConversations()).map((c) => c.groupId);
    expect(joined).toEqual([shown.groupId]);
    expect(joined).not.toContain(hidden.groupId);
  });

  it('the own-account history lists every logged device and flags an unlogged one', async () => {
    const { a1, a2 } = await accounts();
    const a1Id = a1.client.self?.deviceId as string;
    const a2Id = a2.client.self?.deviceId as string;
    const injected = await injectUnloggedDevice(a1.dataDir);
    const report = await a1.client.keyTransparencyReport();
    expect(report.label.length).toBe(64);
    expect(report.history.accountKeys.length).toBe(1);
    expect(report.history.devices.map((d) => d.deviceId).sort()).toEqual([a1Id, a2Id].sort());
    expect(report.unknown).toEqual([]); // a1 is itself, a2 it certified
    expect(report.unlogged).toEqual([injected]);
    // On a2 (which did not add a1), a1 is a logged device it does not know.
    const fromA2 = await a2.client.keyTransparencyReport();
    expect(fromA2.unknown.map((d) => d.deviceId)).toEqual([a1Id]);
    expect((await a2.client.keyTransparencyReport({ knownDeviceIds: [a1Id] })).unknown).toEqual([]);
  });
});
