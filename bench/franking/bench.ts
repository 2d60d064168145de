/**
 * Franking benchmark (issue 7): the sender's commitment, the server's tag, the recipient's check and
 * the server's report verification per second, next to a plain HMAC-SHA256 of the same bytes in the
 * same run (the ratio is the figure that survives a busy machine), and the bytes franking adds to a
 * message: measured on real MLS PrivateMessages (ts-mls via @fulcrum/e2ee, 2-member group) with and
 * without franking, plus the stamp the server adds to each recipient's queue item. See README.md.
 *
 *   npx tsc -p bench/franking && node bench/franking/dist/bench/franking/bench.js [--quick] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBase64Url } from '@fulcrum/common';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createMlsClient, fulcrumMlsCryptoProvider } from '../../packages/e2ee/src/index.js';
import {
  type FrankingContext,
  commitMessage,
  createFrankingKey,
  createServerFrankingKey,
  createServerTag,
  encodeFrankedEnvelope,
  encodeFrankingAad,
  verifyReceivedMessage,
  verifyReportOpening,
} from '../../packages/franking/src/index.js';
import { BenchDirectory, makeDevices, withKeyPackages } from '../mls/population.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const outArg = args.indexOf('--out');
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const OUT = outArg >= 0 ? (args[outArg + 1] as string) : `${ROOT}bench/results/franking${QUICK ? '.tmp' : ''}.json`;
const ROUNDS = QUICK ? 3 : 7;
const ROUND_MS = QUICK ? 150 : 400;
/** Each round alternates the baseline and the operation in this many slices. */
const SLICES = 10;
const SIZES = [64, 1024, 16 * 1024];

const log = (s: string) => process.stdout.write(`${s}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** Runs `f` back to back for `ms`; returns operations per second. */
function rate(f: () => unknown, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 64; i++) f();
    n += 64;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const out: Record<string, unknown> = {
  node: process.version,
  cpu: cpus()[0]?.model,
  date: new Date().toISOString(),
  loadAverageAtStart: loadavg()[0],
  rounds: ROUNDS,
  roundMs: ROUND_MS,
  slicesPerRound: SLICES,
};

// ------------------------------------------------------------------ throughput
const NOW = Date.now();
const serverKey = createServerFrankingKey('fk_bench_key_0001', NOW - 1000);
const keyring = new Map([[serverKey.keyId, serverKey]]);
const conversationId = crypto.getRandomValues(new Uint8Array(16));
const policy = { now: NOW, reportWindowMs: 90 * 86_400_000 };

interface Row {
  bodyBytes: number;
  hmacPerSecond: number;
  ops: Record<string, { perSecond: number; ratioToHmac: number }>;
}
const rows: Row[] = [];

log(
  `== franking throughput: ${ROUNDS} rounds of ${ROUND_MS} ms per operation, alternated with a plain HMAC-SHA256 of the same body in ${SLICES} slices per round; ratio = median of per-round ratios`,
);
for (const size of SIZES) {
  const body = crypto.getRandomValues(new Uint8Array(size));
  const frankingKey = createFrankingKey();
  const hmacKey = crypto.getRandomValues(new Uint8Array(32));
  const commitment = commitMessage({ frankingKey, conversationId, body });
  const context: FrankingContext = {
    conversationId,
    epoch: 7,
    senderDeviceId: 'AAAAAAAAAAAAAAAAAAAAAA',
    serverSeq: 123_456,
    serverTime: NOW,
    keyId: serverKey.keyId,
  };
  const tag = createServerTag(serverKey, commitment, context);
  const ops: Record<string, () => unknown> = {
    // Sender: one commitment per message.
    'commit (sender)': () => commitMessage({ frankingKey, conversationId, body }),
    // Server: one tag per message (whatever the group size).
    'server tag (relay)': () => createServerTag(serverKey, commitment, context),
    // Recipient: open the commitment and check the context's sender.
    'receive check (recipient)': () =>
      verifyReceivedMessage({ body, frankingKey, commitment, context, mlsSenderDeviceId: context.senderDeviceId }),
    // Server: verify a reported opening (recompute the commitment, check its own tag).
    'report verify (server)': () => verifyReportOpening(keyring, { body, frankingKey, context, tag }, policy),
    // All four, as one message's whole franking life (send, relay, receive, report).
    'commit + tag + receive + verify': () => {
      const c = commitMessage({ frankingKey, conversationId, body });
      const t = createServerTag(serverKey, c, context);
      verifyReceivedMessage({ body, frankingKey, commitment: c, context, mlsSenderDeviceId: context.senderDeviceId });
      return verifyReportOpening(keyring, { body, frankingKey, context, tag: t }, policy);
    },
  };
  const baseline = () => hmac(sha256, hmacKey, body);
  // warm up
  rate(baseline, 100);
  for (const f of Object.values(ops)) rate(f, 100);
  const hmacRates: number[] = [];
  const perOp: Record<string, { rates: number[]; ratios: number[] }> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of Object.entries(ops)) {
      // One round = SLICES short slices of each, alternated, so both see the same load.
      let h = 0;
      let x = 0;
      for (let i = 0; i < SLICES; i++) {
        h += rate(baseline, ROUND_MS / SLICES);
        x += rate(f, ROUND_MS / SLICES);
      }
      h /= SLICES;
      x /= SLICES;
      hmacRates.push(h);
      perOp[name] ??= { rates: [], ratios: [] };
      perOp[name].rates.push(x);
      perOp[name].ratios.push(x / h);
    }
  }
  const row: Row = {
    bodyBytes: size,
    hmacPerSecond: median(hmacRates),
    ops: Object.fromEntries(
      Object.entries(perOp).map(([k, v]) => [k, { perSecond: median(v.rates), ratioToHmac: median(v.ratios) }]),
    ),
  };
  rows.push(row);
  log(`\n-- body ${size} bytes: plain HMAC-SHA256 ${fmt(row.hmacPerSecond)}/s`);
  log(`${'operation'.padEnd(34)} ${'ops/s'.padStart(12)}  ${'vs HMAC'.padStart(8)}`);
  for (const [k, v] of Object.entries(row.ops)) {
    log(`${k.padEnd(34)} ${fmt(v.perSecond).padStart(12)}  ${v.ratioToHmac.toFixed(3).padStart(8)}x`);
  }
}
out.throughput = rows;

// ------------------------------------------------------------------ bytes per message
async function mlsSizes() {
  const dir = new BenchDirectory();
  const [alice, bob] = makeDevices(dir, 2, 'frk');
  const mls = await createMlsClient({ directory: dir, crypto: fulcrumMlsCryptoProvider() });
  const created = await mls.createGroup(alice!.state);
  const kp = await withKeyPackages(mls, [bob!]);
  const add = await mls.addDevices(created, kp.keyPackages);
  add.wipeConsumed();
  let group = add.group;
  const result: { bodyBytes: number; plainMessageBytes: number; frankedMessageBytes: number; addedBytes: number }[] =
    [];
  for (const size of SIZES) {
    const body = crypto.getRandomValues(new Uint8Array(size));
    const plain = await mls.encryptMessage(group, body);
    group = plain.group;
    const frankingKey = createFrankingKey();
    const c = commitMessage({ frankingKey, conversationId, body });
    const franked = await mls.encryptMessage(group, encodeFrankedEnvelope({ frankingKey, body }), encodeFrankingAad(c));
    group = franked.group;
    result.push({
      bodyBytes: size,
      plainMessageBytes: plain.message.length,
      frankedMessageBytes: franked.message.length,
      addedBytes: franked.message.length - plain.message.length,
    });
  }
  return result;
}

log('\n== bytes franking adds per message');
const sizes = await mlsSizes();
// The stamp on every recipient's queue item (docs/protocol.md §Franking), as the server sends it
// in JSON; the key id has the server's format (`fk_` + 16 base64url characters).
const stamp = {
  keyId: `fk_${encodeBase64Url(crypto.getRandomValues(new Uint8Array(12)))}`,
  tag: encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))),
  serverTime: NOW,
  epoch: 42,
  seq: 123_456,
};
const stampJsonBytes = new TextEncoder().encode(`,"franking":${JSON.stringify(stamp)}`).length;
const base64UrlLength = (n: number) => Math.ceil((n * 4) / 3);
log(
  `${'body'.padStart(8)} ${'MLS msg plain'.padStart(14)} ${'MLS msg franked'.padStart(16)} ${'added (bytes)'.padStart(14)} ${'added in JSON (base64url)'.padStart(26)}`,
);
for (const s of sizes) {
  log(
    `${String(s.bodyBytes).padStart(8)} ${String(s.plainMessageBytes).padStart(14)} ${String(s.frankedMessageBytes).padStart(16)} ${String(s.addedBytes).padStart(14)} ${String(base64UrlLength(s.frankedMessageBytes) - base64UrlLength(s.plainMessageBytes)).padStart(26)}`,
  );
}
log(
  '  of which: authenticated_data 0x01 ‖ commitment = 33 bytes (in the clear header), franked envelope 0x01 ‖ franking key = 33 bytes (in the ciphertext), plus MLS framing/padding',
);
log(`stamp on each recipient's queue item (JSON, ,"franking":{…}): ${stampJsonBytes} bytes per recipient`);
log(`send answer carries the same stamp once: ${stampJsonBytes} bytes`);
out.bytes = {
  mls: sizes,
  authenticatedDataBytes: 33,
  envelopeBytes: 33,
  stampJsonBytesPerRecipient: stampJsonBytes,
  stampExample: stamp,
  serverStatePerMessageBytes: 0,
};
out.loadAverageAtEnd = loadavg()[0];

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
log(`\nwrote ${OUT}`);
