/**
 * `fulcrum serve`: runs the Fulcrum server until SIGINT or SIGTERM. SQLite in `--data` (the
 * embedded default) or PostgreSQL with `--postgres URL`. Prints the URL it listens on; on a
 * signal it stops accepting, closes live sockets, finishes queued writes and closes storage.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type LogWitnessConfig,
  parseLogWitnesses,
  type RunningServer,
  type ServerConfig,
  startServer,
} from '@fulcrum/server';
import { type Command, InvalidArgumentError } from 'commander';

export interface ServeOptions {
  /** Data directory for SQLite and attachment blobs. */
  data: string;
  port: number;
  host: string;
  /** Use PostgreSQL at this URL instead of SQLite. */
  postgres?: string;
  /** PostgreSQL schema (default `public`). */
  postgresSchema?: string;
  /** Live fan-out over NATS at this URL (several processes on one PostgreSQL). */
  nats?: string;
  /** NATS subject prefix (default `fulcrum`): processes that serve one deployment share it. */
  natsPrefix?: string;
  /** Largest attachment, in bytes. */
  attachmentMaxBytes?: number;
  logLevel: NonNullable<NonNullable<ServerConfig['log']>['level']>;
  /** The built web app to serve at `/` (`--web`; default: packages/web/dist when it was built). */
  web?: string;
  /** Witnesses the transparency log submits its checkpoints to (`--witness`). */
  witnesses?: LogWitnessConfig[];
  /** How many of them must cosign before a checkpoint is served (`--witness-quorum`; default all). */
  witnessQuorum?: number;
  /** Serve an unwitnessed checkpoint after this many ms without the quorum (`--witness-fail-open`). */
  witnessFailOpenMs?: number;
  /** Re-submit an unchanged checkpoint for a fresh cosignature after this many ms (`--witness-refresh`; default 1 h). */
  witnessRefreshMs?: number;
}

/**
 * Parses one `--witness name=<label>,key=<vkey>,url=<base URL>` (any order; the URL may contain
 * commas if it comes last) and appends it to `previous`.
 */
export function parseWitnessFlag(value: string, previous: LogWitnessConfig[] = []): LogWitnessConfig[] {
  const fields = new Map<string, string>();
  for (const part of value.split(/,(?=(?:name|key|url)=)/)) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq);
    if (eq <= 0 || !['name', 'key', 'url'].includes(k) || fields.has(k)) {
      throw new InvalidArgumentError('expected name=<label>,key=<witness vkey>,url=<witness URL>');
    }
    fields.set(k, part.slice(eq + 1));
  }
  const [name, vkey, url] = [fields.get('name'), fields.get('key'), fields.get('url')];
  if (name === undefined || vkey === undefined || url === undefined) {
    throw new InvalidArgumentError('expected name=<label>,key=<witness vkey>,url=<witness URL>');
  }
  const next = [...previous, { name, vkey, url }];
  try {
    parseLogWitnesses(next);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
  return next;
}

/** `--web` default: the monorepo's built web app, if `npm run build:web` (or `npm start`) made it. */
export function defaultWebDir(): string | undefined {
  // dist/commands/serve.js → packages/web/dist
  const dir = fileURLToPath(new URL('../../../web/dist/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/** `--data` default: `$FULCRUM_DATA`, else `$XDG_DATA_HOME/fulcrum/server` (`~/.local/share/fulcrum/server`). */
export function defaultServerDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FULCRUM_DATA) return env.FULCRUM_DATA;
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'fulcrum', 'server');
}

/** The server settings for these options (SQLite unless `postgres` is set). */
export function serveConfig(options: ServeOptions): ServerConfig {
  return {
    host: options.host,
    port: options.port,
    storage:
      options.postgres === undefined
        ? { dialect: 'sqlite', dataDir: resolve(options.data) }
        : {
            dialect: 'postgres',
            url: options.postgres,
            ...(options.postgresSchema === undefined ? {} : { schema: options.postgresSchema }),
          },
    ...(options.attachmentMaxBytes === undefined ? {} : { attachmentMaxBytes: options.attachmentMaxBytes }),
    ...(options.nats === undefined
      ? {}
      : {
          nats: {
            url: options.nats,
            ...(options.natsPrefix === undefined ? {} : { subjectPrefix: options.natsPrefix }),
          },
        }),
    log: { level: options.logLevel },
    ...(options.web === undefined ? {} : { webDir: resolve(options.web) }),
    ...(options.witnesses === undefined || options.witnesses.length === 0
      ? {}
      : {
          transparencyLog: {
            witnesses: options.witnesses,
            ...(options.witnessQuorum === undefined ? {} : { witnessQuorum: options.witnessQuorum }),
            ...(options.witnessFailOpenMs === undefined ? {} : { witnessFailOpenMs: options.witnessFailOpenMs }),
            ...(options.witnessRefreshMs === undefined ? {} : { witnessRefreshMs: options.witnessRefreshMs }),
          },
        }),
  };
}

/**
 * Starts the server, reports where it listens, and resolves once `stop` fires and the server has
 * closed. The CLI passes a signal wired to SIGINT/SIGTERM; tests pass their own.
 */
export async function runServe(
  options: ServeOptions,
  stop: AbortSignal,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  onListening?: (server: RunningServer) => void,
): Promise<void> {
  const server = await startServer(serveConfig(options));
  const where =
    (options.postgres === undefined ? `SQLite in ${resolve(options.data)}` : 'PostgreSQL (--postgres)') +
    (options.nats === undefined ? '' : ', live fan-out over NATS (--nats)');
  write(`fulcrum server listening on ${server.url} (${where})`);
  if (options.web !== undefined) write(`web app: ${server.url}/ (from ${resolve(options.web)})`);
  write(`transparency log ${server.log.keys.origin}, key ${server.log.keys.vkey}`);
  if (server.log.witnesses !== undefined) {
    write(
      `collecting cosignatures from ${options.witnesses?.map((w) => w.name).join(', ')} (quorum ${server.log.witnesses.quorum}); see ${server.url}/log/witnesses`,
    );
  }
  onListening?.(server);
  await new Promise<void>((done) => {
    if (stop.aborted) done();
    else stop.addEventListener('abort', () => done(), { once: true });
  });
  write('fulcrum server stopping…');
  await server.close();
  write('fulcrum server stopped');
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer 0..65535');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the Fulcrum server (SQLite in --data by default; PostgreSQL with --postgres; several processes with --postgres and --nats)',
    )
    .option('--data <dir>', 'data directory (default: $FULCRUM_DATA or ~/.local/share/fulcrum/server)')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--postgres <url>', 'use PostgreSQL at this URL (e.g. postgres://127.0.0.1:5432/test) instead of SQLite')
    .option('--postgres-schema <name>', 'PostgreSQL schema to use (default: public)')
    .option('--nats <url>', 'live fan-out between processes over NATS at this URL (e.g. nats://127.0.0.1:4222)')
    .option(
      '--nats-prefix <prefix>',
      'NATS subject prefix shared by the processes of one deployment (default: fulcrum)',
    )
    .option('--attachment-max-bytes <n>', 'largest attachment accepted (default: 25 MiB)', positive)
    .option('--log-level <level>', `log level: ${LEVELS.join(', ')}`, 'info')
    .option('--web <dir>', 'serve this built web app at / (default: packages/web/dist when built)')
    .option(
      '--witness <name=,key=,url=>',
      'a C2SP tlog-witness to collect transparency-log cosignatures from (repeatable): name=<label>,key=<its vkey>,url=<its base URL>',
      parseWitnessFlag,
    )
    .option(
      '--witness-quorum <n>',
      'how many witnesses must cosign before a checkpoint is served (default: all)',
      positive,
    )
    .option(
      '--witness-fail-open <seconds>',
      'serve an unwitnessed checkpoint after this long without the quorum (default: never)',
      positive,
    )
    .option(
      '--witness-refresh <seconds>',
      'ask witnesses to re-cosign an unchanged checkpoint this long after their last cosignature, so clients checking its age accept an idle log (default: 3600)',
      positive,
    )
    .action(
      async (flags: {
        data?: string;
        port: number;
        host: string;
        postgres?: string;
        postgresSchema?: string;
        nats?: string;
        natsPrefix?: string;
        attachmentMaxBytes?: number;
        logLevel: string;
        witness?: LogWitnessConfig[];
        witnessQuorum?: number;
        witnessFailOpen?: number;
        witnessRefresh?: number;
        web?: string;
      }) => {
        if (!LEVELS.includes(flags.logLevel))
          throw new InvalidArgumentError(`--log-level must be one of ${LEVELS.join(', ')}`);
        const controller = new AbortController();
        const onSignal = () => controller.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await runServe(
            {
              data: flags.data ?? defaultServerDataDir(),
              port: flags.port,
              host: flags.host,
              ...(flags.postgres === undefined ? {} : { postgres: flags.postgres }),
              ...(flags.postgresSchema === undefined ? {} : { postgresSchema: flags.postgresSchema }),
              ...(flags.nats === undefined ? {} : { nats: flags.nats }),
              ...(flags.natsPrefix === undefined ? {} : { natsPrefix: flags.natsPrefix }),
              ...(flags.attachmentMaxBytes === undefined ? {} : { attachmentMaxBytes: flags.attachmentMaxBytes }),
              logLevel: flags.logLevel as ServeOptions['logLevel'],
              ...((flags.web ?? defaultWebDir()) === undefined ? {} : { web: flags.web ?? defaultWebDir() }),
              ...(flags.witness === undefined ? {} : { witnesses: flags.witness }),
              ...(flags.witnessQuorum === undefined ? {} : { witnessQuorum: flags.witnessQuorum }),
              ...(flags.witnessFailOpen === undefined ? {} : { witnessFailOpenMs: flags.witnessFailOpen * 1000 }),
              ...(flags.witnessRefresh === undefined ? {} : { witnessRefreshMs: flags.witnessRefresh * 1000 }),
            },
            controller.signal,
          );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      },
    );
}
