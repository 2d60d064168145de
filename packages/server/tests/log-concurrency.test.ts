/**
 * Two server processes' worth of sequencers and integrators on one PostgreSQL schema: every
 * acknowledged append is in the log exactly once and the log is gap-free (ordinary and staged-only
 * appends, some refused, racing on both), and every checkpoint either server published during the
 * race is consistent with the final one (the integrators' compare-and-set).
 */
import { startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import {
  createEd25519NoteVerifier,
  parseVerifierKey,
  type TileSource,
  verifyCheckpoint,
  verifyTiledLog,
} from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLogEntry, type RunningServer, startServer, type Tx, WriteQueue } from '../src/index.js';

function httpSource(base: string): TileSource {
  return {
    async read(path) {
      const res = await fetch(`${base}/log/${path}`);
      if (res.status === 404) return undefined;
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

describe('transparency log with two servers on one PostgreSQL schema', () => {
  let p: TestPlatform;
  let second: RunningServer;
  beforeAll(async () => {
    p = await startTestPlatform({
      dialect: 'postgres',
      server: { transparencyLog: { integrateIntervalMs: 1, maxBatch: 37 } },
    });
    second = await startServer({
      storage: p.storage,
      port: 0,
      log: { level: 'silent' },
      transparencyLog: { integrateIntervalMs: 1, maxBatch: 53 },
    });
  });
  afterAll(async () => {
    await second?.close();
    await p?.close();
  });

  it('keeps every acknowledged append and never publishes inconsistent checkpoints', async () => {
    expect(second.log.keys.vkey).toBe(p.server.log.keys.vkey); // one key, created once
    const key = parseVerifierKey(second.log.keys.vkey);
    const verify = (note: Uint8Array | string) =>
      verifyCheckpoint(note, { logVerifiers: [createEd25519NoteVerifier(key.name, key.publicKey)] });
    const writers = [new WriteQueue(p.db, { maxBatch: 32 }), new WriteQueue(second.db, { maxBatch: 32 })];
    const seen: string[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const url of [p.url, second.url]) seen.push(await (await fetch(`${url}/log/checkpoint`)).text());
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    // 600 appends over both servers: half ordinary (a savepoint each), half staged-only (no
    // savepoint: log-only appends); every seventh of either kind is refused after appending.
    const total = 600;
    const outcomes = await Promise.allSettled(
      Array.from({ length: total }, (_, i) => {
        const run = async (tx: Tx) => {
          const appended = await appendLogEntry(tx, {
            kind: 'test.race',
            version: 1,
            time: 1_767_225_600_000,
            body: new Uint8Array([i & 0xff, i >> 8]),
          });
          if (i % 7 === 3) throw new Error('refused');
          return appended;
        };
        const writer = writers[i % 2] as WriteQueue;
        return i % 4 < 2 ? writer.submit(run, { stagedOnly: true }) : writer.submit(run);
      }),
    );
    await Promise.all(writers.map((w) => w.close()));
    const acked = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const n = acked.length;
    expect(n).toBe(Array.from({ length: total }, (_, i) => i).filter((i) => i % 7 !== 3).length);
    await p.server.log.integrator.integrateAll();
    await second.log.integrator.integrateAll();
    polling = false;
    await poller;

    const entries = new Map<number, Uint8Array>();
    const final = await verifyTiledLog({
      source: httpSource(second.url),
      verifyCheckpoint: verify,
      audit: { onEntry: (i, e) => void entries.set(i, e) },
    });
    const size = final.checkpoint.checkpoint.size;
    expect(size).toBe(1 + n); // kt.label_key + the appends
    for (const a of acked) expect(Buffer.from(entries.get(a.index)!).equals(Buffer.from(a.bytes))).toBe(true);
    // Gap-free: the acknowledged appends hold exactly indices 1..n (0 is kt.label_key).
    expect(acked.map((a) => a.index).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, k) => k + 1));

    const distinct = [...new Set(seen)].map((note) => verify(note).checkpoint);
    expect(distinct.length).toBeGreaterThan(2);
    for (const cp of distinct) {
      if (cp.size === 0) continue;
      await verifyTiledLog({
        source: httpSource(p.url),
        verifyCheckpoint: verify,
        previous: { size: cp.size, rootHash: cp.rootHash },
      });
    }
  });
});
