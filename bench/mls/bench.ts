/**
 * MLS benchmark (issue 4): 1 KiB application messages encrypted and decrypted per second, and group
 * creation at 10, 100 and 1000 members (one member adds N-1 KeyPackages in one commit; one joiner
 * processes the Welcome), with Fulcrum's crypto provider next to ts-mls's default provider in the
 * same run, plus the per-primitive timings behind the provider's choices. Prints tables and writes
 * JSON (default bench/results/mls.json). See bench/README.md.
 *
 *   npx tsc --build packages/e2ee && npx tsc -p bench/mls && node bench/mls/dist/bench/mls/bench.js [--quick] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createMlsClient,
  defaultMlsCryptoProvider,
  describeMlsCryptoProvider,
  fulcrumMlsCryptoProvider,
  type GroupState,
  type MlsCryptoProvider,
  nobleMlsCryptoProvider,
  verifyDeviceCertificate,
} from '../../packages/e2ee/src/index.js';
import { verifyDeviceCertificateAsync } from '../../packages/e2ee/src/device-certificate.js';
import { BenchDirectory, makeDevices, withKeyPackages } from './population.js';
import { printByProvider, printRaw, providerPrimitives, rawPrimitives } from './primitives.js';
import { fmt, log, median, table } from './timing.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const outArg = args.indexOf('--out');
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const partial = QUICK || args.includes('--only');
const OUT = outArg >= 0 ? (args[outArg + 1] as string) : `${ROOT}bench/results/mls${partial ? '.tmp' : ''}.json`;
const SIZES = QUICK ? [10, 100] : [10, 100, 1000];
const onlyArg = args.indexOf('--only');
/** `--only primitives,messages,keypackages,groups` runs a subset (the JSON then holds only those). */
const ONLY = onlyArg >= 0 ? new Set((args[onlyArg + 1] as string).split(',')) : undefined;
const wanted = (section: string) => ONLY === undefined || ONLY.has(section);
const PAYLOAD = crypto.getRandomValues(new Uint8Array(1024));

const started = performance.now();
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  loadAverageAtStart: loadavg(),
  quick: QUICK,
};

/** Fresh providers: Fulcrum's, ts-mls's default, ts-mls's noble. */
function providers(): MlsCryptoProvider[] {
  return [fulcrumMlsCryptoProvider(), defaultMlsCryptoProvider(), nobleMlsCryptoProvider()];
}

// ------------------------------------------------------------------ primitives
async function benchPrimitives(): Promise<void> {
  const ms = QUICK ? 100 : 250;
  log('\n== Primitives: WebCrypto and @noble for cipher suite 0x0001 (µs per operation, lower is better)');
  const raw = await rawPrimitives(ms);
  printRaw(raw);
  const ps = providers();
  log('\n== The operations ts-mls calls, through each provider (µs per operation)');
  const byProvider = await providerPrimitives(ps, ms);
  printByProvider(
    byProvider,
    ps.map((p) => p.name),
  );
  results.primitives = { raw, byProvider, unit: 'µs/op' };
  results.fulcrumProvider = await describeMlsCryptoProvider(ps[0] as MlsCryptoProvider);
}

// ------------------------------------------------------------------ messages
async function twoMemberGroup(crypto: MlsCryptoProvider) {
  const dir = new BenchDirectory();
  const [alice, bob] = makeDevices(dir, 2, 'msg');
  const mls = await createMlsClient({ directory: dir, crypto });
  const created = await mls.createGroup(alice!.state);
  const kp = await withKeyPackages(mls, [bob!]);
  const add = await mls.addDevices(created, kp.keyPackages);
  add.wipeConsumed();
  const join = await mls.joinFromWelcome(kp.devices[0]!.state, add.welcome!);
  join.wipeConsumed();
  return { mls, sender: add.group, receiver: join.group };
}

async function benchMessages(): Promise<void> {
  // Many short rounds, providers interleaved: the machine is shared, so load changes from second to
  // second; the ratio of adjacent rounds is the robust figure.
  const rounds = QUICK ? 3 : 7;
  const roundMs = QUICK ? 800 : 1200;
  log(
    `\n== 1 KiB application messages: encrypt (sender) + decrypt (receiver), 2-member group, ${rounds} rounds of ${roundMs / 1000} s per provider, interleaved`,
  );
  const ps = providers();
  const states = await Promise.all(ps.map((p) => twoMemberGroup(p)));
  const perRound = ps.map(() => [] as number[]);
  const encUs = ps.map(() => [] as number[]);
  const decUs = ps.map(() => [] as number[]);
  const run = async (i: number, ms: number, record: boolean) => {
    const s = states[i]!;
    let sender: GroupState = s.sender;
    let receiver: GroupState = s.receiver;
    let n = 0;
    let enc = 0;
    let dec = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      const a = performance.now();
      const e = await s.mls.encryptMessage(sender, PAYLOAD);
      const b = performance.now();
      const r = await s.mls.processMessage(receiver, e.message);
      t = performance.now();
      if (r.kind !== 'application' || r.plaintext.length !== PAYLOAD.length) throw new Error('bad round trip');
      sender = e.group;
      receiver = r.group;
      e.wipeConsumed();
      r.wipeConsumed();
      enc += b - a;
      dec += t - b;
      n++;
    }
    s.sender = sender;
    s.receiver = receiver;
    if (record) {
      perRound[i]!.push(n / ((t - t0) / 1000));
      encUs[i]!.push((enc * 1000) / n);
      decUs[i]!.push((dec * 1000) / n);
    }
  };
  for (let i = 0; i < ps.length; i++) await run(i, 300, false); // warm up
  for (let r = 0; r < rounds; r++) for (let i = 0; i < ps.length; i++) await run(i, roundMs, true);
  const rows = ps.map((p, i) => ({
    provider: p.name,
    messagesPerSec: median(perRound[i]!),
    rounds: perRound[i]!.map((x) => Math.round(x)),
    encryptUs: median(encUs[i]!),
    decryptUs: median(decUs[i]!),
  }));
  const baseIndex = ps.findIndex((p) => p.name === 'ts-mls-default');
  const ratios = ps.map((_, i) => median(perRound[i]!.map((x, r) => x / (perRound[baseIndex]![r] as number))));
  const withRatio = rows.map((r, i) => ({ ...r, ratioToDefault: ratios[i] as number }));
  log(
    table(
      [
        'provider',
        'messages/s (median)',
        'rounds',
        'encrypt µs',
        'decrypt µs',
        'vs ts-mls default (median of per-round ratios)',
      ],
      withRatio.map((r) => [
        r.provider,
        fmt(r.messagesPerSec),
        r.rounds.join(' / '),
        fmt(r.encryptUs),
        fmt(r.decryptUs),
        `${r.ratioToDefault.toFixed(2)}x`,
      ]),
    ),
  );
  log('reference points from issue 4: ts-mls default ≈ 510 messages/s in Node here; libsignal ≈ 5,300');
  results.messages = { payloadBytes: PAYLOAD.length, rounds, roundMs, rows: withRatio };
}

// ------------------------------------------------------------------ key packages
async function benchKeyPackages(): Promise<void> {
  const count = QUICK ? 10 : 30;
  const ps = providers().slice(0, 2);
  const rows = [];
  for (const p of ps) {
    const dir = new BenchDirectory();
    const [d] = makeDevices(dir, 1, 'kp');
    const mls = await createMlsClient({ directory: dir, crypto: p });
    await mls.createKeyPackages(d!.state, { count: 2 }); // warm up
    const t0 = performance.now();
    await mls.createKeyPackages(d!.state, { count });
    rows.push({ provider: p.name, msPerKeyPackage: (performance.now() - t0) / count });
  }
  log(`\n== KeyPackage generation (${count} per provider, one device)`);
  log(
    table(
      ['provider', 'ms per KeyPackage'],
      rows.map((r) => [r.provider, fmt(r.msPerKeyPackage, 2)]),
    ),
  );
  results.keyPackages = rows;
}

// ------------------------------------------------------------------ group creation
async function benchGroups(): Promise<void> {
  log('\n== Group creation: one member adds N-1 KeyPackages in ONE commit; one joiner processes the Welcome');
  const rows: Record<string, unknown>[] = [];
  for (const n of SIZES) {
    const dir = new BenchDirectory();
    const [creator] = makeDevices(dir, 1, `c${n}`);
    let t0 = performance.now();
    const members = makeDevices(dir, n - 1, `g${n}`);
    const kpClient = await createMlsClient({ directory: dir, crypto: fulcrumMlsCryptoProvider() });
    const { devices, keyPackages } = await withKeyPackages(kpClient, members);
    const setupS = (performance.now() - t0) / 1000;
    // Fulcrum's credential check verifies each device certificate (same code for every provider):
    // noble strict (the public verifyDeviceCertificate) and the credential check's own path.
    t0 = performance.now();
    for (const d of devices) verifyDeviceCertificate(d.certificate.encoded);
    const certNobleUs = ((performance.now() - t0) * 1000) / devices.length;
    t0 = performance.now();
    for (const d of devices) await verifyDeviceCertificateAsync(d.certificate.encoded);
    const certCheckUs = ((performance.now() - t0) * 1000) / devices.length;
    const runs = n >= 1000 ? 1 : n >= 100 ? 3 : 5;
    const joiner = devices[devices.length - 1]!;
    const ps = providers().slice(0, 2);
    const clients = await Promise.all(ps.map((crypto) => createMlsClient({ directory: dir, crypto })));
    const commitMs = ps.map(() => [] as number[]);
    const joinMs = ps.map(() => [] as number[]);
    let sizes = { commitBytes: 0, welcomeBytes: 0 };
    for (let r = 0; r < runs; r++) {
      for (const [i, mls] of clients.entries()) {
        const group = await mls.createGroup(creator!.state);
        let t = performance.now();
        const add = await mls.addDevices(group, keyPackages);
        commitMs[i]!.push(performance.now() - t);
        t = performance.now();
        const join = await mls.joinFromWelcome(joiner.state, add.welcome!);
        joinMs[i]!.push(performance.now() - t);
        if (join.group.members().length !== n || add.group.members().length !== n) throw new Error('wrong size');
        sizes = { commitBytes: add.commit.length, welcomeBytes: add.welcome!.length };
      }
    }
    for (const [i, p] of ps.entries()) {
      rows.push({
        members: n,
        provider: p.name,
        runs,
        commitMs: median(commitMs[i]!),
        joinMs: median(joinMs[i]!),
        ...sizes,
        certificateNobleUsEach: certNobleUs,
        certificateCheckUsEach: certCheckUs,
        setupSeconds: setupS,
      });
      log(
        `  N=${n} ${p.name}: commit ${fmt(median(commitMs[i]!))} ms, Welcome processed in ${fmt(median(joinMs[i]!))} ms (${runs === 1 ? 'measured once' : `median of ${runs}`})`,
      );
    }
  }
  log(
    table(
      ['members', 'provider', 'add commit ms', 'join (Welcome) ms', 'commit KiB', 'Welcome KiB', 'runs'],
      rows.map((r) => [
        String(r.members),
        String(r.provider),
        fmt(r.commitMs as number),
        fmt(r.joinMs as number),
        fmt((r.commitBytes as number) / 1024, 1),
        fmt((r.welcomeBytes as number) / 1024, 1),
        String(r.runs),
      ]),
    ),
  );
  const cert = rows.filter((r) => r.provider === 'fulcrum');
  log(
    `  included for both providers: Fulcrum's certificate check, once per added device on each side: ${cert
      .map((r) => `${fmt(r.certificateCheckUsEach as number)} µs`)
      .join(' / ')} per certificate (verifyEd25519Strict) where noble strict alone takes ${cert
      .map((r) => `${fmt(r.certificateNobleUsEach as number)} µs`)
      .join(' / ')}`,
  );
  results.groupCreation = rows;
}

if (wanted('primitives')) await benchPrimitives();
if (wanted('messages')) await benchMessages();
if (wanted('keypackages')) await benchKeyPackages();
if (wanted('groups')) await benchGroups();
results.loadAverageAtEnd = loadavg();
results.seconds = (performance.now() - started) / 1000;
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
log(`\nwrote ${OUT} (${fmt(results.seconds as number)} s)`);
