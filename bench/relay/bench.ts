/**
 * Relay benchmark (issue 4): messages per second and send→receive latency through the real Fulcrum
 * server (signed HTTP sends — and `send` frames over the sender's authenticated WebSocket — of real 1 KiB MLS PrivateMessages, group-committed into durable
 * per-device queues, pushed over authenticated WebSockets and acked) next to a bare `ws` fan-out
 * relay (no auth, no storage) in the same run, each in a child process whose CPU time is read from
 * /proc; plus resident memory per idle authenticated WebSocket. Loopback only. See bench/README.md.
 *
 *   npx tsc --build packages/server packages/testkit && npx tsc -p bench/relay \
 *     && node bench/relay/dist/bench/relay/bench.js [--seconds 8] [--idle 10000] [--no-postgres] [--out FILE]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDeviceState, createMlsClient } from '@fulcrum/e2ee';
import { commitMessage, createFrankingKey, encodeFrankedEnvelope, encodeFrankingAad } from '@fulcrum/franking';
import { pgConnectionConfig } from '@fulcrum/server';
import {
  rawRequest,
  registerTestAccount,
  serverKeyDirectory,
  signWsChallenge,
  type TestDevice,
} from '@fulcrum/testkit';
import pg from 'pg';
import { WebSocket } from 'ws';
import { cpuSeconds, rssBytes } from './proc.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
const SECONDS = Number(opt('--seconds', '8'));
const WARMUP_SECONDS = 1.5;
const PAIRS = Number(opt('--pairs', '16'));
const WINDOW = Number(opt('--window', '2')); // sends in flight per pair (closed loop)
const IDLE = Number(opt('--idle', '10000'));
// The paced (open-loop) run: a rate Fulcrum sustains here, for latency without queueing.
const PACED_RATE = Number(opt('--paced-rate', '50'));
const PACED_SECONDS = 5;
const IDLE_BUDGET_MS = 60_000;
const PLAINTEXT_BYTES = 1000; // → a PrivateMessage of about 1.1 KiB
const POSTGRES = !args.includes('--no-postgres');
const POSTGRES_URL = process.env.FULCRUM_TEST_POSTGRES ?? 'postgres://127.0.0.1:5432/test';
const NATS_URL = process.env.FULCRUM_TEST_NATS ?? 'nats://127.0.0.1:4222';
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '../../../../..'); // bench/relay/dist/bench/relay → the repository
const OUT = opt('--out', join(REPO, 'bench/results/relay.json'));
// --compare-server <path to another build's dist/index.js> [--compare-label NAME] [--compare-rounds N]:
// closed-loop SQLite runs of that build and of this one, alternated N times (default 2) in this
// run, each on a fresh data directory, for a same-conditions comparison of two builds.
const COMPARE = args.includes('--compare-server') ? opt('--compare-server', '') : undefined;
const COMPARE_LABEL = opt('--compare-label', 'other build');
const COMPARE_ROUNDS = Number(opt('--compare-rounds', '2'));

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const log = (s: string) => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

function spawnChild(script: string, childArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<Child> {
  // FULCRUM_BENCH_CPU_PROF=<dir>: the children write V8 CPU profiles there (to see where time goes).
  const prof = process.env.FULCRUM_BENCH_CPU_PROF;
  const flags = prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`];
  const child: ChildProcess = spawn(process.execPath, [...flags, join(HERE, script), ...childArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1] !== undefined && child.pid !== undefined) {
        clearTimeout(timer);
        resolve({
          pid: child.pid,
          url: m[1],
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
            await exited;
            clearTimeout(t);
          },
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}): ${err}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// One measured run: PAIRS sender→receiver pairs, each keeping WINDOW distinct ciphertexts in
// flight; a ciphertext is sent again as soon as its receiver got it (so payloads identify sends).

interface Pair {
  /** Sends one payload; resolves when the relay accepted it (HTTP 200 / ws write). */
  send(payload: Uint8Array): Promise<boolean>;
  readonly payloads: Uint8Array[];
}

interface RunResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Send → the relay's acceptance (Fulcrum: the HTTP 200, i.e. durably committed; bare: ws write done). */
  acceptP50Ms: number;
  acceptP99Ms: number;
  serverCpuSeconds: number;
  messagesPerServerCpuSecond: number;
  clientCpuSeconds: number;
  failedSends: number;
  offeredPerSecond?: number;
  skippedSends?: number;
  ciphertextBytes: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Wires `pairs` to `onReceive` hooks and runs the closed loop; `serverPids` are measured. */
async function runLoop(
  pairs: Pair[],
  hook: (i: number, onReceive: (payloadKey: string) => void) => void,
  serverPids: number[],
  /** Offered messages per second (open loop, round robin over the pairs); closed loop if absent. */
  rate?: number,
  measureSeconds = SECONDS,
): Promise<RunResult> {
  let running = true;
  let measuring = false;
  let received = 0;
  let failed = 0;
  const latencies: number[] = [];
  const accepts: number[] = [];
  let skipped = 0; // paced sends with no free ciphertext on their pair (counted, not sent)
  const fireFree: Array<() => boolean> = [];
  pairs.forEach((pair, i) => {
    const inFlight = new Map<string, { at: number; bytes: Uint8Array }>();
    const fire = (bytes: Uint8Array) => {
      const key = b64(bytes);
      const at = performance.now();
      inFlight.set(key, { at, bytes });
      pair.send(bytes).then(
        (ok) => {
          if (measuring && ok) accepts.push(performance.now() - at);
          if (!ok) retry(key);
        },
        () => retry(key),
      );
    };
    const retry = (key: string) => {
      failed++;
      const f = inFlight.get(key);
      inFlight.delete(key);
      if (running && f !== undefined) setTimeout(() => fire(f.bytes), 10);
    };
    hook(i, (key) => {
      const f = inFlight.get(key);
      if (f === undefined) return; // e.g. the Welcome, or a duplicate
      inFlight.delete(key);
      if (measuring) {
        received++;
        latencies.push(performance.now() - f.at);
      }
      if (running && rate === undefined) fire(f.bytes);
    });
    fireFree.push(() => {
      const free = pair.payloads.find((bytes) => !inFlight.has(b64(bytes)));
      if (free === undefined) return false;
      fire(free);
      return true;
    });
    if (rate === undefined) for (const bytes of pair.payloads.slice(0, WINDOW)) fire(bytes);
  });
  let pacer: NodeJS.Timeout | undefined;
  if (rate !== undefined) {
    const start = performance.now();
    let sent = 0;
    let next = 0;
    pacer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      for (; sent < due; sent++) {
        if (!(fireFree[next % fireFree.length] as () => boolean)()) skipped++;
        next++;
      }
    }, 2);
  }
  await sleep(WARMUP_SECONDS * 1000);
  const cpu0 = serverPids.map(cpuSeconds);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await sleep(measureSeconds * 1000);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = serverPids.map(cpuSeconds).reduce((s, c, k) => s + c - (cpu0[k] as number), 0);
  const client = process.cpuUsage(client0);
  running = false;
  if (pacer !== undefined) clearInterval(pacer);
  await sleep(1500); // let the last sends land before the next phase
  latencies.sort((a, b) => a - b);
  accepts.sort((a, b) => a - b);
  return {
    messages: received,
    seconds,
    messagesPerSecond: received / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    acceptP50Ms: percentile(accepts, 0.5),
    acceptP99Ms: percentile(accepts, 0.99),
    serverCpuSeconds: serverCpu,
    messagesPerServerCpuSecond: received / serverCpu,
    clientCpuSeconds: (client.user + client.system) / 1e6,
    failedSends: failed,
    ...(rate === undefined ? {} : { offeredPerSecond: rate, skippedSends: skipped }),
    ciphertextBytes: pairs[0]?.payloads[0]?.length ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Fulcrum: accounts, a 2-member MLS group per pair, pre-encrypted PrivateMessages.

interface FulcrumPair extends Pair {
  readonly sender: TestDevice;
  readonly receiver: TestDevice;
  readonly groupId: string;
}

async function setupFulcrum(sendUrl: string, tag: string): Promise<FulcrumPair[]> {
  const pairs: FulcrumPair[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const sender = await registerTestAccount(sendUrl, `rb${tag}s${i}`);
    const receiver = await registerTestAccount(sendUrl, `rb${tag}r${i}`);
    const rMls = await createMlsClient({ directory: serverKeyDirectory(sendUrl, receiver) });
    const { keyPackages } = await rMls.createKeyPackages(createDeviceState(receiver.keys, receiver.certificate), {
      count: 1,
    });
    await expectOk(
      rawRequest(sendUrl, 'POST', '/v1/keypackages', {
        signer: receiver,
        body: { keyPackages: keyPackages.map((k) => ({ data: b64(k.keyPackage), lastResort: false })) },
      }),
    );
    const sMls = await createMlsClient({ directory: serverKeyDirectory(sendUrl, sender) });
    let group = await sMls.createGroup(createDeviceState(sender.keys, sender.certificate));
    const groupId = b64(group.groupId);
    await expectOk(rawRequest(sendUrl, 'POST', '/v1/groups', { signer: sender, body: { groupId } }));
    const claimed = await expectOk(
      rawRequest<{ keyPackages: Array<{ data: string }> }>(sendUrl, 'POST', '/v1/keypackages/claim', {
        signer: sender,
        body: { accountId: receiver.accountId },
      }),
    );
    const added = await sMls.addDevices(
      group,
      claimed.keyPackages.map((k) => new Uint8Array(Buffer.from(k.data, 'base64url'))),
    );
    await expectOk(
      rawRequest(sendUrl, 'POST', `/v1/groups/${groupId}/commits`, {
        signer: sender,
        body: {
          clientMessageId: b64(randomBytes(16)),
          commit: b64(added.commit),
          welcome: b64(added.welcome as Uint8Array),
          addedDevices: [receiver.deviceId],
          removedDevices: [],
        },
      }),
    );
    group = added.group;
    const payloads: Uint8Array[] = [];
    for (let k = 0; k < WINDOW; k++) {
      // Franked like a real client's message (docs/protocol.md §Franking): the relay refuses others.
      const body = new Uint8Array(randomBytes(PLAINTEXT_BYTES - 33));
      const frankingKey = createFrankingKey();
      const commitment = commitMessage({ frankingKey, conversationId: group.groupId, body });
      const enc = await sMls.encryptMessage(
        group,
        encodeFrankedEnvelope({ frankingKey, body }),
        encodeFrankingAad(commitment),
      );
      group = enc.group;
      payloads.push(enc.message);
    }
    pairs.push({
      sender,
      receiver,
      groupId,
      payloads,
      async send(payload) {
        const res = await rawRequest(sendUrl, 'POST', `/v1/groups/${groupId}/messages`, {
          signer: sender,
          body: { clientMessageId: b64(randomBytes(16)), message: b64(payload) },
        });
        return res.status === 200;
      },
    });
  }
  return pairs;
}

async function expectOk<T>(p: Promise<{ status: number; body: T }>): Promise<T> {
  const res = await p;
  if (res.status < 200 || res.status > 299)
    throw new Error(`setup request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** An authenticated `/v1/ws` connection; `onItem` gets each pushed payload; items are acked. */
function connectFulcrumWs(
  wsUrl: string,
  device: TestDevice,
  onPayload?: (payload: string) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, { perMessageDeflate: false });
    let ackUpTo = 0;
    let ackScheduled = false;
    const timer = setTimeout(() => reject(new Error('ws auth timed out')), 30_000);
    socket.on('error', (e) => reject(e));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as {
        type: string;
        nonce?: string;
        item?: { seq: number; payload: string };
      };
      if (frame.type === 'challenge' && frame.nonce !== undefined) {
        socket.send(
          JSON.stringify({ type: 'auth', deviceId: device.deviceId, signature: signWsChallenge(device, frame.nonce) }),
        );
      } else if (frame.type === 'ready') {
        clearTimeout(timer);
        resolve(socket);
      } else if (frame.type === 'error') {
        reject(new Error(`ws error frame: ${String(data)}`));
      } else if (frame.type === 'item' && frame.item !== undefined) {
        onPayload?.(frame.item.payload);
        ackUpTo = Math.max(ackUpTo, frame.item.seq);
        if (!ackScheduled) {
          ackScheduled = true;
          setImmediate(() => {
            ackScheduled = false;
            if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'ack', upTo: ackUpTo }));
          });
        }
      }
    });
  });
}

/**
 * A sender's own authenticated `/v1/ws`, used for `send` frames (docs/protocol.md §Live push):
 * `send` resolves true on `sent`, false on `send_error` (or if the socket closed first).
 */
async function connectSenderWs(
  wsUrl: string,
  device: TestDevice,
): Promise<{ socket: WebSocket; send(groupId: string, payload: Uint8Array): Promise<boolean> }> {
  const waiting = new Map<number, (ok: boolean) => void>();
  let next = 1;
  const socket = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(wsUrl, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error('ws auth timed out')), 30_000);
    s.on('error', (e) => reject(e));
    s.on('close', () => {
      for (const done of waiting.values()) done(false);
      waiting.clear();
    });
    s.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; nonce?: string; id?: number };
      if (frame.type === 'challenge' && frame.nonce !== undefined) {
        s.send(
          JSON.stringify({ type: 'auth', deviceId: device.deviceId, signature: signWsChallenge(device, frame.nonce) }),
        );
      } else if (frame.type === 'ready') {
        clearTimeout(timer);
        resolve(s);
      } else if (frame.type === 'error') {
        reject(new Error(`ws error frame: ${String(data)}`));
      } else if ((frame.type === 'sent' || frame.type === 'send_error') && typeof frame.id === 'number') {
        const done = waiting.get(frame.id);
        waiting.delete(frame.id);
        if (frame.type === 'send_error') log(`send_error: ${String(data)}`);
        done?.(frame.type === 'sent');
      }
    });
  });
  return {
    socket,
    send(groupId, payload) {
      const id = next++;
      return new Promise<boolean>((resolve) => {
        waiting.set(id, resolve);
        socket.send(
          JSON.stringify({ type: 'send', id, groupId, clientMessageId: b64(randomBytes(16)), message: b64(payload) }),
        );
      });
    },
  };
}

/**
 * CPU the server processes burn with no traffic (timers: the log integrator polls every 50 ms,
 * WebSocket pings, cleanup), in CPU-seconds per second; reported, not subtracted.
 */
async function idleCpuPerSecond(pids: number[]): Promise<number> {
  const c0 = pids.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(3000);
  const spent = pids.map(cpuSeconds).reduce((s, c, k) => s + c - (c0[k] as number), 0);
  return spent / ((performance.now() - t0) / 1000);
}

/**
 * One measured Fulcrum run. `via: 'http'`: each send is a signed HTTP POST; `via: 'ws'`: each
 * sender has its own authenticated `/v1/ws` on `sendUrl` and sends `send` frames over it.
 */
async function runFulcrum(
  pairs: FulcrumPair[],
  recvUrl: string,
  serverPids: number[],
  rate?: number,
  via: 'http' | 'ws' = 'http',
  sendUrl?: string,
): Promise<RunResult> {
  const hooks: Array<(key: string) => void> = [];
  const sockets = await Promise.all(
    pairs.map((p, i) =>
      connectFulcrumWs(`${recvUrl.replace('http', 'ws')}/v1/ws`, p.receiver, (payload) => hooks[i]?.(payload)),
    ),
  );
  let senders: Pair[] = pairs;
  if (via === 'ws') {
    const wsUrl = `${(sendUrl ?? recvUrl).replace('http', 'ws')}/v1/ws`;
    const conns = await Promise.all(pairs.map((p) => connectSenderWs(wsUrl, p.sender)));
    sockets.push(...conns.map((c) => c.socket));
    senders = pairs.map((p, i) => ({
      payloads: p.payloads,
      send: (payload: Uint8Array) => (conns[i] as Awaited<ReturnType<typeof connectSenderWs>>).send(p.groupId, payload),
    }));
  }
  const result = await runLoop(
    senders,
    (i, onReceive) => (hooks[i] = onReceive),
    serverPids,
    rate,
    rate === undefined ? SECONDS : PACED_SECONDS,
  );
  for (const s of sockets) s.close();
  return result;
}

/** The bare relay with the same ciphertexts (from the Fulcrum pairs) over one WebSocket each way. */
async function runBare(
  relayUrl: string,
  relayPid: number,
  payloads: Uint8Array[][],
  rate?: number,
): Promise<RunResult> {
  const hooks: Array<(key: string) => void> = [];
  const open = (room: number, onMessage?: (d: Buffer) => void) =>
    new Promise<WebSocket>((resolve, reject) => {
      const s = new WebSocket(relayUrl, { perMessageDeflate: false });
      s.on('error', reject);
      s.on('open', () => {
        s.send(`join:${room}`);
        resolve(s);
      });
      if (onMessage !== undefined) s.on('message', (d) => onMessage(d as Buffer));
    });
  const receivers = await Promise.all(payloads.map((_, i) => open(i, (d) => hooks[i]?.(d.toString('base64url')))));
  const senders = await Promise.all(payloads.map((_, i) => open(i)));
  await sleep(100); // joins processed
  const pairs: Pair[] = payloads.map((p, i) => ({
    payloads: p,
    send: (payload) =>
      new Promise<boolean>((resolve) =>
        senders[i]?.send(payload, { binary: true }, (err) => resolve(err === undefined || err === null)),
      ),
  }));
  const result = await runLoop(
    pairs,
    (i, onReceive) => (hooks[i] = onReceive),
    [relayPid],
    rate,
    rate === undefined ? SECONDS : PACED_SECONDS,
  );
  for (const s of [...receivers, ...senders]) s.close();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Idle connections

interface IdleResult {
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  bytesPerConnection: number;
  openSeconds: number;
}

async function idleConnections(
  pid: number,
  open: (k: number) => Promise<WebSocket>,
  target: number,
): Promise<{ result: IdleResult; sockets: WebSocket[] }> {
  await sleep(1000);
  const before = rssBytes(pid);
  const sockets: WebSocket[] = [];
  const t0 = performance.now();
  const BATCH = 100;
  while (sockets.length < target && performance.now() - t0 < IDLE_BUDGET_MS) {
    const n = Math.min(BATCH, target - sockets.length);
    const opened = await Promise.allSettled(Array.from({ length: n }, (_, k) => open(sockets.length + k)));
    for (const o of opened) if (o.status === 'fulfilled') sockets.push(o.value);
    if (opened.every((o) => o.status === 'rejected')) break;
  }
  const openSeconds = (performance.now() - t0) / 1000;
  await sleep(3000); // let allocation settle (GC in the child happens on its own schedule)
  const after = rssBytes(pid);
  return {
    sockets,
    result: {
      connections: sockets.length,
      rssBeforeBytes: before,
      rssAfterBytes: after,
      bytesPerConnection: (after - before) / Math.max(1, sockets.length),
      openSeconds,
    },
  };
}

async function closeAll(sockets: WebSocket[]): Promise<void> {
  for (const s of sockets) s.terminate();
  await sleep(500);
}

// ---------------------------------------------------------------------------------------------

function row(name: string, r: RunResult, bare: RunResult): string {
  const ratio = r.messagesPerServerCpuSecond / bare.messagesPerServerCpuSecond;
  return `| ${name} | ${r.messagesPerSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.acceptP50Ms.toFixed(2)} / ${r.acceptP99Ms.toFixed(2)} | ${r.serverCpuSeconds.toFixed(2)} | ${r.messagesPerServerCpuSecond.toFixed(0)} | ${ratio.toFixed(3)}x | ${r.failedSends} |`;
}

async function main(): Promise<void> {
  const load0 = loadavg()[0] as number;
  const tag = randomBytes(3).toString('hex');
  const started = new Date().toISOString();
  const results: Record<string, unknown> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-relay-'));
  const children: Child[] = [];
  let schema: string | undefined;
  try {
    log(
      `pairs ${PAIRS}, window ${WINDOW}, ${SECONDS}s measured after ${WARMUP_SECONDS}s warm-up; load ${load0.toFixed(1)}`,
    );
    const relay = await spawnChild('bare-relay.js', []);
    children.push(relay);
    const sqlite = await spawnChild('server-child.js', ['sqlite', dataDir]);
    children.push(sqlite);

    log('fulcrum, 1 process, SQLite …');
    const pairs = await setupFulcrum(sqlite.url, `${tag}a`);
    const payloads = pairs.map((p) => p.payloads); // the bare relay carries the same ciphertexts
    results.sqlite1IdleCpuPerSecond = await idleCpuPerSecond([sqlite.pid]);
    const fulcrumSqlite = await runFulcrum(pairs, sqlite.url, [sqlite.pid]);
    log('bare ws relay …');
    const bare = await runBare(relay.url, relay.pid, payloads);
    log('fulcrum, 1 process, SQLite, sends over the socket …');
    const fulcrumSqliteWs = await runFulcrum(pairs, sqlite.url, [sqlite.pid], undefined, 'ws');
    log('bare ws relay (after the socket-send run) …');
    const bareWs = await runBare(relay.url, relay.pid, payloads);
    results.bare = bare;
    results.sqlite1 = fulcrumSqlite;
    results.sqlite1Ws = fulcrumSqliteWs;
    results.bareAfterSqliteWs = bareWs;
    log(`paced at ${PACED_RATE} messages/s: fulcrum SQLite, then bare …`);
    const pacedSqlite = await runFulcrum(pairs, sqlite.url, [sqlite.pid], PACED_RATE);
    const pacedBare = await runBare(relay.url, relay.pid, payloads, PACED_RATE);
    const pacedSqliteWs = await runFulcrum(pairs, sqlite.url, [sqlite.pid], PACED_RATE, 'ws');
    results.pacedSqlite1 = pacedSqlite;
    results.pacedBare = pacedBare;
    results.pacedSqlite1Ws = pacedSqliteWs;

    const compareRows: string[] = [];
    if (COMPARE !== undefined) {
      const runs: { label: string; result: RunResult }[] = [];
      for (let round = 0; round < COMPARE_ROUNDS; round++) {
        for (const [label, module] of [
          [COMPARE_LABEL, COMPARE],
          ['this build', undefined],
        ] as const) {
          log(`compare round ${round + 1}: ${label} …`);
          const dir = mkdtempSync(join(tmpdir(), 'fulcrum-bench-relay-'));
          const env = module === undefined ? process.env : { ...process.env, FULCRUM_BENCH_SERVER_MODULE: module };
          const child = await spawnChild('server-child.js', ['sqlite', dir], env);
          try {
            const p = await setupFulcrum(child.url, `${tag}c${round}${label === 'this build' ? 't' : 'o'}`);
            const result = await runFulcrum(p, child.url, [child.pid]);
            runs.push({ label, result });
            const bareNow = await runBare(relay.url, relay.pid, payloads);
            runs.push({ label: 'bare ws relay', result: bareNow });
            compareRows.push(row(`round ${round + 1}: bare ws relay`, bareNow, bareNow));
            compareRows.push(row(`round ${round + 1}: fulcrum SQLite, ${label}`, result, bareNow));
          } finally {
            await child.stop();
            rmSync(dir, { recursive: true, force: true });
          }
        }
      }
      results.compare = { label: COMPARE_LABEL, module: COMPARE, runs };
    }

    let pg2: RunResult | undefined;
    let bare2: RunResult | undefined;
    let pg2Ws: RunResult | undefined;
    let bare3: RunResult | undefined;
    if (POSTGRES) {
      log('fulcrum, 2 processes, PostgreSQL + NATS (send to one, receive on the other) …');
      schema = `fulcrum_bench_${tag}`;
      const a = await spawnChild('server-child.js', ['postgres', POSTGRES_URL, schema, NATS_URL]);
      children.push(a);
      const b = await spawnChild('server-child.js', ['postgres', POSTGRES_URL, schema, NATS_URL]);
      children.push(b);
      const pgPairs = await setupFulcrum(a.url, `${tag}b`);
      results.postgresNats2IdleCpuPerSecond = await idleCpuPerSecond([a.pid, b.pid]);
      pg2 = await runFulcrum(pgPairs, b.url, [a.pid, b.pid]);
      log('bare ws relay again (adjacent baseline) …');
      bare2 = await runBare(relay.url, relay.pid, payloads);
      log('fulcrum, 2 processes, PostgreSQL + NATS, sends over the socket (to A; receivers on B) …');
      pg2Ws = await runFulcrum(pgPairs, b.url, [a.pid, b.pid], undefined, 'ws', a.url);
      log('bare ws relay again (adjacent baseline) …');
      bare3 = await runBare(relay.url, relay.pid, payloads);
      results.postgresNats2 = pg2;
      results.bareAfterPostgres = bare2;
      results.postgresNats2Ws = pg2Ws;
      results.bareAfterPostgresWs = bare3;
      await b.stop();
      await a.stop();
    }

    log(`idle connections (target ${IDLE}) …`);
    const idleDevices = await Promise.all(
      Array.from({ length: 20 }, (_, k) => registerTestAccount(sqlite.url, `rb${tag}i${k}`)),
    );
    const wsUrl = `${sqlite.url.replace('http', 'ws')}/v1/ws`;
    const fulcrumIdle = await idleConnections(
      sqlite.pid,
      (k) => connectFulcrumWs(wsUrl, idleDevices[k % idleDevices.length] as TestDevice),
      IDLE,
    );
    await closeAll(fulcrumIdle.sockets);
    const bareIdle = await idleConnections(
      relay.pid,
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const s = new WebSocket(relay.url, { perMessageDeflate: false });
          s.on('error', reject);
          s.on('open', () => resolve(s));
        }),
      IDLE,
    );
    await closeAll(bareIdle.sockets);
    results.idle = { fulcrum: fulcrumIdle.result, bare: bareIdle.result, devices: idleDevices.length };

    const load1 = loadavg()[0] as number;
    const lines = [
      '',
      `| run | messages/s | p50 ms | p99 ms | accepted p50 / p99 ms | server CPU s | messages per server CPU-s | vs bare per CPU-s | failed sends |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      row('bare ws relay', bare, bare),
      row('fulcrum, 1 process, SQLite, HTTP sends', fulcrumSqlite, bare),
      row('bare ws relay (again)', bareWs, bareWs),
      row('fulcrum, 1 process, SQLite, socket sends', fulcrumSqliteWs, bareWs),
      row(`bare ws relay, paced ${PACED_RATE}/s`, pacedBare, pacedBare),
      row(`fulcrum, 1 process, SQLite, HTTP sends, paced ${PACED_RATE}/s`, pacedSqlite, pacedBare),
      row(`fulcrum, 1 process, SQLite, socket sends, paced ${PACED_RATE}/s`, pacedSqliteWs, pacedBare),
      ...(pg2 !== undefined && bare2 !== undefined
        ? [
            row('bare ws relay (again)', bare2, bare2),
            row('fulcrum, 2 processes, PostgreSQL+NATS, HTTP sends', pg2, bare2),
          ]
        : []),
      ...(pg2Ws !== undefined && bare3 !== undefined
        ? [
            row('bare ws relay (again)', bare3, bare3),
            row('fulcrum, 2 processes, PostgreSQL+NATS, socket sends', pg2Ws, bare3),
          ]
        : []),
      ...(compareRows.length > 0 ? ['', `compared with ${COMPARE_LABEL} (fresh SQLite each):`, ...compareRows] : []),
      '',
      '| idle connections | opened | RSS before MiB | RSS after MiB | bytes per connection |',
      '|---|---:|---:|---:|---:|',
      ...[
        ['fulcrum (authenticated /v1/ws)', fulcrumIdle.result],
        ['bare ws relay', bareIdle.result],
      ].map(([name, r]) => {
        const x = r as IdleResult;
        return `| ${name as string} | ${x.connections} | ${(x.rssBeforeBytes / 2 ** 20).toFixed(1)} | ${(x.rssAfterBytes / 2 ** 20).toFixed(1)} | ${x.bytesPerConnection.toFixed(0)} |`;
      }),
      '',
      `server CPU with no traffic (included above): SQLite ${Number(results.sqlite1IdleCpuPerSecond).toFixed(3)} CPU-s/s` +
        (POSTGRES
          ? `, PostgreSQL+NATS (both) ${Number(results.postgresNats2IdleCpuPerSecond).toFixed(3)} CPU-s/s`
          : ''),
      `ciphertext ${fulcrumSqlite.ciphertextBytes} B; load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(
      OUT,
      `${JSON.stringify(
        {
          started,
          node: process.version,
          cpus: cpus().length,
          loadAverage: { start: load0, end: load1 },
          settings: {
            pacedRate: PACED_RATE,
            pacedSeconds: PACED_SECONDS,
            pairs: PAIRS,
            window: WINDOW,
            seconds: SECONDS,
            warmupSeconds: WARMUP_SECONDS,
            plaintextBytes: PLAINTEXT_BYTES,
          },
          ...results,
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${OUT}`);
  } finally {
    for (const c of children.reverse()) await c.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    if (schema !== undefined) {
      const client = new pg.Client(pgConnectionConfig(POSTGRES_URL));
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
}

await main();
