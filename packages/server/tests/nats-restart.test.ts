/**
 * Issue 4, "a NATS server that goes away and comes back: messages still reach their queues; live
 * push resumes" — at server level. Two `fulcrum serve --postgres --nats` processes share one
 * PostgreSQL schema and a PRIVATE nats-server (its own port; the machine's NATS on 4222 is shared
 * with other tests and is never touched). A sender keeps sending while that nats-server is killed
 * (SIGKILL) and, later, started again on the same port. Then:
 *
 * - every send was acknowledged (NATS is not on the send path), and every acknowledged message is
 *   in each recipient device's durable queue exactly once (0 lost, 0 duplicated), seqs gap-free,
 *   in the group order the answers gave;
 * - while NATS is down, a socket on the other process gets nothing of what was sent meanwhile;
 * - after both processes have reconnected (seen on the private server's monitoring endpoint),
 *   the sockets catch up from SQL (bus.resync) with exactly the queue's items, and fresh sends
 *   through either process are pushed live to the socket on the other one.
 *
 * Every wait is on an event (a frame, an answer, a process exit, the monitoring endpoint), with
 * generous timeouts; nothing assumes how fast the machine is.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgConnectionConfig } from '@fulcrum/server';
import { connectTestWs, type TestWsClient } from '@fulcrum/testkit';
import type { QueueItem, SendMessageResponse } from '@fulcrum/wire';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeChild, spawnServe, TEST_POSTGRES_URL } from './fixtures/serve-child.js';
import {
  addMemberDevice,
  b64,
  createGroupWith,
  encryptFranked,
  fetchItems,
  type Member,
  postMessage,
  publishKeyPackages,
  registerMember,
} from './mls-fixtures.js';

const WAIT_MS = 60_000;

/** A nats-server child of this test (never the machine's shared one). */
class PrivateNats {
  child: ChildProcess | undefined;
  readonly #storeDir: string;
  constructor(
    readonly port: number,
    readonly monitorPort: number,
    storeDir: string,
  ) {
    this.#storeDir = storeDir;
  }
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
  /** Starts it and resolves once its monitoring endpoint answers (it then accepts clients too). */
  async start(): Promise<void> {
    const child = spawn(
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(this.port), '-m', String(this.monitorPort), '-js', '-sd', this.#storeDir],
      { stdio: 'ignore' },
    );
    this.child = child;
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode})`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.monitorPort}/healthz`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('nats-server did not come up');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  /** The subjects the server's clients named `fulcrum-server` are subscribed to (connz, one entry per connection). */
  async serverSubscriptions(): Promise<string[][]> {
    const res = await fetch(`http://127.0.0.1:${this.monitorPort}/connz?subs=1&limit=1024`);
    const body = (await res.json()) as { connections?: { name?: string; subscriptions_list?: string[] }[] };
    return (body.connections ?? [])
      .filter((c) => c.name === 'fulcrum-server')
      .map((c) => [...(c.subscriptions_list ?? [])].sort());
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

/** `promise`, with `what` in front of its error message (so a timeout says which wait it was). */
async function step<T>(what: string, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Polls `check` (an event source we cannot subscribe to) until it holds; fails after `ms`. */
async function until(what: string, check: () => Promise<boolean> | boolean, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('NATS goes away and comes back under two server processes (PostgreSQL + NATS)', () => {
  const schema = `fulcrum_t_${randomBytes(6).toString('hex')}`;
  const prefix = `fulcrum-t.${randomBytes(6).toString('hex')}`;
  let nats: PrivateNats;
  let storeDir: string;
  let a: ServeChild;
  let b: ServeChild;
  let alice: Member; // the sender; signs requests to A or B
  let bobA: Member; // bob's device whose socket is on A
  let bobB: Member; // bob's second device, socket on B
  let groupId: string;

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'fulcrum-nats-'));
    nats = new PrivateNats(await freePort(), await freePort(), storeDir);
    await nats.start();
    const args = [
      '--postgres',
      TEST_POSTGRES_URL,
      '--postgres-schema',
      schema,
      '--nats',
      nats.url,
      '--nats-prefix',
      prefix,
      '--log-level',
      'warn',
    ];
    // A first: it creates and migrates the schema; B then opens the migrated schema.
    a = await spawnServe(args, 0, WAIT_MS);
    b = await spawnServe(args, 0, WAIT_MS);
    alice = await registerMember(b.url, 'alice');
    bobA = await registerMember(a.url, 'bob');
    bobB = await addMemberDevice(b.url, bobA);
    await publishKeyPackages(bobA, 1);
    await publishKeyPackages(bobB, 1);
    groupId = await createGroupWith(alice, [bobA.device.accountId]);
  }, 180_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await nats?.kill();
    if (storeDir !== undefined) await rm(storeDir, { recursive: true, force: true });
    const client = new pg.Client(pgConnectionConfig(TEST_POSTGRES_URL));
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('keeps every acknowledged message in its queues (0 lost, 0 duplicated) and resumes live push across processes', async () => {
    // Phases by message index: [0, 60) NATS up → killed once 20 are acknowledged (sends continue);
    // [60, 110) NATS down → restarted once 80 are acknowledged (sends continue); [110, 130) after
    // both processes are back on NATS, one at a time, each awaited live on the other process.
    const total = 130;
    const messages: Uint8Array[] = [];
    for (let i = 0; i < total; i++) {
      const m = await encryptFranked(alice, new TextEncoder().encode(`nats-restart ${i}`));
      alice.group = m.group;
      messages.push(m.message);
    }
    const payloads = messages.map(b64);
    const clientMessageIds = messages.map(() => randomBytes(16).toString('base64url'));
    const answers: (SendMessageResponse | undefined)[] = new Array(total);
    let acknowledged = 0;
    const ackWaiters = new Set<() => void>();
    const viaA: Member = { ...alice, url: a.url };

    /** Sends message i through `via` (retrying with the same clientMessageId on a 5xx or a network error). */
    const send = async (i: number, via: Member): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await postMessage(via, groupId, messages[i]!, clientMessageIds[i]);
          if (res.status === 200) {
            answers[i] = res.body;
            acknowledged++;
            for (const w of ackWaiters) w();
            return;
          }
          if (res.status < 500 || attempt >= 5) throw new Error(`send ${i}: HTTP ${res.status}`);
        } catch (err) {
          if (attempt >= 5) throw err;
        }
      }
    };
    /** Sends [from, to) through B, `inFlight` at a time, in index order. */
    let next = 0; // the next index the pump sends
    const pump = async (from: number, to: number, inFlight = 4): Promise<void> => {
      next = from;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < to) await send(next++, alice);
        }),
      );
    };
    const whenAcknowledged = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (acknowledged >= n) {
            ackWaiters.delete(check);
            resolve();
          }
        };
        ackWaiters.add(check);
        check();
      });

    const onA = await connectTestWs(a.wsUrl, bobA.device, { timeoutMs: WAIT_MS });
    const onB = await connectTestWs(b.wsUrl, bobB.device, { timeoutMs: WAIT_MS });
    await step('A gets the Welcome', onA.waitForItems(1)); // the Welcome, drained from SQL on connect
    await step('B gets the Welcome', onB.waitForItems(1));
    // Both processes hold their device's NATS subscription before anything is sent.
    const subjectA = `${prefix}.dev.${bobA.device.deviceId}`;
    const subjectB = `${prefix}.dev.${bobB.device.deviceId}`;
    await until('both subscriptions on NATS', async () => {
      const subs = (await nats.serverSubscriptions()).flat();
      return subs.includes(subjectA) && subs.includes(subjectB);
    });

    // Phase 1: sending through B; NATS is killed while sends are in flight.
    let killedAfter = -1;
    let firstSentAfterKill = -1;
    await Promise.all([
      pump(0, 60),
      whenAcknowledged(20).then(async () => {
        await nats.kill();
        killedAfter = acknowledged;
        firstSentAfterKill = next;
      }),
    ]);
    expect(acknowledged).toBe(60);
    expect(killedAfter).toBeGreaterThanOrEqual(20);
    expect(firstSentAfterKill).toBeLessThan(60); // sends really went on after the kill

    // Phase 2: NATS is down; sends keep being acknowledged. B's own socket keeps getting pushes
    // (local delivery skips NATS).
    await pump(60, 80);
    expect(acknowledged).toBe(80);
    await step('B pushed locally while NATS is down', onB.waitForItems(1 + 80, WAIT_MS));
    // A's socket has heard of nothing sent after the kill: nothing can carry it there. (What was
    // sent before may or may not have crossed before NATS died.)
    const sentAfterKill = new Set(payloads.slice(firstSentAfterKill, 80));
    expect(onA.items().filter((item) => sentAfterKill.has(item.payload))).toEqual([]);
    // NATS is started again while sends continue.
    await Promise.all([pump(80, 110), whenAcknowledged(90).then(() => nats.start())]);
    expect(acknowledged).toBe(110);

    // Both processes reconnect (the NATS client retries every 250 ms) and re-subscribe.
    await until('both processes back on NATS with their subscriptions', async () => {
      const perConnection = await nats.serverSubscriptions().catch(() => []);
      return (
        perConnection.length === 2 && perConnection.flat().includes(subjectA) && perConnection.flat().includes(subjectB)
      );
    });
    // The reconnect resync makes A's socket re-read its queue: it catches up with everything.
    await step('A catches up after the reconnect', onA.waitForItems(1 + 110, WAIT_MS));
    await step('B catches up after the reconnect', onB.waitForItems(1 + 110, WAIT_MS));

    // Phase 3: live push across processes again. Each send goes through one process and must be
    // pushed to the socket on the other; the sockets are idle and caught up, so only a bus event
    // carried by NATS can tell them (each wait is for exactly one more item).
    for (let i = 110; i < total; i++) {
      const viaB = i % 2 === 0;
      await send(i, viaB ? alice : viaA);
      const remote = viaB ? onA : onB;
      const items = await step(`message ${i} pushed live across processes`, remote.waitForItems(1 + i + 1, WAIT_MS));
      expect(items.at(-1)?.payload).toBe(payloads[i]);
      await step(`message ${i} pushed locally`, (viaB ? onB : onA).waitForItems(1 + i + 1, WAIT_MS));
    }
    expect(acknowledged).toBe(total);

    // Exact accounting. The group order is the answers' seqs; each device's queue holds the
    // Welcome and then every acknowledged message once, in that order, seqs 1..total+1.
    const groupSeqs = answers.map((r) => r?.seq);
    expect(groupSeqs.every((s) => Number.isSafeInteger(s))).toBe(true);
    expect(new Set(groupSeqs).size).toBe(total);
    const byGroupSeq = [...payloads.keys()].sort((x, y) => groupSeqs[x]! - groupSeqs[y]!).map((i) => payloads[i]!);
    const expectQueue = (items: QueueItem[]) => {
      expect(items.map((i) => i.seq)).toEqual(Array.from({ length: 1 + total }, (_, k) => k + 1));
      expect(items[0]?.kind).toBe('welcome');
      const delivered = items.slice(1).map((i) => i.payload);
      const lost = payloads.filter((p) => !delivered.includes(p));
      const duplicated = delivered.length - new Set(delivered).size;
      expect({ lost: lost.length, duplicated }).toEqual({ lost: 0, duplicated: 0 });
      expect(delivered).toEqual(byGroupSeq);
    };
    const queueA = await fetchItems(bobA, 0);
    const queueB = await fetchItems(bobB, 0);
    expectQueue(queueA);
    expectQueue(queueB);
    // What each socket was pushed is exactly its durable queue: nothing twice, nothing missing.
    const exactly = (ws: TestWsClient, queue: QueueItem[]) => expect(ws.items()).toEqual(queue);
    exactly(onA, queueA);
    exactly(onB, queueB);
    console.log(
      `nats-restart: ${total} sends, NATS killed after ${killedAfter} acknowledgements, restarted after 90; ` +
        '0 lost, 0 duplicated on both devices',
    );
    await onA.close();
    await onB.close();
  }, 300_000);
});
