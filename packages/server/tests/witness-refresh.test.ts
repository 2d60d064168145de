/**
 * An idle log keeps its served cosignatures recent (`witnessRefreshMs`): the log re-submits the
 * checkpoint a witness already cosigned (`old <size>` = its own size and root, c2sp.org/tlog-witness)
 * once that cosignature is older than the refresh interval, and serves the new line in place of
 * the old one — same checkpoint, newer timestamp — so clients that bound a checkpoint's age by its
 * cosignatures (key transparency's `maxCheckpointAgeMs`) keep accepting a log nobody writes to.
 * A real witness over HTTP whose clock the test moves forward (the cosignature timestamp is what
 * changes); on SQLite and PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '@fulcrum/common';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import { parseCheckpointText, parseNote, parseTlogPolicy, verifyCheckpointWithPolicy } from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWitness, startWitness, type TransparencyLogOptions, type WitnessStatus } from '../src/index.js';

const ORIGIN = 'test.fulcrum/refreshed-log';

async function until<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (check(last)) return last;
    } catch {
      // the restarted server is not up yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

describe.each(['sqlite', 'postgres'] as const)('an idle log refreshes its witness cosignatures (%s)', (dialect) => {
  const serverOptions: { transparencyLog: TransparencyLogOptions } = {
    transparencyLog: {
      origin: ORIGIN,
      witnessTiming: { retryMs: 50, maxRetryMs: 300, pollMs: 20 },
      witnessRefreshMs: 300,
    },
  };
  let p: TestPlatform;
  let dir: string;
  let logVkey: string;
  let w: RunningWitness;
  /** The witness's clock: the system time plus `offset` ms. */
  const witnessClock: Clock & { offset: number } = { offset: 0, now: () => Date.now() + witnessClock.offset };

  const status = async (): Promise<WitnessStatus> => {
    const res = await fetch(`${p.url}/log/witnesses`);
    return ((await res.json()) as { witnesses: WitnessStatus[] }).witnesses[0] as WitnessStatus;
  };
  const served = async () => {
    const note = await (await fetch(`${p.url}/log/checkpoint`)).text();
    return { note, size: parseCheckpointText(parseNote(note).text).size };
  };

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: serverOptions });
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-refresh-'));
    logVkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    w = await startWitness({
      dataDir: join(dir, 'w'),
      port: 0,
      name: 'test.fulcrum/w',
      logs: [{ origin: ORIGIN, vkey: logVkey }],
      clock: witnessClock,
    });
    serverOptions.transparencyLog = {
      ...serverOptions.transparencyLog,
      witnesses: [{ name: 'w', vkey: w.vkey, url: w.url }],
    };
    await p.restart();
    await until(
      'the restarted server',
      () => fetch(`${p.url}/log/key`).then((r) => r.status),
      (s) => s === 200,
    );
  });
  afterAll(async () => {
    await p?.close();
    await w?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('re-cosigns the unchanged checkpoint and serves the newer cosignature', async () => {
    await registerTestAccount(p.url, 'idle');
    // Let the log settle: the served checkpoint is the latest signed one, cosigned.
    const first = await until(
      'the cosigned latest checkpoint',
      async () => {
        const v = (await (await fetch(`${p.url}/log/witnesses`)).json()) as {
          latestSignedSize: number;
          checkpoint: { size: number } | null;
        };
        return { v, s: await status() };
      },
      // kt.label_key, key.account, key.device: 3 entries, then nothing more is logged.
      ({ v, s }) =>
        v.latestSignedSize >= 3 &&
        v.checkpoint !== null &&
        v.checkpoint.size === v.latestSignedSize &&
        s.cosignedSize === v.latestSignedSize,
    );
    const before = await served();
    expect(before.size).toBe(first.v.latestSignedSize);
    const t0 = first.s.cosignatureTimestamp as number;
    const policy = parseTlogPolicy(`log ${logVkey}\nwitness w ${w.vkey}\nquorum w\n`);

    // Ten minutes pass for the witness; nothing is logged.
    witnessClock.offset = 600_000;
    const later = (t0 + 600) * 1000;
    const after = await until('a refreshed cosignature in the served note', served, (s) => {
      try {
        verifyCheckpointWithPolicy(s.note, policy, { freshness: { now: later, maxAgeMs: 60_000 } });
        return true;
      } catch {
        return false;
      }
    });
    // The same checkpoint (size and body), only the cosignature line changed.
    expect(after.size).toBe(before.size);
    expect(parseNote(after.note).text).toBe(parseNote(before.note).text);
    expect(after.note).not.toBe(before.note);
    expect(parseNote(after.note).signatures).toHaveLength(2); // the log's and one witness line
    expect((await status()).cosignatureTimestamp).toBeGreaterThanOrEqual(t0 + 600);
    // The note served before would now be refused as stale by a client with a 60 s window.
    expect(() =>
      verifyCheckpointWithPolicy(before.note, policy, { freshness: { now: later, maxAgeMs: 60_000 } }),
    ).toThrow(expect.objectContaining({ code: 'tlog.stale_checkpoint' }));
  }, 90_000);
});
