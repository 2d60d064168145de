/**
 * The witness's state survives SIGKILL (c2sp.org/tlog-witness: never cosign two inconsistent
 * checkpoints): the real `fulcrum witness` binary is killed right after acknowledging a
 * checkpoint, with the next request in flight; on restart it remembers at least every
 * acknowledged checkpoint, refuses the rollback, and continues from what it stored. Also: racing
 * identical requests get exactly one cosignature (the check-and-update is atomic).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTestAccount, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import {
  createConsistencyProof,
  createTileHashReader,
  formatAddCheckpointBody,
  parseCheckpointText,
  parseNote,
  parseVerifierKey,
  type TileSource,
  verifyCheckpoint,
} from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWitness } from '../src/index.js';

const ORIGIN = 'test.fulcrum/crash-log';
const CLI = fileURLToPath(new URL('../../cli/bin/fulcrum.js', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url));

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

async function checkpointOfAtLeast(base: string, size: number): Promise<{ note: string; size: number }> {
  for (let i = 0; i < 400; i++) {
    const note = await (await fetch(`${base}/log/checkpoint`)).text();
    const cp = parseCheckpointText(parseNote(note).text);
    if (cp.size >= size) return { note, size: cp.size };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the log did not reach size ${size}`);
}

async function post(url: string, body: string) {
  const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, body: await res.text() };
}

interface WitnessChild {
  readonly url: string;
  readonly vkey: string;
  kill(): Promise<void>;
}

async function spawnWitness(args: readonly string[]): Promise<WitnessChild> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'witness', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const [url, vkey] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fulcrum witness did not start: ${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const u = /listening on (http:\/\/127\.0\.0\.1:\d+)\/add-checkpoint/.exec(out);
      const k = /witness verifier key: (\S+)/.exec(out);
      if (u?.[1] !== undefined && k?.[1] !== undefined) {
        clearTimeout(timer);
        resolve([u[1], k[1]]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fulcrum witness exited (${code}) before listening: ${err}`));
    });
  });
  return {
    url,
    vkey,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('fulcrum witness under SIGKILL and racing requests', () => {
  let p: TestPlatform;
  let dir: string;
  let logVkey: string;
  const cps: { note: string; size: number }[] = [];
  const proofFrom = async (oldSize: number, cp: { size: number }) =>
    createConsistencyProof(oldSize, cp.size, createTileHashReader({ treeSize: cp.size, source: httpSource(p.url) }));
  const bodyFor = async (oldSize: number, cp: { note: string; size: number }) =>
    formatAddCheckpointBody({
      oldSize,
      proof: oldSize === 0 ? [] : await proofFrom(oldSize, cp),
      checkpointNote: cp.note,
    });

  beforeAll(async () => {
    p = await startTestPlatform({ dialect: 'sqlite', server: { transparencyLog: { origin: ORIGIN } } });
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-witness-crash-'));
    logVkey = (await (await fetch(`${p.url}/log/key`)).text()).trim();
    // Six checkpoints of growing size: each registration adds two entries.
    for (let i = 0; i < 6; i++) {
      await registerTestAccount(p.url, `user${i}`);
      cps.push(await checkpointOfAtLeast(p.url, 1 + 2 * (i + 1)));
    }
  });
  afterAll(async () => {
    await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('racing identical requests: exactly one 200, the others 409 with the new size', async () => {
    const w = await startWitness({ dataDir: join(dir, 'race'), port: 0, logs: [{ origin: ORIGIN, vkey: logVkey }] });
    try {
      expect((await post(w.url, await bodyFor(0, cps[0]!))).status).toBe(200);
      const body = await bodyFor(cps[0]!.size, cps[3]!);
      const answers = await Promise.all(Array.from({ length: 8 }, () => post(w.url, body)));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409 && a.body === `${cps[3]!.size}\n`)).toHaveLength(7);
    } finally {
      await w.close();
    }
  });

  it.runIf(existsSync(CLI_MAIN))(
    'SIGKILL right after an acknowledgement, next request in flight: restart keeps every acknowledged checkpoint',
    async () => {
      const args = ['--data', join(dir, 'crash'), '--name', 'crash.test/witness', '--log', `${ORIGIN}=${logVkey}`];
      let w = await spawnWitness(args);
      const vkey = w.vkey;
      let acked = 0;
      for (const cp of cps.slice(0, 3)) {
        const r = await post(w.url, await bodyFor(acked, cp));
        expect(r.status).toBe(200);
        acked = cp.size;
      }
      // The 4th request is sent, and the process is killed without waiting for its answer.
      const inFlight = post(w.url, await bodyFor(acked, cps[3]!)).catch(() => undefined);
      await w.kill();
      const answered = await inFlight;
      if (answered?.status === 200) acked = cps[3]!.size;

      w = await spawnWitness(args);
      try {
        expect(w.vkey).toBe(vkey);
        // The rollback to the first checkpoint is refused with the stored size, which is at least
        // the last acknowledged one (the unanswered one may or may not have been stored).
        const probe = await post(w.url, await bodyFor(0, cps[0]!));
        expect(probe.status).toBe(409);
        const stored = Number(probe.body.trim());
        expect([cps[2]!.size, cps[3]!.size]).toContain(stored);
        expect(stored).toBeGreaterThanOrEqual(acked);
        // It continues from what it stored, and the cosignature verifies under the same key.
        const r = await post(w.url, await bodyFor(stored, cps[5]!));
        expect(r.status).toBe(200);
        const verified = verifyCheckpoint(cps[5]!.note + r.body, {
          logVerifiers: [parseVerifierKey(logVkey)],
          witnessVerifiers: [parseVerifierKey(vkey)],
        });
        expect(verified.cosignatures).toHaveLength(1);
      } finally {
        await w.kill();
      }
    },
    60_000,
  );
});
