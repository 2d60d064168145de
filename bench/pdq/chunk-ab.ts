/**
 * Interleaved A/B of chunk counts on one clustered list: all indexes are
 * built first, then each round times every index on the same 1000 queries
 * (and brute force on 10 of them); the best round of six is kept. Robust
 * to a shared machine in a way the sequential sweep in bench.ts is not.
 * Usage: node --max-old-space-size=4096 dist/bench/pdq/chunk-ab.js [N] [m1,m2,...]
 */
import { bruteForceQuery, hashListFromWords, MihIndex, pdqHashFromBytes } from '@fulcrum/pdq';
import { clusteredList, queriesFor } from './data.js';

const n = Number(process.argv[2] ?? 10_000_000);
const ms = (process.argv[3] ?? '8,11,12').split(',').map(Number);
const words = clusteredList({ n, meanCluster: 8, maxFlips: 24, seed: 20250101 + n });
const list = hashListFromWords(words);
const queries = queriesFor(words, 1000, 7).map(pdqHashFromBytes);
const indexes = ms.map((m) => new MihIndex(list, { chunks: m }));
const best = ms.map(() => Number.POSITIVE_INFINITY);
let bruteMs = Number.POSITIVE_INFINITY;
for (let round = 0; round < 6; round++) {
  indexes.forEach((index, k) => {
    const t = performance.now();
    for (const q of queries) index.query(q, 31);
    best[k] = Math.min(best[k]!, performance.now() - t);
  });
  const t = performance.now();
  for (const q of queries.slice(0, 10)) bruteForceQuery(list, q, 31);
  bruteMs = Math.min(bruteMs, (performance.now() - t) / 10);
}
const brutePerSec = 1000 / bruteMs;
process.stdout.write(`N=${n} radius 31: brute force ${brutePerSec.toFixed(1)} queries/s\n`);
ms.forEach((m, k) => {
  const perSec = queries.length / (best[k]! / 1000);
  process.stdout.write(`  m=${m}: ${perSec.toFixed(0)} queries/s, x${(perSec / brutePerSec).toFixed(0)} brute force\n`);
});
