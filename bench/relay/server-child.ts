/**
 * The real Fulcrum server (`startServer`, the library `fulcrum serve` runs) in a child process of
 * bench.ts, with rate limits off (the bench is one flood by design) and silent logs.
 *   node server-child.js sqlite <dir>
 *   node server-child.js postgres <url> <schema> [<nats url>]
 * Prints `READY <url>` once listening; SIGTERM closes it cleanly.
 */
import type { ServerConfig } from '@fulcrum/server';

// FULCRUM_BENCH_SERVER_MODULE: another build of the server package's entry point (bench.ts
// --compare-server), to compare two builds in one run under the same conditions.
const { startServer } = (await import(
  process.env.FULCRUM_BENCH_SERVER_MODULE ?? '@fulcrum/server'
)) as typeof import('@fulcrum/server');

const [kind, a, b, natsUrl] = process.argv.slice(2);
const storage: ServerConfig['storage'] =
  kind === 'sqlite'
    ? { dialect: 'sqlite', dataDir: a ?? '' }
    : { dialect: 'postgres', url: a ?? '', schema: b ?? 'public', poolSize: 10 };
const server = await startServer({
  storage,
  host: '127.0.0.1',
  port: 0,
  rateLimit: false,
  log: { level: 'silent' },
  ...(natsUrl === undefined ? {} : { nats: { url: natsUrl, subjectPrefix: `bench.${process.ppid}` } }),
});
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
