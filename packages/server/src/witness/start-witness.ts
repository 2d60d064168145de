import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Clock, systemClock } from '@fulcrum/common';
import {
  MAX_ADD_CHECKPOINT_BODY,
  type NoteVerifier,
  parseVerifierKey,
  SIGNATURE_TYPE,
  witnessAddCheckpoint,
} from '@fulcrum/tlog';
import Fastify from 'fastify';
import { openWitnessKey } from './witness-key.js';
import { WitnessState } from './witness-state.js';

/** A log the witness cosigns for: its checkpoint origin and its Ed25519 note verifier key. */
export interface WitnessLogConfig {
  readonly origin: string;
  /** `<origin>+<keyid>+base64(0x01 ‖ key)` (c2sp.org/signed-note); its name must equal `origin`. */
  readonly vkey: string;
}

export interface WitnessConfig {
  /** Holds the cosigning key (created on first start, mode 0600) and the per-log state. */
  readonly dataDir: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The witness key name (first start); default the stored one, or `fulcrum-witness`. */
  readonly name?: string;
  readonly logs: readonly WitnessLogConfig[];
  /** Cosignature timestamps (default the system clock). */
  readonly clock?: Clock;
}

export interface RunningWitness {
  /** `http://host:port`; the endpoint is `${url}/add-checkpoint`. */
  readonly url: string;
  readonly port: number;
  readonly name: string;
  /** The witness's cosignature/v1 verifier key (`<name>+<keyid>+base64(0x04 ‖ key)`). */
  readonly vkey: string;
  /** Stops accepting and waits for requests in flight (and their state writes). Idempotent. */
  close(): Promise<void>;
}

function logVerifiers(logs: readonly WitnessLogConfig[]): Map<string, NoteVerifier[]> {
  const byOrigin = new Map<string, NoteVerifier[]>();
  for (const log of logs) {
    const key = parseVerifierKey(log.vkey);
    if (key.type !== SIGNATURE_TYPE.ed25519) throw new Error(`log key for ${log.origin} is not an Ed25519 note key`);
    // c2sp.org/tlog-checkpoint: the log's key name is its origin.
    if (key.name !== log.origin) throw new Error(`log key ${key.name} does not name origin ${log.origin}`);
    byOrigin.set(log.origin, [...(byOrigin.get(log.origin) ?? []), key]);
  }
  return byOrigin;
}

/**
 * Starts a C2SP tlog-witness (c2sp.org/tlog-witness) on `host:port`: `POST /add-checkpoint`
 * answers exactly as `witnessAddCheckpoint` decides, and a 200 is sent only after the new state
 * is on disk. Requests are handled one at a time, which makes the state's check-and-update
 * atomic. Never exits the process; the caller owns its lifecycle through `close()`.
 */
export async function startWitness(config: WitnessConfig): Promise<RunningWitness> {
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const keys = logVerifiers(config.logs);
  const { signer, vkey } = await openWitnessKey(dataDir, config.name, config.clock ?? systemClock);
  const state = await WitnessState.open(dataDir);

  const app = Fastify({ logger: false, bodyLimit: MAX_ADD_CHECKPOINT_BODY });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((err, _request, reply) => {
    const e = err as { statusCode?: unknown; message?: unknown };
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    // A 500 reveals nothing; client errors (body too large, …) say what fastify saw.
    return reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(status === 500 ? 'internal error\n' : `${String(e.message)}\n`);
  });

  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  app.post('/add-checkpoint', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? new Uint8Array(request.body) : new Uint8Array();
    const result = await serialised(async () => {
      const r = await witnessAddCheckpoint(body, {
        logKeys: (origin) => keys.get(origin),
        state: (origin) => state.get(origin),
        cosigners: [signer],
      });
      if (r.status === 200) {
        // Requests are serialised, so the compare-and-swap cannot lose; if it ever did, refusing
        // is the safe answer (never hand out a cosignature whose state is not stored).
        const stored = await state.compareAndSwap(r.update.origin, r.update.expectedSize, r.update.record);
        if (!stored) throw new Error('witness state changed under a serialised request');
      }
      return r;
    });
    return reply.code(result.status).type(result.contentType).send(result.body);
  });

  await app.listen({ host: config.host ?? '127.0.0.1', port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = (config.host ?? '127.0.0.1').includes(':') ? `[${config.host}]` : (config.host ?? '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    name: signer.name,
    vkey,
    close() {
      closing ??= (async () => {
        const forceClose = setTimeout(() => app.server.closeAllConnections(), 2000);
        try {
          await app.close();
          await queue;
        } finally {
          clearTimeout(forceClose);
        }
      })();
      return closing;
    },
  };
}
