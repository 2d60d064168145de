/**
 * Issue 4, "a PostgreSQL connection that drops": while the server runs, its PostgreSQL connections
 * are killed (`pg_terminate_backend`, only the backends carrying this test's `application_name`),
 * and then PostgreSQL is made unreachable for a while (a TCP relay between the server and
 * PostgreSQL refuses and cuts every connection). Every request in those windows must either
 * succeed or get 503 `service.unavailable`; the same server must serve again by itself once
 * connections work; and every send acknowledged before, during or after the outage must reach the
 * recipient exactly once (503s are retried with the same clientMessageId, as clients do).
 */
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { pgConnectionConfig } from '@fulcrum/server';
import { rawRequest, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  b64,
  catchUp,
  claim,
  fetchItems,
  type Member,
  postCommit,
  publishKeyPackages,
  registerMember,
  unb64,
  encryptFranked,
} from './mls-fixtures.js';

const POSTGRES_URL = process.env.FULCRUM_TEST_POSTGRES ?? 'postgres://127.0.0.1:5432/test';

/** A TCP relay to PostgreSQL that can be switched off (every connection cut, new ones refused). */
interface PgRelay {
  readonly port: number;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

async function startPgRelay(target: URL): Promise<PgRelay> {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname || '127.0.0.1', port: Number(target.port || 5432) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no relay port');
  return {
    port: address.port,
    setDown(value) {
      down = value;
      if (value) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface ErrorBody {
  error: { code: string };
}

describe('PostgreSQL connections drop while the server runs', () => {
  const appName = `fulcrum_dbdrop_${randomBytes(5).toString('hex')}`;
  let relay: PgRelay;
  let p: TestPlatform;
  let admin: pg.Client;
  let alice: Member;
  let bob: Member;
  let groupId: string;
  /** clientMessageId → the MLS bytes, for every send the server acknowledged. */
  const acknowledged = new Map<string, Uint8Array>();
  /** Every status seen while connections were being dropped. */
  const statuses: Array<{ status: number; code?: string }> = [];

  beforeAll(async () => {
    const target = new URL(POSTGRES_URL);
    relay = await startPgRelay(target);
    const viaRelay = new URL(POSTGRES_URL);
    viaRelay.host = `127.0.0.1:${relay.port}`;
    viaRelay.searchParams.set('application_name', appName);
    p = await startTestPlatform({ dialect: 'postgres', postgresUrl: viaRelay.toString() });
    admin = new pg.Client(pgConnectionConfig(POSTGRES_URL));
    await admin.connect();

    alice = await registerMember(p.url, 'alice-dbdrop');
    bob = await registerMember(p.url, 'bob-dbdrop');
    expect((await publishKeyPackages(bob, 2)).status).toBe(200);
    alice.group = await alice.mls.createGroup(alice.state);
    groupId = b64(alice.group.groupId);
    expect((await rawRequest(p.url, 'POST', '/v1/groups', { signer: alice.device, body: { groupId } })).status).toBe(
      201,
    );
    const kp = await claim(alice, bob.device.accountId);
    const added = await alice.mls.addDevices(
      alice.group,
      kp.body.keyPackages.map((k) => new Uint8Array(Buffer.from(k.data, 'base64url'))),
    );
    const res = await postCommit(alice, groupId, {
      commit: added.commit,
      welcome: added.welcome!,
      addedDevices: [bob.device.deviceId],
      removedDevices: [],
    });
    expect(res.status).toBe(200);
    alice.group = added.group;
    await catchUp(bob);
    expect(bob.group?.epoch).toBe(1n);
  }, 60_000);

  afterAll(async () => {
    relay?.setDown(false);
    await p?.close();
    await admin?.end();
    await relay?.close();
  });

  /** Encrypts one message now (MLS state advances once per message, retries reuse the bytes). */
  async function prepare(text: string): Promise<{ id: string; text: string; message: Uint8Array }> {
    const enc = await encryptFranked(alice, new TextEncoder().encode(text));
    alice.group = enc.group;
    return { id: b64(randomBytes(16)), text, message: enc.message };
  }

  async function send(m: { id: string; text: string; message: Uint8Array }): Promise<number> {
    const res = await rawRequest<{ seq: number } | ErrorBody>(p.url, 'POST', `/v1/groups/${groupId}/messages`, {
      signer: alice.device,
      body: { clientMessageId: m.id, message: b64(m.message) },
    });
    const code = res.status === 200 ? undefined : (res.body as ErrorBody).error?.code;
    statuses.push(code === undefined ? { status: res.status } : { status: res.status, code });
    if (res.status === 200) acknowledged.set(m.id, m.message);
    return res.status;
  }

  /** Retries (same clientMessageId) until acknowledged; fails if not within `ms`. */
  async function sendUntilAcknowledged(m: { id: string; text: string; message: Uint8Array }, ms: number) {
    const deadline = Date.now() + ms;
    while ((await send(m)) !== 200) {
      if (Date.now() > deadline) throw new Error(`not acknowledged within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function terminateServerBackends(): Promise<number> {
    const r = await admin.query(
      'select pg_terminate_backend(pid) as t from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [appName],
    );
    return r.rowCount ?? 0;
  }

  it('answers 200 or 503 while its backends are terminated mid-load, and serves again at once', async () => {
    const before = await prepare('before the drop');
    await sendUntilAcknowledged(before, 1_000);
    const backends = (
      await admin.query('select count(*)::int as n from pg_stat_activity where application_name = $1', [appName])
    ).rows[0] as { n: number };
    expect(backends.n).toBeGreaterThan(0); // the filter really finds the server's connections

    const batch = await Promise.all(Array.from({ length: 30 }, (_, i) => prepare(`mid-load ${i}`)));
    const inFlight = batch.map((m) => send(m));
    await new Promise((r) => setTimeout(r, 5));
    expect(await terminateServerBackends()).toBeGreaterThan(0);
    const first = await Promise.all(inFlight);
    for (const s of first) expect([200, 503]).toContain(s);
    // Recovery needs no restart: the pool opens fresh connections on the next request.
    for (const [i, m] of batch.entries()) if (first[i] !== 200) await sendUntilAcknowledged(m, 5_000);
    // Terminated while idle: the pool drops the dead clients; the next request works or is a 503.
    await terminateServerBackends();
    await sendUntilAcknowledged(await prepare('after idle termination'), 5_000);
  }, 60_000);

  it('answers 503 service.unavailable while PostgreSQL is unreachable, and recovers by itself', async () => {
    relay.setDown(true);
    await terminateServerBackends();
    const during = await Promise.all(Array.from({ length: 5 }, (_, i) => prepare(`during the outage ${i}`)));
    const outcomes: number[] = [];
    const outageEnds = Date.now() + 1_500;
    for (const m of during) outcomes.push(await send(m));
    while (Date.now() < outageEnds) {
      const res = await rawRequest<ErrorBody>(p.url, 'GET', '/v1/queue?after=0&limit=1', { signer: bob.device });
      outcomes.push(res.status);
      statuses.push({ status: res.status, code: res.body.error?.code });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(outcomes.every((s) => s === 503)).toBe(true);
    relay.setDown(false);
    // Retried with the same ids (and so not duplicated, even if an answer was lost): recovered.
    for (const m of during) await sendUntilAcknowledged(m, 10_000);
    await sendUntilAcknowledged(await prepare('after the outage'), 5_000);
  }, 60_000);

  it('never answered anything but 200 or 503 service.unavailable', () => {
    const other = statuses.filter((s) => s.status !== 200 && !(s.status === 503 && s.code === 'service.unavailable'));
    expect(other).toEqual([]);
    expect(statuses.some((s) => s.status === 503)).toBe(true);
  });

  it('delivers every acknowledged send exactly once', async () => {
    // Compared as stored bytes: MLS cannot decrypt these in queue order (the retried sends were
    // encrypted earlier than the ones acknowledged before them), and the server relays bytes.
    const items = await fetchItems(bob);
    const delivered = items.map((i) => b64(unb64(i.payload))).sort();
    expect(delivered).toEqual([...acknowledged.values()].map((m) => b64(m)).sort());
    expect(new Set(delivered).size).toBe(delivered.length);
    expect(acknowledged.size).toBe(1 + 30 + 1 + 5 + 1);
  }, 30_000);
});
