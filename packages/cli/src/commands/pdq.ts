/**
 * `fulcrum pdq`: hash images, match them against hash lists, build and query
 * list indexes. Output is CSV on stdout, one record a line, in input order;
 * per-file problems go to stderr and the run continues, exiting 1 at the end
 * if any file failed. Nothing here logs hashes anywhere but stdout.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readImageFileForPdq } from '@fulcrum/client-node';
import { isFulcrumError } from '@fulcrum/common';
import {
  bruteForceQuery,
  computePdqDihedralHashes,
  computePdqHash,
  DEFAULT_MATCH_RADIUS,
  DIHEDRAL_NAMES,
  decodeHashListBinary,
  encodeHashListBinary,
  encodePdqHash,
  hashListFromWords,
  MihIndex,
  PDQ_QUALITY_FLOOR,
  type PdqHash,
  type PdqHashList,
  type PdqMatch,
  parseHashListText,
  parsePdqHash,
  unpackHash,
  WORDS_PER_HASH,
} from '@fulcrum/pdq';
import { Command, InvalidArgumentError } from 'commander';

/** Where the commands write; tests pass their own. */
export interface PdqIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown; isTTY?: boolean };
  setExitCode(code: number): void;
}

const processIo: PdqIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** Image file extensions picked up when walking folders (explicit file arguments are always tried). */
const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp|gif|tiff?)$/i;
/** Lists of at least this many hashes are searched with the multi-index; smaller ones by brute force. */
const MIH_THRESHOLD = 50_000;
/** Files decoded ahead of the one being hashed (sharp decodes on libuv threads). */
const DECODE_AHEAD = 4;

interface ProgressBar {
  start(total: number, value: number): void;
  increment(): void;
  stop(): void;
}
interface CliProgress {
  SingleBar: new (options: Record<string, unknown>, preset: unknown) => ProgressBar;
  Presets: { shades_classic: unknown };
}

function progressBar(io: PdqIo, total: number): ProgressBar | undefined {
  if (!io.stderr.isTTY || total < 20) return undefined;
  // cli-progress ships no types; load it untyped and describe the two calls we use.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as CliProgress;
  const bar = new cliProgress.SingleBar(
    { stream: io.stderr, format: 'pdq {bar} {value}/{total} files', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

function describeError(err: unknown): string {
  if (isFulcrumError(err)) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

/** Expands folders recursively (sorted, image extensions only); keeps file arguments as given. */
async function expandPaths(paths: readonly string[], io: PdqIo, failures: { n: number }): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && IMAGE_EXTENSIONS.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    try {
      if ((await stat(p)).isDirectory()) await walk(p);
      else out.push(p);
    } catch (err) {
      failures.n++;
      io.stderr.write(`${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? describeError(err)})\n`);
    }
  }
  return out;
}

interface Hashed {
  readonly path: string;
  readonly hash: PdqHash;
  readonly quality: number;
  readonly dihedral: readonly PdqHash[] | undefined;
}

/**
 * Decodes and hashes files in order, a few decodes ahead; calls `onResult`
 * per success and reports failures on stderr. Returns the number of failures.
 */
async function hashFiles(
  files: readonly string[],
  io: PdqIo,
  opts: { dihedral: boolean; maxPixels: number | undefined },
  onResult: (r: Hashed) => void,
): Promise<number> {
  let failures = 0;
  const bar = progressBar(io, files.length);
  const decodeOptions = opts.maxPixels === undefined ? {} : { maxPixels: opts.maxPixels };
  const pending = files.map(() => undefined as undefined | ReturnType<typeof readImageFileForPdq>);
  const start = (i: number) => {
    if (i < files.length && pending[i] === undefined) {
      const p = readImageFileForPdq(files[i]!, decodeOptions);
      p.catch(() => undefined); // handled when awaited below; avoid an unhandled rejection meanwhile
      pending[i] = p;
    }
  };
  for (let i = 0; i < Math.min(DECODE_AHEAD, files.length); i++) start(i);
  for (let i = 0; i < files.length; i++) {
    start(i + DECODE_AHEAD);
    const path = files[i]!;
    try {
      const image = await pending[i]!;
      if (opts.dihedral) {
        const r = computePdqDihedralHashes(image);
        const all = DIHEDRAL_NAMES.map((n) => r.hashes[n]);
        onResult({ path, hash: all[0]!, quality: r.quality, dihedral: all });
      } else {
        const r = computePdqHash(image);
        onResult({ path, hash: r.hash, quality: r.quality, dihedral: undefined });
      }
    } catch (err) {
      failures++;
      io.stderr.write(`${path}: ${describeError(err)}\n`);
    }
    pending[i] = undefined;
    bar?.increment();
  }
  bar?.stop();
  return failures;
}

/** Reads a hash list: FPDQ binary (by its magic) or ThreatExchange-style CSV/TSV text. */
export async function loadHashList(path: string): Promise<PdqHashList> {
  const bytes = await readFile(path);
  if (bytes.length >= 4 && bytes.toString('latin1', 0, 4) === 'FPDQ') return decodeHashListBinary(bytes);
  return parseHashListText(bytes.toString('utf8'));
}

function matcher(list: PdqHashList): (q: PdqHash, r: number) => PdqMatch[] {
  if (list.length < MIH_THRESHOLD) return (q, r) => bruteForceQuery(list, q, r);
  const index = new MihIndex(list);
  return (q, r) => index.query(q, r);
}

function parseRadius(v: string): number {
  const r = Number(v);
  if (!Number.isInteger(r) || r < 0 || r > 256) throw new InvalidArgumentError('radius must be an integer 0..256');
  return r;
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** Quotes a CSV field when it needs it (paths and ids may hold commas or quotes). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function lowQualityNote(io: PdqIo, path: string, quality: number, action: string): void {
  io.stderr.write(`${path}: low quality ${quality} (< ${PDQ_QUALITY_FLOOR}): ${action}\n`);
}

/** Builds the `pdq` command and its subcommands, writing to `io`. */
export function createPdqCommand(io: PdqIo = processIo): Command {
  const pdq = new Command('pdq').description('PDQ perceptual hashes: hash images, match them against lists');

  pdq
    .command('hash')
    .description(
      'hash image files and folders (recursive); prints hash,quality,path like the reference pdq-photo-hasher',
    )
    .argument('<paths...>', 'image files or folders')
    .option(
      '--dihedral',
      'print all 8 dihedral hashes per file (original, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1)',
    )
    .option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs)', parsePositive)
    .action(async (paths: string[], opts: { dihedral?: boolean; maxPixels?: number }) => {
      const failures = { n: 0 };
      const files = await expandPaths(paths, io, failures);
      let low = 0;
      failures.n += await hashFiles(files, io, { dihedral: !!opts.dihedral, maxPixels: opts.maxPixels }, (r) => {
        const hashes = r.dihedral ? r.dihedral.map(encodePdqHash).join(',') : encodePdqHash(r.hash);
        // The path is printed raw, as pdq-photo-hasher does (list readers take all after the 2nd comma as the path).
        io.stdout.write(`${hashes},${r.quality},${r.path}\n`);
        if (r.quality < PDQ_QUALITY_FLOOR) {
          low++;
          lowQualityNote(io, r.path, r.quality, 'hash printed, but too featureless to match reliably');
        }
      });
      if (failures.n > 0) io.stderr.write(`pdq hash: ${failures.n} input(s) failed\n`);
      if (low > 0) io.stderr.write(`pdq hash: ${low} low-quality image(s) flagged\n`);
      if (failures.n > 0) io.setExitCode(1);
    });

  pdq
    .command('match')
    .description('hash images and print every list entry within the radius: path,hash,distance,list_hash,list_id')
    .requiredOption('--list <file>', 'hash list: CSV/TSV (hash[,quality][,id]) or FPDQ binary')
    .option('-r, --radius <n>', 'largest Hamming distance that counts as a match', parseRadius, DEFAULT_MATCH_RADIUS)
    .option('--dihedral', 'also match the 7 rotated/flipped variants of each image')
    .option('--allow-low-quality', `match images with quality < ${PDQ_QUALITY_FLOOR} too (they are flagged either way)`)
    .option('--max-pixels <n>', 'refuse images with more pixels than this', parsePositive)
    .argument('<paths...>', 'image files or folders')
    .action(
      async (
        paths: string[],
        opts: { list: string; radius: number; dihedral?: boolean; allowLowQuality?: boolean; maxPixels?: number },
      ) => {
        const list = await loadHashList(opts.list);
        const query = matcher(list);
        const failures = { n: 0 };
        const files = await expandPaths(paths, io, failures);
        let low = 0;
        let matched = 0;
        failures.n += await hashFiles(files, io, { dihedral: !!opts.dihedral, maxPixels: opts.maxPixels }, (r) => {
          if (r.quality < PDQ_QUALITY_FLOOR) {
            low++;
            if (!opts.allowLowQuality) {
              lowQualityNote(io, r.path, r.quality, 'not matched (pass --allow-low-quality to match anyway)');
              return;
            }
            lowQualityNote(io, r.path, r.quality, 'matched anyway (--allow-low-quality)');
          }
          // Best distance per list entry over the variants queried.
          const best = new Map<number, number>();
          for (const h of r.dihedral ?? [r.hash]) {
            for (const m of query(h, opts.radius)) {
              const prev = best.get(m.index);
              if (prev === undefined || m.distance < prev) best.set(m.index, m.distance);
            }
          }
          const hex = encodePdqHash(r.hash);
          for (const [index, distance] of [...best].sort((a, b) => a[1] - b[1] || a[0] - b[0])) {
            matched++;
            const id = list.id(index) ?? String(index + 1);
            const listHash = encodePdqHash(unpackHash(list.words, index));
            io.stdout.write(`${csvField(r.path)},${hex},${distance},${listHash},${csvField(id)}\n`);
          }
        });
        io.stderr.write(
          `pdq match: ${files.length} file(s), ${matched} match(es) within ${opts.radius}` +
            `${low > 0 ? `, ${low} low-quality flagged` : ''}${failures.n > 0 ? `, ${failures.n} failed` : ''}\n`,
        );
        if (failures.n > 0) io.setExitCode(1);
      },
    );

  const index = pdq.command('index').description('compact binary hash lists and queries against them');

  index
    .command('build')
    .description('merge CSV/TSV/FPDQ hash lists into one FPDQ binary list (loads in well under 1 s per million hashes)')
    .requiredOption('-o, --out <file>', 'output FPDQ file')
    .argument('<lists...>', 'input hash lists')
    .action(async (lists: string[], opts: { out: string }) => {
      const parts: PdqHashList[] = [];
      for (const p of lists) parts.push(await loadHashList(p));
      const merged = mergeLists(parts);
      await writeFile(opts.out, encodeHashListBinary(merged));
      io.stderr.write(`pdq index build: ${merged.length} hash(es) from ${lists.length} list(s) -> ${opts.out}\n`);
    });

  index
    .command('query')
    .description('print every list entry within the radius of each query hash: query_hash,list_index,list_id,distance')
    .requiredOption('--index <file>', 'FPDQ (or CSV/TSV) hash list')
    .option('-r, --radius <n>', 'largest Hamming distance that counts as a match', parseRadius, DEFAULT_MATCH_RADIUS)
    .option('--queries <file>', 'file of query hashes (any list format) instead of arguments')
    .argument('[hashes...]', '64-hex-digit query hashes')
    .action(async (hashes: string[], opts: { index: string; radius: number; queries?: string }) => {
      const list = await loadHashList(opts.index);
      const query = matcher(list);
      const queries: PdqHash[] = [];
      let failures = 0;
      if (opts.queries) {
        const ql = await loadHashList(opts.queries);
        for (let i = 0; i < ql.length; i++) queries.push(unpackHash(ql.words, i));
      }
      for (const h of hashes) {
        try {
          queries.push(parsePdqHash(h));
        } catch (err) {
          failures++;
          io.stderr.write(`${h}: ${describeError(err)}\n`);
        }
      }
      for (const q of queries) {
        const hex = encodePdqHash(q);
        for (const m of query(q, opts.radius)) {
          io.stdout.write(`${hex},${m.index + 1},${csvField(list.id(m.index) ?? '')},${m.distance}\n`);
        }
      }
      if (failures > 0) io.setExitCode(1);
    });

  return pdq;
}

/** Concatenates lists, keeping qualities (255 where unknown) and ids. */
function mergeLists(parts: readonly PdqHashList[]): PdqHashList {
  if (parts.length === 1) return parts[0]!;
  const n = parts.reduce((s, p) => s + p.length, 0);
  const words = new Uint32Array(n * WORDS_PER_HASH);
  const anyQ = parts.some((p) => p.qualities);
  const qualities = anyQ ? new Uint8Array(n).fill(255) : undefined;
  const owners: { start: number; list: PdqHashList }[] = [];
  let at = 0;
  for (const p of parts) {
    words.set(p.words, at * WORDS_PER_HASH);
    if (qualities && p.qualities) qualities.set(p.qualities, at);
    owners.push({ start: at, list: p });
    at += p.length;
  }
  const base = hashListFromWords(words, qualities);
  return {
    ...base,
    id: (i) => {
      for (let k = owners.length - 1; k >= 0; k--)
        if (i >= owners[k]!.start) return owners[k]!.list.id(i - owners[k]!.start);
      return undefined;
    },
  };
}

/** Registers `fulcrum pdq ...` on the root program. */
export function registerPdqCommands(program: Command): void {
  program.addCommand(createPdqCommand());
}
