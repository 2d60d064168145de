/** NatsBus against the machine's NATS (127.0.0.1:4222) and a private nats-server that is stopped and restarted. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { connect } from 'nats';
import { afterAll, describe, expect, it } from 'vitest';
import type { BusEvent } from './bus.js';
import { NatsBus } from './nats-bus.js';

const NATS_URL = process.env.FULCRUM_TEST_NATS ?? 'nats://127.0.0.1:4222';
const prefix = () => `fulcrum-t.${randomBytes(6).toString('hex')}`;
const appended = (deviceId: string, lastSeq: number): BusEvent => ({ type: 'queue.appended', deviceId, lastSeq });

function collector() {
  const got: BusEvent[] = [];
  return {
    got,
    // A new NATS subscription ends with one bus.resync (asserted in the outage test); these
    // tests count the published events only.
    handler: (e: BusEvent) => (e.type === 'bus.resync' ? undefined : got.push(e)),
    until: (n: number) => expect.poll(() => got.length, { timeout: 5000 }).toBeGreaterThanOrEqual(n),
  };
}

describe('NatsBus', () => {
  const buses: NatsBus[] = [];
  afterAll(async () => {
    for (const b of buses) await b.close();
  });
  const open = async (subjectPrefix: string, url = NATS_URL) => {
    const b = await NatsBus.connect({ url, subjectPrefix });
    buses.push(b);
    return b;
  };

  it('carries an event from one process’s bus to a subscriber on another, once, in order', async () => {
    const p = prefix();
    const a = await open(p);
    const b = await open(p);
    const onA = collector();
    const onB = collector();
    a.subscribe('dev-1', onA.handler);
    b.subscribe('dev-1', onB.handler);
    await b.flush();
    a.publish([appended('dev-1', 1), appended('dev-1', 2), appended('dev-2', 1)]);
    await a.flush();
    await onB.until(2);
    // Local subscribers hear their own process's events directly, never a second time via NATS.
    await new Promise((r) => setTimeout(r, 100));
    expect(onA.got).toEqual([appended('dev-1', 1), appended('dev-1', 2)]);
    expect(onB.got).toEqual([appended('dev-1', 1), appended('dev-1', 2)]);
    expect(a.subscribedDevices).toBe(1);
  });

  it('keeps prefixes apart, stops delivering after unsubscribe, and drops malformed messages', async () => {
    const p1 = prefix();
    const a = await open(p1);
    const b = await open(p1);
    const other = await open(prefix());
    const onB = collector();
    const onOther = collector();
    const unsub = b.subscribe('dev-x', onB.handler);
    other.subscribe('dev-x', onOther.handler);
    await b.flush();
    await other.flush();
    a.publish([appended('dev-x', 7)]);
    await onB.until(1);
    unsub();
    unsub(); // idempotent
    expect(b.subscribedDevices).toBe(0);
    await b.flush();
    a.publish([appended('dev-x', 8)]);
    await a.flush();
    await new Promise((r) => setTimeout(r, 150));
    expect(onB.got).toEqual([appended('dev-x', 7)]);
    expect(onOther.got).toEqual([]);
    // Garbage on a device's subject is counted and dropped, never handed to a connection.
    const raw = await connect({ servers: NATS_URL });
    const onB2 = collector();
    b.subscribe('dev-y', onB2.handler);
    await b.flush();
    for (const junk of ['not json', '{"o":"x","e":{"type":"queue.appended","deviceId":"dev-y"}}', 'null'])
      raw.publish(`${p1}.dev.dev-y`, new TextEncoder().encode(junk));
    await raw.flush();
    await raw.close();
    await expect.poll(() => b.stats.malformed, { timeout: 5000 }).toBe(3);
    expect(onB2.got).toEqual([]);
    // A device id that is not a subject token is delivered locally only (never a wildcard subject).
    const local = collector();
    a.subscribe('a.>', local.handler);
    a.publish([appended('a.>', 1)]);
    expect(local.got).toHaveLength(1);
  });

  it('survives a NATS outage: publish never throws, subscribers get bus.resync, then live events again', async () => {
    const port = await freePort();
    let nats = startNats(port);
    try {
      await waitForPort(port);
      const p = prefix();
      const url = `nats://127.0.0.1:${port}`;
      const a = await open(p, url);
      const b = await open(p, url);
      const onB = collector();
      let resyncs = 0;
      b.subscribe('dev-r', onB.handler);
      b.subscribe('dev-r', (e) => (e.type === 'bus.resync' ? resyncs++ : undefined));
      await b.flush();
      a.publish([appended('dev-r', 1)]);
      await onB.until(1);

      await stopNats(nats);
      // While NATS is down, publishing must not throw (sends never depend on NATS).
      for (let i = 2; i < 50; i++) expect(() => a.publish([appended('dev-r', i)])).not.toThrow();

      nats = startNats(port);
      await expect.poll(() => b.stats.reconnects, { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(() => resyncs, { timeout: 5000 }).toBeGreaterThan(1);
      await expect.poll(() => a.stats.reconnects, { timeout: 15_000 }).toBeGreaterThan(0);
      await b.flush();
      a.publish([appended('dev-r', 100)]);
      await expect
        .poll(() => onB.got.some((e) => e.type === 'queue.appended' && e.lastSeq === 100), { timeout: 5000 })
        .toBe(true);
    } finally {
      await stopNats(nats);
    }
  }, 40_000);

  it('a process cut off from NATS has every other process re-read its queues when it is back (what it published meanwhile is lost)', async () => {
    // B reaches NATS through a proxy we can cut; A keeps its own link the whole time, so only B's
    // reconnect can tell A that something was published while B was away.
    const upstream = new URL(NATS_URL.replace('nats://', 'http://'));
    const proxy = new TcpProxy(upstream.hostname, Number(upstream.port || 4222));
    await proxy.listen(await freePort());
    try {
      const p = prefix();
      const a = await open(p);
      const b = await open(p, `nats://127.0.0.1:${proxy.port}`);
      let resyncsOnA = 0;
      const onA = collector();
      a.subscribe('dev-x', onA.handler);
      a.subscribe('dev-x', (e) => (e.type === 'bus.resync' ? resyncsOnA++ : undefined));
      await a.flush();
      b.publish([appended('dev-x', 1)]);
      await onA.until(1); // the link works
      await expect.poll(() => resyncsOnA, { timeout: 5000 }).toBe(1); // the subscription's own resync

      await proxy.cut();
      await expect.poll(() => b.stats.reconnects === 0 && !proxy.connected, { timeout: 5000 }).toBe(true);
      b.publish([appended('dev-x', 2)]); // committed while B is cut off: this event never reaches A
      await proxy.listen(proxy.port);
      await expect.poll(() => b.stats.reconnects, { timeout: 15_000 }).toBe(1);
      await expect.poll(() => resyncsOnA, { timeout: 5000 }).toBe(2);
      expect(a.stats.resyncRequests).toBe(1);
      expect(a.stats.reconnects).toBe(0);
      expect(onA.got.map((e) => (e.type === 'queue.appended' ? e.lastSeq : e.type))).toEqual([1]);
      // Live again: B's next event reaches A.
      await b.flush();
      b.publish([appended('dev-x', 3)]);
      await onA.until(2);
      expect(onA.got.map((e) => (e.type === 'queue.appended' ? e.lastSeq : e.type))).toEqual([1, 3]);
    } finally {
      await proxy.cut();
    }
  }, 40_000);
});

/** A TCP relay in front of a server; `cut` stops listening and drops every connection. */
class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  port = 0;
  constructor(
    readonly host: string,
    readonly upstreamPort: number,
  ) {}
  get connected(): boolean {
    return this.#sockets.size > 0;
  }
  listen(port: number): Promise<void> {
    const server = createServer((client) => {
      const upstream = tcpConnect(this.upstreamPort, this.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    this.#server = server;
    this.port = port;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  }
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise((r) => server.close(r));
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function startNats(port: number): ChildProcess {
  return spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
}

async function stopNats(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function waitForPort(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port}`);
}
