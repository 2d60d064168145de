/**
 * tlog proof benchmark: proof generation and verification per second on a log of 1M entries,
 * against a naive re-hash baseline measured in the same run. See README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  MemoryMerkleTree,
  MemoryTileStore,
  createConsistencyProof,
  createInclusionProof,
  createTileHashReader,
  hashChildren,
  hashLeaf,
  integrateEntries,
  rootFromLeafHashes,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from '@fulcrum/tlog';

const argv = new Set(process.argv.slice(2));
const QUICK = argv.has('--quick');
const N = QUICK ? 100_000 : 1_000_000;
const out: Record<string, unknown> = {
  node: process.version,
  cpu: cpus()[0]?.model,
  date: new Date().toISOString(),
  entries: N,
};
const log = (s: string) => process.stdout.write(`${s}\n`);
const enc = new TextEncoder();

/** Deterministic pseudo-random indices (xorshift), so runs are comparable. */
function indices(count: number, max: number, seed = 12345): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % max;
  });
}

async function rate(label: string, count: number, f: (i: number) => unknown | Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) await f(i);
  const s = (performance.now() - t0) / 1000;
  const perSecond = count / s;
  log(
    `${label.padEnd(58)} ${perSecond.toFixed(perSecond < 10 ? 2 : 0).padStart(10)} /s  (${count} in ${s.toFixed(2)} s)`,
  );
  return perSecond;
}

// Naive baseline: what a verifier without proofs must do — re-hash every leaf hash up to the root
// (RFC 9162 MTH recursion over the whole list) for each proof it wants or root it checks.
function naiveMth(leaves: Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return leaves[lo] as Uint8Array;
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return hashChildren(naiveMth(leaves, lo, lo + k), naiveMth(leaves, lo + k, hi));
}
function naivePath(m: number, leaves: Uint8Array[], lo: number, hi: number, acc: Uint8Array[]): void {
  if (hi - lo <= 1) return;
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  if (m < lo + k) {
    naivePath(m, leaves, lo, lo + k, acc);
    acc.push(naiveMth(leaves, lo + k, hi));
  } else {
    naivePath(m, leaves, lo + k, hi, acc);
    acc.push(naiveMth(leaves, lo, lo + k));
  }
}

log(`tlog proofs benchmark: ${N.toLocaleString()} entries, Node ${process.version}`);

// ---- build the log two ways: in-memory tree, and tiles through the integrator
const entries = Array.from({ length: N }, (_, i) => enc.encode(`fulcrum bench entry ${i}`));
let t0 = performance.now();
const leaves = entries.map(hashLeaf);
const mem = new MemoryMerkleTree();
for (const l of leaves) mem.appendLeafHash(l);
const memSeconds = (performance.now() - t0) / 1000;
const store = new MemoryTileStore();
t0 = performance.now();
let size = 0;
let root: Uint8Array = new Uint8Array(32);
for (let off = 0; off < N; off += 10_000) {
  const r = await integrateEntries({ oldSize: size, entries: entries.slice(off, off + 10_000), source: store });
  store.apply(r);
  size = r.size;
  root = r.rootHash;
}
const tileSeconds = (performance.now() - t0) / 1000;
if (!Buffer.from(root).equals(Buffer.from(mem.root()))) throw new Error('tile root differs from memory root');
log(
  `build: memory tree ${memSeconds.toFixed(2)} s (${Math.round(N / memSeconds)} entries/s), tiles via integrateEntries in batches of 10k ${tileSeconds.toFixed(2)} s (${Math.round(N / tileSeconds)} entries/s)`,
);
out.build = { memoryTreeEntriesPerSecond: N / memSeconds, tileIntegrationEntriesPerSecond: N / tileSeconds };

const idx = indices(20_000, N);
const reader = createTileHashReader({ treeSize: N, source: store, rootHash: root });
const coldReader = () => createTileHashReader({ treeSize: N, source: store, rootHash: root });

// ---- inclusion proof generation
const genMem = await rate('inclusion proof generation, memory tree', 20_000, (i) =>
  createInclusionProof(idx[i] as number, N, mem),
);
const genTiles = await rate('inclusion proof generation, verified tiles (cached)', 20_000, (i) =>
  createInclusionProof(idx[i] as number, N, reader),
);
const genTilesCold = await rate('inclusion proof generation, verified tiles (fresh reader)', 500, (i) =>
  createInclusionProof(idx[i] as number, N, coldReader()),
);
const naiveCount = QUICK ? 5 : 2;
const genNaive = await rate('baseline: inclusion proof by re-hashing all leaves', naiveCount, (i) => {
  const acc: Uint8Array[] = [];
  naivePath(idx[i] as number, leaves, 0, N, acc);
  return acc;
});

// ---- inclusion proof verification
const proofs = await Promise.all(idx.slice(0, 20_000).map((m) => createInclusionProof(m, N, mem)));
const verify = await rate('inclusion proof verification', 20_000, (i) =>
  verifyInclusion({
    leafIndex: idx[i] as number,
    treeSize: N,
    leafHash: leaves[idx[i] as number] as Uint8Array,
    proof: proofs[i] as Uint8Array[],
    rootHash: root,
  }),
);
const verifyNaive = await rate('baseline: check inclusion by re-hashing the whole tree', naiveCount, () =>
  rootFromLeafHashes(leaves),
);

// ---- consistency proofs
const pairs = indices(5_000, N - 1, 999).map((a) => [a + 1, N] as const);
const consGen = await rate('consistency proof generation (m → 1M), verified tiles', 5_000, (i) =>
  createConsistencyProof((pairs[i] as readonly [number, number])[0], N, reader),
);
const consProofs = await Promise.all(pairs.map(([a]) => createConsistencyProof(a, N, mem)));
const oldRoots = pairs.map(([a]) => mem.root(a));
const consVerify = await rate('consistency proof verification', 5_000, (i) =>
  verifyConsistency({
    oldSize: (pairs[i] as readonly [number, number])[0],
    newSize: N,
    oldRoot: oldRoots[i] as Uint8Array,
    newRoot: root,
    proof: consProofs[i] as Uint8Array[],
  }),
);
const consNaive = await rate('baseline: check consistency by re-hashing both trees', naiveCount, (i) => {
  const a = (pairs[i] as readonly [number, number])[0];
  return [naiveMth(leaves, 0, a), naiveMth(leaves, 0, N)];
});
const rootTiles = await rate('tree root from verified tiles (fresh reader)', 200, () => treeRoot(N, coldReader()));

out.inclusion = {
  generatePerSecond: {
    memoryTree: genMem,
    tilesCached: genTiles,
    tilesFreshReader: genTilesCold,
    naiveRehash: genNaive,
  },
  verifyPerSecond: { proof: verify, naiveRehash: verifyNaive },
  ratioGenerateTilesVsNaive: genTiles / genNaive,
  ratioVerifyVsNaive: verify / verifyNaive,
};
out.consistency = {
  generatePerSecondTiles: consGen,
  verifyPerSecond: consVerify,
  naiveRehashPerSecond: consNaive,
  ratioVerifyVsNaive: consVerify / consNaive,
};
out.rootFromFreshTileReaderPerSecond = rootTiles;
out.memory = { rssMB: Math.round(process.memoryUsage().rss / 1e6) };
log(
  `ratios: generation (tiles) ${Math.round(genTiles / genNaive).toLocaleString()}x, verification ${Math.round(verify / verifyNaive).toLocaleString()}x, consistency verification ${Math.round(consVerify / consNaive).toLocaleString()}x faster than re-hashing; RSS ${(out.memory as { rssMB: number }).rssMB} MB`,
);

const dir = new URL('./results/', import.meta.url.replace('/dist/bench/tlog/', '/'));
mkdirSync(dir, { recursive: true });
const file = new URL(QUICK ? 'latest-quick.json' : 'latest.json', dir);
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
log(`wrote ${file.pathname}`);
