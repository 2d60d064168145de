/**
 * The log collects witness cosignatures (c2sp.org/tlog-witness, the log's side), against two real
 * witnesses over HTTP: the served checkpoint carries both cosignatures and satisfies a
 * tlog-policy naming them; a witness that is down holds the served checkpoint back (quorum all)
 * while appends go on, and catches up from its old size once it is back; a split view is refused
 * by the witness; on PostgreSQL a second server process on the same schema collects too, and
 * both serve the same witnessed checkpoint.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import {
  formatAddCheckpointBody,
  parseCheckpointText,
  parseNote,
  parseTlogPolicy,
  parseVerifierKey,
  signCheckpoint,
  treeSize,
  verifyCheckpointWithPolicy,
} from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningServer,
  type RunningWitness,
  type ServerConfig,
  startServer,
  startWitness,
  type TransparencyLogOptions,
  type WitnessStatus,
} from '../src/index.js';

const ORIGIN = 'test.fulcrum/cosigned-log';
const TIMING = { retryMs: 50, maxRetryMs: 300, pollMs: 20, requestTimeoutMs: 3000 };

interface WitnessesView {
  origin: string;
  logKey: string;
  quorum: number;
  latestSignedSize: number;
  checkpoint: { size: number; rootHash: string; cosignedBy: string[] } | null;
  witnesses: WitnessStatus[];
}

async function view(base: string): Promise<WitnessesView> {
  const res = await fetch(`${base}/log/witnesses`);
  expect(res.status).toBe(200);
  return (await res.json()) as WitnessesView;
}

/** Polls until `check` holds (generous: the machine is loaded). */
async function until<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

const served = async (base: string) => {
  const res = await fetch(`${base}/log/checkpoint`);
  if (res.status !== 200) return { size: -1, note: '' };
  const note = await res.text();
  return { size: parseCheckpointText(parseNote(note).text).size, note };
};

describe.each(['sqlite', 'postgres'] as const)('the log collects witness cosignatures (%s)', (dialect) => {
  const serverOptions: Omit<ServerConfig, 'storage' | 'host' | 'port'> & { transparencyLog: TransparencyLogOptions } = {
    transparencyLog: { origin: ORIGIN, witnessTiming: TIMING },
  };
  let p: TestPlatform;
  let dir: string;
  let logVkey: string;
  let w1: RunningWitness;
  let w2: RunningWitness;
  let second: RunningServer | undefined;
  const startW = (name: string, port = 0) =>
    startWitness({
      dataDir: join(dir, name),
      port,
      name: `test.fulcrum/${name}`,
      logs: [{ origin: ORIGIN, vkey: logVkey }],
    });

  beforeAll(async () => {
    p = await startTestPlatform({ dialect, server: serverOptions });
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-cosign-'));
    logVkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    w1 = await startW('w1');
    w2 = await startW('w2');
    // The witnesses need the log's key and the log needs theirs: restart the server configured.
    serverOptions.transparencyLog = {
      ...serverOptions.transparencyLog,
      witnesses: [
        { name: 'w1', vkey: w1.vkey, url: w1.url },
        { name: 'w2', vkey: w2.vkey, url: w2.url },
      ],
    };
    await p.restart();
    // Keep-alive sockets to the old process are dead: the first request on one may fail.
    await until(
      'the restarted server',
      () =>
        fetch(`${p.url}/log/key`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
    );
  });
  afterAll(async () => {
    await second?.close();
    await p?.close();
    await w1?.close();
    await w2?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const policyText = (extra = '') => `log ${logVkey}\nwitness w1 ${w1.vkey}\nwitness w2 ${w2.vkey}\n${extra}`;

  it('serves the checkpoint with both cosignatures, verifiable under a tlog-policy naming them', async () => {
    await registerTestAccount(p.url, 'alice');
    const integrated = await until(
      'integration',
      () => view(p.url),
      (v) => v.latestSignedSize >= 3,
    );
    const cp = await until(
      'a witnessed checkpoint',
      () => served(p.url),
      (c) => c.size >= integrated.latestSignedSize,
    );
    const policy = parseTlogPolicy(policyText('group both all w1 w2\nquorum both\n'));
    const v = verifyCheckpointWithPolicy(cp.note, policy, { origin: ORIGIN });
    expect([...v.cosignedBy].sort()).toEqual(['w1', 'w2']);
    expect(v.checkpoint.size).toBe(cp.size);
    // A third witness the log never used: the quorum is not met (and a lone unknown witness neither).
    const w3 = await startW('w3');
    await w3.close();
    const strict = parseTlogPolicy(policyText(`witness w3 ${w3.vkey}\ngroup all3 all w1 w2 w3\nquorum all3\n`));
    expect(() => verifyCheckpointWithPolicy(cp.note, strict, { origin: ORIGIN })).toThrow(
      expect.objectContaining({ code: 'tlog.policy_quorum_not_met' }),
    );
    // The JSON view for a transparency page.
    const j = await view(p.url);
    expect(j).toMatchObject({ origin: ORIGIN, logKey: logVkey, quorum: 2 });
    expect(j.checkpoint?.size).toBe(cp.size);
    expect(j.checkpoint?.cosignedBy.sort()).toEqual(['w1', 'w2']);
    expect(j.witnesses.map((w) => [w.name, w.vkey, w.lastError])).toEqual([
      ['w1', w1.vkey, null],
      ['w2', w2.vkey, null],
    ]);
    for (const w of j.witnesses) {
      expect(w.cosignedSize).toBeGreaterThanOrEqual(cp.size);
      expect(w.cosignatureTimestamp).toBeGreaterThan(1_700_000_000);
    }
    // Receipts carry the cosigned checkpoint too.
    const receipt = await (await fetch(`${p.url}/log/proof/0`)).text();
    expect(receipt).toContain(cp.note.split('\n\n')[1]?.split('\n')[0] ?? 'never');
    expect(receipt.match(/^— test\.fulcrum\/w[12] /gm)?.length).toBe(2);
  });

  it('keeps logging while a witness is down, holds the served checkpoint, and the witness catches up', async () => {
    const before = await served(p.url);
    const port = w2.port;
    await w2.close();
    // Appends are acknowledged and checkpoints signed while w2 is down.
    await registerTestAccount(p.url, 'bob');
    await registerTestAccount(p.url, 'carol');
    const down = await until(
      'w2 reported down while w1 cosigns the newer checkpoint',
      () => view(p.url),
      (v) =>
        v.latestSignedSize >= before.size + 4 &&
        v.witnesses[0]?.cosignedSize === v.latestSignedSize &&
        v.witnesses[1]?.lastError === 'unreachable',
    );
    // Quorum "all" (the default): the served checkpoint has not moved past what both cosigned.
    expect((await served(p.url)).size).toBe(before.size);
    expect(down.checkpoint?.size).toBe(before.size);
    expect(down.witnesses[1]?.cosignedSize).toBe(before.size);

    // Back on the same port with its state: it is sent `old <its size>` and a consistency proof.
    w2 = await startW('w2', port);
    const caught = await until(
      'w2 to catch up',
      () => view(p.url),
      (v) => v.checkpoint?.size === v.latestSignedSize && v.checkpoint.cosignedBy.length === 2,
    );
    expect(caught.checkpoint?.size).toBeGreaterThanOrEqual(before.size + 4);
    expect(caught.witnesses[1]?.lastError).toBeNull();
    const now = await served(p.url);
    const policy = parseTlogPolicy(policyText('group both all w1 w2\nquorum both\n'));
    expect(verifyCheckpointWithPolicy(now.note, policy, { origin: ORIGIN }).cosignedBy).toHaveLength(2);
  });

  it('a split view: the witness refuses a second checkpoint of the same size, and nothing serves it', async () => {
    const cp = await served(p.url);
    const signer = p.server.log.keys.signer;
    const fork = await signCheckpoint(
      { origin: ORIGIN, size: treeSize(cp.size), rootHash: new Uint8Array(32).fill(9), extensions: [] },
      [signer],
    );
    for (const w of [w1, w2]) {
      const res = await fetch(`${w.url}/add-checkpoint`, {
        method: 'POST',
        body: formatAddCheckpointBody({ oldSize: cp.size, proof: [], checkpointNote: fork }),
      });
      expect(res.status).toBe(422);
    }
    // Without cosignatures the fork cannot satisfy a policy that requires either witness.
    const policy = parseTlogPolicy(policyText('group one any w1 w2\nquorum one\n'));
    expect(() => verifyCheckpointWithPolicy(fork, policy, { origin: ORIGIN })).toThrow(
      expect.objectContaining({ code: 'tlog.policy_quorum_not_met' }),
    );
    // The witnesses still cosign the genuine log afterwards.
    await registerTestAccount(p.url, 'dave');
    await until(
      'the next witnessed checkpoint',
      () => view(p.url),
      (v) => (v.checkpoint?.size ?? 0) > cp.size && v.checkpoint?.cosignedBy.length === 2,
    );
  });

  it.runIf(dialect === 'postgres')(
    'a second server process on the same PostgreSQL schema collects too; both serve one witnessed checkpoint',
    async () => {
      second = await startServer({
        log: { level: 'silent' },
        ...serverOptions,
        storage: p.storage,
        host: '127.0.0.1',
        port: 0,
      });
      const b = `http://127.0.0.1:${second.port}`;
      // Appends through both processes.
      await Promise.all([registerTestAccount(p.url, 'erin'), registerTestAccount(b, 'frank')]);
      const target = (await view(b)).latestSignedSize;
      const [va, vb] = await Promise.all(
        [p.url, b].map((u) =>
          until(
            'both processes to serve the witnessed checkpoint',
            () => view(u),
            (v) => (v.checkpoint?.size ?? 0) >= target && v.checkpoint?.cosignedBy.length === 2,
          ),
        ),
      );
      // Each process integrates and submits on its own timer, so right after the waits above one
      // may already serve a later checkpoint than the other: wait until both serve the same one.
      const [na, nb] = await until(
        'both processes to serve the same witnessed checkpoint',
        () => Promise.all([served(p.url), served(b)]),
        ([x, y]) => x.size === y.size && x.note === y.note,
      );
      expect(na.size).toBe(nb.size);
      expect(parseNote(na.note).text).toBe(parseNote(nb.note).text);
      expect(va?.witnesses.map((w) => w.lastError === null || w.lastError === 'conflict')).toEqual([true, true]);
      expect(vb?.checkpoint?.size).toBeGreaterThanOrEqual(target);
      expect((await view(b)).checkpoint?.size).toBe(na.size);
      const policy = parseTlogPolicy(policyText('group both all w1 w2\nquorum both\n'));
      expect(verifyCheckpointWithPolicy(nb.note, policy, { origin: ORIGIN }).cosignedBy).toHaveLength(2);
      // The witnesses verify the log key we configured them with.
      expect(parseVerifierKey(logVkey).name).toBe(ORIGIN);
    },
  );
});

describe('witness quorum and fail-open (sqlite)', () => {
  const serverOptions: { transparencyLog: TransparencyLogOptions } = {
    transparencyLog: { origin: ORIGIN, witnessTiming: TIMING },
  };
  let p: TestPlatform;
  let dir: string;
  let w1: RunningWitness;
  // A witness key whose URL answers nothing (a port that was free and is closed again).
  let gone: { vkey: string; url: string };

  beforeAll(async () => {
    p = await startTestPlatform({ dialect: 'sqlite', server: serverOptions });
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-cosign-q-'));
    const logVkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    const logs = [{ origin: ORIGIN, vkey: logVkey }];
    w1 = await startWitness({ dataDir: join(dir, 'w1'), port: 0, name: 'test.fulcrum/q1', logs });
    const w2 = await startWitness({ dataDir: join(dir, 'w2'), port: 0, name: 'test.fulcrum/q2', logs });
    gone = { vkey: w2.vkey, url: w2.url };
    await w2.close();
  });
  afterAll(async () => {
    await p?.close();
    await w1?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const configure = async (extra: Partial<TransparencyLogOptions>) => {
    serverOptions.transparencyLog = {
      origin: ORIGIN,
      witnessTiming: TIMING,
      witnesses: [
        { name: 'q1', vkey: w1.vkey, url: w1.url },
        { name: 'q2', vkey: gone.vkey, url: gone.url },
      ],
      ...extra,
    };
    await p.restart();
    await until(
      'the restarted server',
      () =>
        fetch(`${p.url}/log/key`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
    );
  };

  it('quorum 1 of 2: served with the one cosignature while the other witness is unreachable', async () => {
    await configure({ witnessQuorum: 1 });
    await registerTestAccount(p.url, 'quinn');
    const v = await until(
      'a checkpoint cosigned by q1 alone',
      () => view(p.url),
      (x) => x.latestSignedSize >= 3 && x.checkpoint?.size === x.latestSignedSize && x.witnesses[1]?.lastError !== null,
    );
    expect(v.quorum).toBe(1);
    expect(v.checkpoint?.cosignedBy).toEqual(['q1']);
    expect(v.witnesses[1]).toMatchObject({ name: 'q2', cosignedSize: null, lastError: 'unreachable' });
  });

  it('quorum all: held; with fail-open the latest checkpoint is served after the delay with what it has', async () => {
    await configure({});
    const held = await view(p.url);
    await registerTestAccount(p.url, 'rory');
    const waiting = await until(
      'a newer signed checkpoint',
      () => view(p.url),
      (x) => x.latestSignedSize > (held.checkpoint?.size ?? 0) && x.witnesses[0]?.cosignedSize === x.latestSignedSize,
    );
    expect(waiting.checkpoint?.size).toBe(held.checkpoint?.size);
    await configure({ witnessFailOpenMs: 300 });
    const opened = await until(
      'fail-open',
      () => view(p.url),
      (x) => x.checkpoint?.size === x.latestSignedSize,
    );
    expect(opened.checkpoint?.size).toBeGreaterThan(held.checkpoint?.size ?? 0);
    expect(opened.checkpoint?.cosignedBy).toEqual(['q1']);
  });
});
