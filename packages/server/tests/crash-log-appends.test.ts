/**
 * Crash safety of log-only appends (issue 6), which take no savepoint: a child process appends
 * through the server's write path (`WriteQueue` + `appendLogEntry`; half `stagedOnly`, half plain
 * `submit`, one in five refused after appending) with the integrator running, and is killed with
 * SIGKILL mid-stream while this process reads the stored checkpoint. Opened again by a server on
 * the same storage, the log must:
 * - hold every acknowledged entry at the index it was acknowledged with, byte for byte;
 * - be gap-free (the counter equals the number of entries, every index from 0 is present) and hold
 *   no refused entry and no entry twice;
 * - extend every checkpoint stored before the kill (RFC 9162 consistency, from verified tiles).
 * Both dialects; the child runs the built server (`dist`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createEd25519NoteVerifier,
  decodeLogEntry,
  encodeLogEntry,
  parseVerifierKey,
  type TileSource,
  verifyCheckpoint,
  verifyTiledLog,
} from '@fulcrum/tlog';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, InProcessBus, pgConnectionConfig, type StorageConfig, startServer } from '../src/index.js';
import { TEST_POSTGRES_URL } from './fixtures/serve-child.js';

const CHILD = fileURLToPath(new URL('./fixtures/log-append-child.mjs', import.meta.url));
const KILL_AFTER_ACKS = 3000;
const TIME = 1_767_225_600_000;

const bodyOf = (a: number, seq: number) => {
  const body = new Uint8Array(8);
  new DataView(body.buffer).setUint32(0, a);
  new DataView(body.buffer).setUint32(4, seq);
  return body;
};

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

describe.each(['sqlite', 'postgres'] as const)('log-only appends under SIGKILL (%s)', (dialect) => {
  let storage: StorageConfig;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    if (dialect === 'sqlite') {
      const dir = await mkdtemp(join(tmpdir(), 'fulcrum-crash-appends-'));
      storage = { dialect, dataDir: dir };
      drop = () => rm(dir, { recursive: true, force: true });
    } else {
      const schema = `fulcrum_t_${randomBytes(6).toString('hex')}`;
      storage = { dialect, url: TEST_POSTGRES_URL, schema };
      drop = async () => {
        const client = new pg.Client(pgConnectionConfig(TEST_POSTGRES_URL));
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      };
    }
  });
  afterAll(async () => {
    await drop?.();
  });

  it('keeps every acknowledged entry at its index, gap-free, and extends every earlier checkpoint', async () => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, JSON.stringify(storage)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const acked = new Map<number, { a: number; seq: number }>();
    let ready!: () => void;
    const readyP = new Promise<void>((r) => {
      ready = r;
    });
    let pendingLine = '';
    child.stdout?.on('data', (d: Buffer) => {
      const lines = (pendingLine + d.toString()).split('\n');
      pendingLine = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') ready();
        const m = /^ack (\d+) (\d+) (\d+)$/.exec(line);
        if (m !== null) acked.set(Number(m[1]), { a: Number(m[2]), seq: Number(m[3]) });
      }
    });
    await Promise.race([
      readyP,
      exited.then(() => {
        throw new Error(`the child exited: ${stderr}`);
      }),
    ]);

    // Read the stored checkpoint while the child appends; kill once enough appends are acknowledged
    // and a checkpoint beyond the first entry is stored.
    const reader = await Database.open(storage, new InProcessBus());
    const seen = new Map<number, Uint8Array>();
    try {
      for (let waited = 0; ; waited += 10) {
        const cp = await reader.kysely
          .selectFrom('log_checkpoint')
          .select(['size', 'root_hash'])
          .where('id', '=', 1)
          .executeTakeFirst();
        if (cp !== undefined && cp.size > 0) seen.set(cp.size, new Uint8Array(cp.root_hash));
        if (acked.size >= KILL_AFTER_ACKS && [...seen.keys()].some((s) => s > 1)) break;
        if (child.exitCode !== null) throw new Error(`the child exited: ${stderr}`);
        if (waited > 120_000) throw new Error(`only ${acked.size} appends acknowledged in 120 s`);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      await reader.close();
    }
    const acks = new Map(acked); // nothing more can arrive

    // Gap-free in the rows themselves (checked first: the integrator would wait at a gap forever).
    const db = await Database.open(storage, new InProcessBus());
    try {
      const counter = await db.kysely.selectFrom('log_sequence').select('next_index').executeTakeFirstOrThrow();
      const rows = await db.kysely
        .selectFrom('log_entries')
        .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('idx').as('last')])
        .executeTakeFirstOrThrow();
      expect({ rows: Number(rows.n), last: Number(rows.last) }).toEqual({
        rows: counter.next_index,
        last: counter.next_index - 1,
      });
    } finally {
      await db.close();
    }

    // Restart on the same storage: integrate what the child committed, read it over HTTP only.
    const server = await startServer({ storage, port: 0, log: { level: 'silent' } });
    try {
      await server.log.integrator.integrateAll();
      const key = parseVerifierKey(server.log.keys.vkey);
      const verify = (note: Uint8Array | string) =>
        verifyCheckpoint(note, { logVerifiers: [createEd25519NoteVerifier(key.name, key.publicKey)] });
      const entries = new Map<number, Uint8Array>();
      const final = await verifyTiledLog({
        source: httpSource(server.url),
        verifyCheckpoint: verify,
        audit: { onEntry: (i, e) => void entries.set(i, e) },
      });
      const size = final.checkpoint.checkpoint.size;

      // Gap-free: the counter, the checkpoint and the entries agree; index 0 is kt.label_key.
      expect(await server.log.integrator.sequencedSize()).toBe(size);
      expect([...entries.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: size }, (_, i) => i));
      expect(acks.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);

      // Every acknowledged append, at its index, byte for byte.
      for (const [index, { a, seq }] of acks) {
        const want = encodeLogEntry({ kind: 'test.crash', version: 1, time: TIME, body: bodyOf(a, seq) });
        expect(Buffer.from(entries.get(index) ?? []).equals(Buffer.from(want)), `index ${index}`).toBe(true);
      }
      // No refused entry, no entry twice (an unacknowledged committed one is allowed: killed
      // between its commit and its line).
      const bodies = new Set<string>();
      for (const [index, bytes] of entries) {
        if (index === 0) continue;
        const e = decodeLogEntry(bytes);
        expect(e.kind).toBe('test.crash');
        const view = new DataView(e.body.buffer, e.body.byteOffset, e.body.byteLength);
        expect(view.getUint32(4) % 5, `index ${index} was refused`).not.toBe(4);
        const id = Buffer.from(e.body).toString('hex');
        expect(bodies.has(id), `index ${index} twice`).toBe(false);
        bodies.add(id);
      }

      // Every checkpoint stored before the kill is extended by the new one.
      expect(seen.size).toBeGreaterThan(1);
      for (const [oldSize, rootHash] of seen) {
        await verifyTiledLog({
          source: httpSource(server.url),
          verifyCheckpoint: verify,
          previous: { size: oldSize, rootHash },
        });
      }
    } finally {
      await server.close();
    }
  }, 240_000);
});
