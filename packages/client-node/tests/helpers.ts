/** Shared helpers of the client integration tests: devices on temp data dirs, event capture, fault injection. */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ClientEvents,
  clientError,
  FulcrumClient,
  type HttpRequest,
  type HttpResponse,
  type MessageRecord,
  type RequestOptions,
  type SocketConnection,
  type SocketListener,
  type Transport,
} from '@fulcrum/client';
import { NodeTransport, SqliteClientStore } from '@fulcrum/client-node';
import { SQLITE_FILE, TABLE_NAMES } from '@fulcrum/server';
import type { TestPlatform } from '@fulcrum/testkit';
import Database from 'better-sqlite3';

export const DIALECTS = ['sqlite', 'postgres'] as const;

/** What a fault rule does to one request: forward it and lose the answer, or drop it unsent. */
export type Fault = 'lose-answer' | 'drop' | undefined;

/**
 * What a socket rule does to one frame the client sends on its live connection: close the
 * socket instead of sending it (the frame is lost), or send it and close the socket right after
 * (its answer is most likely lost).
 */
export type SocketFault = 'close-instead' | 'close-after' | undefined;

/**
 * A real NodeTransport with fault injection (tessera-style fault tests): a rule may drop a request
 * before it is sent, or send it and lose the answer (as if the connection broke after the server
 * committed). Every request and its status is logged.
 */
export class FaultyTransport implements Transport {
  readonly log: { method: string; path: string; status: number | 'lost' | 'dropped' }[] = [];
  rule: (req: HttpRequest) => Fault = () => undefined;
  /** Rewrites an answer before the client sees it (a lying server or a man in the middle). */
  rewrite: (req: HttpRequest, res: HttpResponse) => HttpResponse = (_req, res) => res;
  /** Awaited before each request is sent (to hold one back and force a race). */
  beforeSend: (req: HttpRequest) => Promise<void> = async () => {};
  /** Decides the fate of each frame sent on a live socket (by its parsed JSON). */
  socketRule: (frame: { type?: string }) => SocketFault = () => undefined;
  /** The `type` of every frame the client sent on its live sockets, in order. */
  readonly socketLog: string[] = [];
  private readonly inner: NodeTransport;

  constructor(server: string) {
    this.inner = new NodeTransport(server);
  }

  async request(req: HttpRequest, options: RequestOptions): Promise<HttpResponse> {
    await this.beforeSend(req);
    const fault = this.rule(req);
    const path = req.path.split('?')[0] as string;
    if (fault === 'drop') {
      this.log.push({ method: req.method, path, status: 'dropped' });
      throw clientError('client.network', 'injected fault: request dropped');
    }
    const res = await this.inner.request(req, options);
    if (fault === 'lose-answer') {
      this.log.push({ method: req.method, path, status: 'lost' });
      throw clientError('client.network', 'injected fault: answer lost');
    }
    this.log.push({ method: req.method, path, status: res.status });
    return this.rewrite(req, res);
  }

  connect(path: string, listener: SocketListener): SocketConnection {
    const conn = this.inner.connect(path, listener);
    return {
      send: (text: string) => {
        const frame = JSON.parse(text) as { type?: string };
        this.socketLog.push(frame.type ?? '?');
        const fault = this.socketRule(frame);
        if (fault === 'close-instead') {
          conn.close(4000, 'injected fault: frame lost');
          return true; // as if it had been written just before the connection broke
        }
        const handed = conn.send(text);
        if (fault === 'close-after') conn.close(4000, 'injected fault: connection lost');
        return handed;
      },
      close: (code?: number, reason?: string) => conn.close(code, reason),
    };
  }
}

export interface TestDevice {
  readonly client: FulcrumClient;
  readonly dataDir: string;
  readonly transport: FaultyTransport;
  readonly events: { [K in keyof ClientEvents]: ClientEvents[K][] };
  /** Texts received from others, in the order they were processed. */
  texts(): string[];
  /** Closes and reopens the device from its data dir (a restart; events start empty). */
  reopen(): Promise<TestDevice>;
}

const dirs: string[] = [];

export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function openDevice(server: string, dataDir?: string): Promise<TestDevice> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'fulcrum-dev-'));
  if (dataDir === undefined) dirs.push(dir);
  const transport = new FaultyTransport(server);
  const client = await FulcrumClient.open({
    store: new SqliteClientStore(dir),
    transport,
    keyPackageTarget: 6,
    reconnectDelayMs: { first: 50, max: 500 },
  });
  const events: TestDevice['events'] = {
    message: [],
    membership: [],
    delivery: [],
    error: [],
    connection: [],
    receive: [],
    franking: [],
    moderation: [],
  };
  for (const name of Object.keys(events) as (keyof ClientEvents)[]) {
    client.on(name, (e) => (events[name] as unknown[]).push(e));
  }
  return {
    client,
    dataDir: dir,
    transport,
    events,
    texts: () =>
      events.message
        .map((e) => e.message)
        .filter((m: MessageRecord) => m.direction === 'in' && m.content.type === 'text')
        .map((m) => (m.content.type === 'text' ? m.content.text : '')),
    async reopen() {
      await client.close();
      return openDevice(server, dir);
    },
  };
}

/** Waits until `predicate` holds (polling), or fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh account name. */
export function unique(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

export function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

/** Whether `needle` occurs in `haystack` (bytes). */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle)) !== -1;
}

/** Byte equality (vitest's deep equality is slow on large arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

export interface QueueRow {
  device_id: string;
  seq: number;
  group_id: string;
  kind: string;
  sender_device_id: string | null;
  payload: Uint8Array;
  server_time: number;
}

/**
 * Every row of every server table. On SQLite from a byte copy of the server's database file and
 * its WAL, opened read-only in a temp dir: a second connection to the live file from the same
 * process (or a read through the server's own Kysely handle) made the server's close hang on
 * SQLite — reported to the server's owner. The tests call this only while nothing is writing.
 * On PostgreSQL through the server's pool.
 */
export async function storedRows(platform: TestPlatform): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  if (platform.storage.dialect === 'sqlite') {
    const copy = mkdtempSync(join(tmpdir(), 'fulcrum-dbcopy-'));
    try {
      for (const suffix of ['', '-wal']) {
        const from = join(platform.storage.dataDir, SQLITE_FILE + suffix);
        if (existsSync(from)) copyFileSync(from, join(copy, SQLITE_FILE + suffix));
      }
      const db = new Database(join(copy, SQLITE_FILE));
      try {
        for (const t of TABLE_NAMES) out[t] = db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  } else {
    for (const t of TABLE_NAMES)
      out[t] = (await platform.db.kysely.selectFrom(t).selectAll().execute()) as Record<string, unknown>[];
  }
  return out;
}
