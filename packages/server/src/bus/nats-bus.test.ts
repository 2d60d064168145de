/** NatsBus against the machine's NATS (127.0.0.1:4222) and a private nats-server that is stopped and restarted. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
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
});

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
