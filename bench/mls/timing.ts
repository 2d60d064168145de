/** Timing helpers for bench/mls: run an async operation for a time budget and report the rate. */

export interface Rate {
  /** Operations per second. */
  readonly perSec: number;
  /** Mean microseconds per operation. */
  readonly us: number;
  readonly ops: number;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (after `warmup` calls) and returns its rate. */
export async function rate(fn: () => unknown, ms: number, warmup = 20): Promise<Rate> {
  for (let i = 0; i < warmup; i++) await fn();
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 4; i++) await fn();
    ops += 4;
    t = performance.now();
  }
  const us = ((t - t0) * 1000) / ops;
  return { perSec: 1e6 / us, us, ops };
}

/**
 * Times several implementations of one operation in alternating short rounds (the machine is
 * shared: load changes from second to second) and returns each one's median µs per operation.
 */
export async function interleaved(
  fns: Record<string, () => unknown>,
  ms: number,
  rounds = 5,
): Promise<Record<string, Rate>> {
  const names = Object.keys(fns);
  const samples: Record<string, Rate[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) await rate(fns[n] as () => unknown, 0, 10); // warm up every one first
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const n of order) samples[n]?.push(await rate(fns[n] as () => unknown, ms / rounds, 2));
  }
  const out: Record<string, Rate> = {};
  for (const n of names) {
    const us = median((samples[n] as Rate[]).map((x) => x.us));
    out[n] = { us, perSec: 1e6 / us, ops: (samples[n] as Rate[]).reduce((a, x) => a + x.ops, 0) };
  }
  return out;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function log(s = ''): void {
  process.stdout.write(`${s}\n`);
}

/** Formats rows as a fixed-width table (first column left-aligned, others right-aligned). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
