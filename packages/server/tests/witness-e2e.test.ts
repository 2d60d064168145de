/**
 * End to end, every part a real process of the built CLI: `fulcrum serve --witness … --witness …`
 * collecting cosignatures from two `fulcrum witness` processes, and `fulcrum log verify --policy`
 * (c2sp.org/tlog-policy) as an auditor runs it: accepted with both witnesses; refused with a
 * policy that names a third witness the log never used ("not enough cosignatures", naming it);
 * a witness that is down holds the served checkpoint back and catches up when it returns; a
 * split view (the log's key signing another root for the served size) is refused by both
 * witnesses, and a verifier shown it — with the genuine cosignature lines pasted on — reports a
 * bad cosignature, or with none, not enough cosignatures. On SQLite and PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTestAccount } from '@fulcrum/testkit';
import {
  createCosignatureV1Signer,
  formatAddCheckpointBody,
  formatVerifierKey,
  parseCheckpointText,
  parseEd25519PrivateKey,
  parseNote,
  signCheckpoint,
  treeSize,
} from '@fulcrum/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database, InProcessBus } from '../src/index.js';
import { type ServeChild, serveStorageArgs, spawnServe, TEST_POSTGRES_URL } from './fixtures/serve-child.js';

const CLI = fileURLToPath(new URL('../../cli/bin/fulcrum.js', import.meta.url));

interface WitnessChild {
  url: string;
  port: number;
  vkey: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function spawnWitness(dataDir: string, name: string, log: string, port = 0): Promise<WitnessChild> {
  const child = spawn(
    process.execPath,
    [CLI, 'witness', '--data', dataDir, '--port', String(port), '--name', name, '--log', log],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
      reject(new Error(`fulcrum witness exited (${code}): ${err}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    vkey,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `fulcrum log verify <url>/log --json …` as a process: its exit code and JSON verdict. */
async function verify(url: string, args: string[]): Promise<{ code: number | null; verdict: Record<string, unknown> }> {
  const child = spawn(process.execPath, [CLI, 'log', 'verify', `${url}/log`, '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  try {
    return { code, verdict: JSON.parse(out) as Record<string, unknown> };
  } catch {
    throw new Error(`fulcrum log verify ${args.join(' ')} exited ${code} without a JSON verdict: ${out}${err}`);
  }
}

/** `fulcrum log <args…>` as a process: exit code, stdout, stderr. */
async function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, 'log', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  return { code, out, err };
}

interface WitnessesView {
  latestSignedSize: number;
  checkpoint: { size: number; cosignedBy: string[] } | null;
  witnesses: { name: string; cosignedSize: number | null; lastError: string | null }[];
}

async function until<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (check(last)) return last;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

// Many child processes on a loaded machine: generous per-test time.
const SLOW = 240_000;

describe.each(['sqlite', 'postgres'] as const)('witnessed log end to end, real processes (%s)', (dialect) => {
  let dir: string;
  let storage: { args: string[]; drop: () => Promise<void> };
  let server: ServeChild | undefined;
  let w1: WitnessChild;
  let w2: WitnessChild;
  let origin: string;
  let logVkey: string;
  const view = async (): Promise<WitnessesView> =>
    (await (await fetch(`${server?.url}/log/witnesses`)).json()) as WitnessesView;
  const policyFile = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  const state = (name: string) => ['--state', join(dir, `state-${name}`)];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fulcrum-witness-e2e-'));
    storage = await serveStorageArgs(dialect, 'fulcrum-witness-e2e-data-');
    // First start creates the log key; the witnesses are configured with it.
    const first = await spawnServe([...storage.args, '--log-level', 'silent']);
    logVkey = (await (await fetch(`${first.url}/log/key`)).text()).trim();
    origin = logVkey.split('+')[0] as string;
    await first.stop();
    w1 = await spawnWitness(join(dir, 'w1'), 'e2e.test/w1', `${origin}=${logVkey}`);
    w2 = await spawnWitness(join(dir, 'w2'), 'e2e.test/w2', `${origin}=${logVkey}`);
    server = await spawnServe([
      ...storage.args,
      '--log-level',
      'silent',
      '--witness',
      `name=w1,key=${w1.vkey},url=${w1.url}`,
      '--witness',
      `name=w2,key=${w2.vkey},url=${w2.url}`,
    ]);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await w1?.stop();
    await w2?.stop();
    await storage?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it(
    'serves the cosigned checkpoint; log verify --policy accepts both witnesses and refuses a third',
    async () => {
      const url = server?.url as string;
      await registerTestAccount(url, 'alice');
      const v = await until(
        'a checkpoint cosigned by both',
        view,
        (x) =>
          x.latestSignedSize >= 3 && x.checkpoint?.size === x.latestSignedSize && x.checkpoint.cosignedBy.length === 2,
      );
      expect(v.checkpoint?.cosignedBy.sort()).toEqual(['w1', 'w2']);
      const both = await policyFile(
        'both.policy',
        `# the auditor's policy\nlog ${logVkey}\nwitness w1 ${w1.vkey} ${w1.url}\nwitness w2 ${w2.vkey}\ngroup both all w1 w2\nquorum both\n`,
      );
      const ok = await verify(url, ['--policy', both, ...state('a')]);
      expect(ok.code).toBe(0);
      expect(ok.verdict).toMatchObject({
        ok: true,
        origin,
        size: v.checkpoint?.size,
        witnesses: { required: 'all of (w1, w2)', cosignedBy: ['w1', 'w2'], unknownCosigners: [] },
      });

      // A policy that also requires w3, a witness this log never used.
      const w3 = formatVerifierKey(
        createCosignatureV1Signer('e2e.test/w3', new Uint8Array(32).fill(3), { now: () => 0 }),
      );
      const three = await policyFile(
        'three.policy',
        `witness w1 ${w1.vkey}\nwitness w2 ${w2.vkey}\nwitness w3 ${w3}\ngroup all3 all w1 w2 w3\nquorum all3\n`,
      );
      const refused = await verify(url, ['--policy', three, ...state('b')]);
      expect(refused.code).toBe(1);
      expect(refused.verdict).toMatchObject({
        ok: false,
        code: 'tlog.policy_quorum_not_met',
        detail: { cosignedBy: ['w1', 'w2'], missing: ['w3'] },
      });
      expect(refused.verdict.message).toContain('none from w3');

      // A policy that knows only w1 and w3 and wants both: w2's cosignature is reported as unknown.
      const partial = await policyFile(
        'partial.policy',
        `witness w1 ${w1.vkey}\nwitness w3 ${w3}\ngroup g all w1 w3\nquorum g\n`,
      );
      const r2 = await verify(url, ['--policy', partial, ...state('c')]);
      expect(r2.verdict).toMatchObject({
        code: 'tlog.policy_quorum_not_met',
        detail: { missing: ['w3'], unknownCosigners: ['e2e.test/w2'] },
      });
      // "any of w1, w3" is met by w1 alone.
      const any = await policyFile(
        'any.policy',
        `witness w1 ${w1.vkey}\nwitness w3 ${w3}\ngroup g any w1 w3\nquorum g\n`,
      );
      expect((await verify(url, ['--policy', any, '--no-audit', ...state('d')])).verdict).toMatchObject({
        ok: true,
        witnesses: { cosignedBy: ['w1'], unknownCosigners: ['e2e.test/w2'] },
      });
      // --max-age: both witness processes cosigned moments ago, so a one-hour window holds them.
      expect(
        (await verify(url, ['--policy', both, '--max-age', '1h', '--no-audit', ...state('e')])).verdict,
      ).toMatchObject({ ok: true, witnesses: { cosignedBy: ['w1', 'w2'], maxAgeMs: 3_600_000, ignored: [] } });

      // `log proof` and `log show` check the same policy before printing.
      const receipt = await cli(['proof', `${url}/log`, '1', '--log-key', logVkey, '--policy', both]);
      expect(receipt.code, receipt.err).toBe(0);
      expect(receipt.out.startsWith('c2sp.org/tlog-proof@v1\n')).toBe(true);
      const noReceipt = await cli(['proof', `${url}/log`, '1', '--log-key', logVkey, '--policy', three]);
      expect(noReceipt.code).toBe(1);
      expect(noReceipt.out).toBe('');
      expect(noReceipt.err).toContain('(tlog.policy_quorum_not_met)');
      const shown = await cli(['show', `${url}/log`, '--log-key', logVkey, '--policy', both]);
      expect(shown.code, shown.err).toBe(0);
      expect(shown.out).toContain('key.device');
      const notShown = await cli(['show', `${url}/log`, '--log-key', logVkey, '--policy', three]);
      expect(notShown.code).toBe(1);
      expect(notShown.out).toBe('');
      expect(notShown.err).toContain('(tlog.policy_quorum_not_met)');
      const usage = await cli(['proof', `${url}/log`, '1', '--policy', both]);
      expect(usage.code).not.toBe(0);
      expect(usage.out).toBe('');
    },
    SLOW,
  );

  it(
    'a witness down: logging goes on, the served checkpoint waits, and the witness catches up',
    async () => {
      const url = server?.url as string;
      const before = await view();
      const port = w2.port;
      await w2.stop();
      await registerTestAccount(url, 'bob');
      const down = await until(
        'w2 seen down',
        view,
        (x) => x.latestSignedSize >= (before.checkpoint?.size ?? 0) + 2 && x.witnesses[1]?.lastError === 'unreachable',
      );
      expect(down.checkpoint?.size).toBe(before.checkpoint?.size);
      const both = join(dir, 'both.policy');
      // The auditor still verifies the (older) witnessed checkpoint.
      expect((await verify(url, ['--policy', both, '--no-audit', ...state('a')])).verdict).toMatchObject({
        ok: true,
        size: before.checkpoint?.size,
      });
      w2 = await spawnWitness(join(dir, 'w2'), 'e2e.test/w2', `${origin}=${logVkey}`, port);
      const caught = await until(
        'w2 to catch up',
        view,
        (x) => x.checkpoint?.size === x.latestSignedSize && x.checkpoint.cosignedBy.length === 2,
      );
      expect(caught.checkpoint?.size).toBeGreaterThan(before.checkpoint?.size ?? 0);
      const after = await verify(url, ['--policy', both, ...state('a')]);
      expect(after.verdict).toMatchObject({
        ok: true,
        size: caught.checkpoint?.size,
        consistentWithSize: before.checkpoint?.size,
        witnesses: { cosignedBy: ['w1', 'w2'] },
      });
    },
    SLOW,
  );

  it(
    'a split view is refused by both witnesses and reported by the verifier',
    async () => {
      const url = server?.url as string;
      const note = await (await fetch(`${url}/log/checkpoint`)).text();
      const cp = parseCheckpointText(parseNote(note).text);
      // The log's own key (read from its storage, as an insider would) signs another root.
      const db = await Database.open(
        dialect === 'sqlite'
          ? { dialect: 'sqlite', dataDir: storage.args[1] as string }
          : { dialect: 'postgres', url: TEST_POSTGRES_URL, schema: storage.args[3] as string },
        new InProcessBus(),
      );
      let fork: string;
      try {
        const row = await db.kysely
          .selectFrom('log_keys')
          .select('secret')
          .where('purpose', '=', 'checkpoint')
          .executeTakeFirstOrThrow();
        fork = await signCheckpoint(
          { origin, size: treeSize(cp.size), rootHash: new Uint8Array(32).fill(5), extensions: [] },
          [parseEd25519PrivateKey(row.secret)],
        );
      } finally {
        await db.close();
      }
      for (const w of [w1, w2]) {
        const res = await fetch(`${w.url}/add-checkpoint`, {
          method: 'POST',
          body: formatAddCheckpointBody({ oldSize: cp.size, proof: [], checkpointNote: fork }),
        });
        expect(res.status).toBe(422);
      }
      // Show the fork to verifiers through a man-in-the-middle that swaps the checkpoint.
      const { createServer } = await import('node:http');
      let served = fork;
      const mitm = createServer(async (req, res) => {
        if (req.url === '/log/checkpoint') {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(served);
          return;
        }
        const upstream = await fetch(`${url}${req.url}`);
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      });
      await new Promise<void>((r) => mitm.listen(0, '127.0.0.1', () => r()));
      const mitmUrl = `http://127.0.0.1:${(mitm.address() as { port: number }).port}`;
      try {
        const both = join(dir, 'both.policy');
        const noCosig = await verify(mitmUrl, ['--policy', both, '--log-key', logVkey, ...state('fork1')]);
        expect(noCosig.code).toBe(1);
        expect(noCosig.verdict).toMatchObject({ code: 'tlog.policy_quorum_not_met', detail: { cosignedBy: [] } });
        // The genuine cosignature lines pasted under the forked text do not verify.
        served =
          fork +
          note
            .slice(note.indexOf('\n\n') + 2)
            .split('\n')
            .filter((l) => / e2e\.test\/w[12] /.test(l))
            .map((l) => `${l}\n`)
            .join('');
        const pasted = await verify(mitmUrl, ['--policy', both, '--log-key', logVkey, ...state('fork2')]);
        expect(pasted.code).toBe(1);
        expect(pasted.verdict).toMatchObject({ code: 'tlog.note_bad_signature', detail: { witness: 'w1' } });
        expect(pasted.verdict.message).toContain('bad cosignature from witness w1');
        // A verifier without a policy that saw the genuine checkpoint first: the fork itself.
        served = note;
        expect((await verify(mitmUrl, ['--log-key', logVkey, '--no-audit', ...state('fork3')])).verdict).toMatchObject({
          ok: true,
          size: cp.size,
        });
        served = fork;
        const forkSeen = await verify(mitmUrl, ['--log-key', logVkey, '--no-audit', ...state('fork3')]);
        expect(forkSeen.code).toBe(1);
        expect(forkSeen.verdict).toMatchObject({ ok: false, code: 'tlog.fork_detected' });
      } finally {
        await new Promise<void>((r) => mitm.close(() => r()));
      }
    },
    SLOW,
  );
});
