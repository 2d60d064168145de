// The send path's storage half, without HTTP: server CPU per message through the group-commit
// writer (nonce, precheck, group seq, recipients, franking-free enqueue, idempotency row), on
// SQLite in a temp directory, for two builds of packages/server alternated in fresh processes.
// Used to compare builds on a machine too loaded for bench.js's throughput to tell them apart.
//
//   node bench/relay/store-path.mjs <label>=<packages/server dir> ... [--rounds 3] [--sends 3000]
//     [--postgres [URL]]
//
// Each run: 16 two-member groups, sends submitted 32 at a time (one batch each, as under the
// closed-loop relay bench), 500 warm-up sends, then `--sends` measured; CPU is this child's
// user+system time (process.cpuUsage) over the measured sends. With `--postgres` the storage is
// a fresh schema on PostgreSQL (URL default $FULCRUM_TEST_POSTGRES or the machine's `test`
// database; dropped afterwards): the CPU is then only the Node side's, and the wall time per
// send (round trips, PostgreSQL's own work) is the figure to compare.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

if (args[0] === '--child') {
  const root = args[1];
  const sends = Number(args[2]);
  const postgres = args[3];
  const imp = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
  const { Database, InProcessBus, WriteQueue } = await imp('index.js');
  const { createAccount } = await imp('store/accounts.js');
  const { createGroup, applyCommit, sendMessage } = await imp('store/groups.js');
  const dir = mkdtempSync(join(tmpdir(), 'fulcrum-store-path-'));
  const schema = `fulcrum_store_path_${randomBytes(6).toString('hex')}`;
  const db = await Database.open(
    postgres === undefined ? { dialect: 'sqlite', dataDir: dir } : { dialect: 'postgres', url: postgres, schema },
    new InProcessBus(),
  );
  const writer = new WriteQueue(db);
  const id = (n = 16) => randomBytes(n).toString('base64url');
  const now = Date.now();
  const device = async () => {
    const accountId = id();
    const d = { deviceId: id(), accountId, certificate: randomBytes(120), requestKey: randomBytes(32) };
    await db.transaction((tx) =>
      createAccount(tx, {
        accountId,
        name: `u${id(6)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, 'x')}`,
        identityKey: randomBytes(32),
        device: d,
        now,
      }),
    );
    return d.deviceId;
  };
  const pairs = [];
  for (let i = 0; i < 16; i++) {
    const [a, b] = [await device(), await device()];
    const groupId = id(32);
    await db.transaction((tx) => createGroup(tx, { groupId, creatorDeviceId: a, now }));
    await db.transaction((tx) =>
      applyCommit(tx, {
        groupId,
        senderDeviceId: a,
        clientMessageId: id(),
        commitEpoch: 0,
        commit: randomBytes(10),
        welcome: randomBytes(10),
        addedDevices: [b],
        removedDevices: [],
        now,
      }),
    );
    pairs.push({ a, groupId });
  }
  const message = randomBytes(1195);
  let k = 0;
  const round = () =>
    Promise.all(
      Array.from({ length: 32 }, () => {
        const p = pairs[k++ % pairs.length];
        return writer.submit(
          (tx) =>
            sendMessage(tx, {
              groupId: p.groupId,
              senderDeviceId: p.a,
              clientMessageId: id(),
              epoch: 1,
              kind: 'application',
              message,
              now,
            }),
          { nonce: { deviceId: p.a, nonce: id(), expiresAt: now + 600_000 } },
        );
      }),
    );
  for (let i = 0; i < 500 / 32; i++) await round();
  const before = process.cpuUsage();
  const t0 = performance.now();
  const rounds = Math.ceil(sends / 32);
  for (let i = 0; i < rounds; i++) await round();
  const cpu = process.cpuUsage(before);
  const wall = performance.now() - t0;
  await writer.close();
  if (postgres !== undefined) await db.kysely.schema.dropSchema(schema).cascade().execute();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  const n = rounds * 32;
  process.stdout.write(
    JSON.stringify({ sends: n, cpuUsPerSend: (cpu.user + cpu.system) / n, wallUsPerSend: (wall * 1000) / n }),
  );
} else {
  const builds = args.filter((a) => a.includes('=')).map((a) => a.split('='));
  const rounds = Number(opt('--rounds', '3'));
  const sends = Number(opt('--sends', '3000'));
  const pgIndex = args.indexOf('--postgres');
  const postgres =
    pgIndex < 0
      ? undefined
      : args[pgIndex + 1]?.startsWith('postgres')
        ? args[pgIndex + 1]
        : (process.env.FULCRUM_TEST_POSTGRES ?? 'postgres://127.0.0.1:5432/test');
  const self = fileURLToPath(import.meta.url);
  const results = {};
  const walls = {};
  for (let r = 0; r < rounds; r++) {
    for (const [label, root] of builds) {
      const childArgs = [self, '--child', root, String(sends), ...(postgres === undefined ? [] : [postgres])];
      const out = spawnSync(process.execPath, childArgs, { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(out.stderr);
      const x = JSON.parse(out.stdout);
      results[label] = [...(results[label] ?? []), x.cpuUsPerSend];
      walls[label] = [...(walls[label] ?? []), x.wallUsPerSend];
      process.stderr.write(
        `round ${r + 1} ${label}: ${x.cpuUsPerSend.toFixed(0)} µs CPU per send (${x.wallUsPerSend.toFixed(0)} µs wall)\n`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0);
  for (const [label, xs] of Object.entries(results)) {
    console.log(
      `${label} (${postgres === undefined ? 'sqlite' : 'postgres'}): median ${median(xs)} µs CPU per send; runs ${xs.map((x) => x.toFixed(0)).join(', ')}; median ${median(walls[label])} µs wall per send`,
    );
  }
}
