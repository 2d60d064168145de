/**
 * `fulcrum witness`: runs a C2SP tlog-witness (c2sp.org/tlog-witness `POST /add-checkpoint`) for
 * the logs named with `--log <origin>=<vkey>` until SIGINT or SIGTERM. Its cosigning key and
 * per-log state live in `--data`; it prints its own verifier key, which log operators and
 * clients put in their witness policy.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningWitness, startWitness, type WitnessLogConfig } from '@fulcrum/server';
import { type Command, InvalidArgumentError } from 'commander';

export interface WitnessOptions {
  data: string;
  port: number;
  host: string;
  /** Key name on first start (later starts must repeat it or leave it out). */
  name?: string;
  logs: WitnessLogConfig[];
}

/** `--data` default: `$XDG_DATA_HOME/fulcrum/witness` (`~/.local/share/fulcrum/witness`). */
export function defaultWitnessDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'fulcrum', 'witness');
}

/** Parses one `--log <origin>=<vkey>`. */
export function parseLogFlag(value: string, previous: WitnessLogConfig[] = []): WitnessLogConfig[] {
  // The vkey's name is the origin, so the separator is the '=' followed by `<origin>+`; this
  // also allows an '=' inside an origin.
  let eq = value.indexOf('=');
  while (eq > 0 && !value.startsWith(`${value.slice(0, eq)}+`, eq + 1)) eq = value.indexOf('=', eq + 1);
  if (eq <= 0) throw new InvalidArgumentError('expected <origin>=<vkey>, the vkey named by the origin');
  return [...previous, { origin: value.slice(0, eq), vkey: value.slice(eq + 1) }];
}

/**
 * Starts the witness, prints where it listens and its verifier key, and resolves once `stop`
 * fires and the witness has closed.
 */
export async function runWitness(
  options: WitnessOptions,
  stop: AbortSignal,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  onListening?: (witness: RunningWitness) => void,
): Promise<void> {
  const witness = await startWitness({
    dataDir: resolve(options.data),
    host: options.host,
    port: options.port,
    ...(options.name === undefined ? {} : { name: options.name }),
    logs: options.logs,
  });
  write(`fulcrum witness listening on ${witness.url}/add-checkpoint (state in ${resolve(options.data)})`);
  write(`witness verifier key: ${witness.vkey}`);
  for (const log of options.logs) write(`witnessing ${log.origin}`);
  onListening?.(witness);
  await new Promise<void>((done) => {
    if (stop.aborted) done();
    else stop.addEventListener('abort', () => done(), { once: true });
  });
  await witness.close();
  write('fulcrum witness stopped');
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer 0..65535');
  return n;
}

export function registerWitnessCommand(program: Command): void {
  program
    .command('witness')
    .description('run a C2SP tlog-witness: cosign checkpoints of the given logs that are consistent with what it saw')
    .option('--data <dir>', 'key and state directory (default: ~/.local/share/fulcrum/witness)')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8081)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--name <name>', 'witness key name on first start (default: fulcrum-witness)')
    .option(
      '--log <origin=vkey>',
      'a log to witness: its origin and Ed25519 verifier key (repeatable)',
      parseLogFlag,
      [],
    )
    .action(async (flags: { data?: string; port: number; host: string; name?: string; log: WitnessLogConfig[] }) => {
      if (flags.log.length === 0) throw new InvalidArgumentError('give at least one --log <origin>=<vkey>');
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runWitness(
          {
            data: flags.data ?? defaultWitnessDataDir(),
            port: flags.port,
            host: flags.host,
            ...(flags.name === undefined ? {} : { name: flags.name }),
            logs: flags.log,
          },
          controller.signal,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
