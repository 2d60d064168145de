import {
  decodeBase64Url,
  encodeBase64,
  encodeBase64Url,
  isFulcrumError,
  utf8Decode,
  utf8Encode,
} from '@fulcrum/common';
import {
  createTileHashReader,
  createTlogProof,
  evaluateBlindedAccountName,
  parseLeafIndex,
  parseNote,
  parseCheckpointText,
  parseTilePath,
  type TileSource,
  VOPRF_ELEMENT_SIZE,
} from '@fulcrum/tlog';
import { wireError } from '@fulcrum/wire';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.js';
import { createDbTileSource } from './db-tile-source.js';
import type { TransparencyLog } from './transparency-log.js';

/** Full tiles and bundles never change (c2sp.org/tlog-tiles): cache them for a year. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** The checkpoint moves on every integration. */
export const CHECKPOINT_CACHE = 'no-cache';
/** Partial tiles are superseded as the log grows (a log may drop them once full). */
export const PARTIAL_CACHE = 'public, max-age=60';

const TEXT = 'text/plain; charset=utf-8';
const notFound = () => wireError('request.not_found', 'no such log resource');

/**
 * `/log/`: the C2SP tlog-tiles read API (`checkpoint`, `tile/<L>/<N>[.p/<W>]`,
 * `tile/entries/<N>[.p/<W>]`), the log's verifier key, C2SP tlog-proof receipts by index, and the
 * key-transparency helpers (receipts for a device or account, VOPRF label evaluation). All public
 * and unauthenticated: the log is public data; no route reveals an account name or id mapping
 * beyond what the caller already holds.
 */
export function logRoutes(app: FastifyInstance, db: Database, log: TransparencyLog): void {
  const tiles = createDbTileSource(db.kysely);
  const witnesses = log.witnesses;
  /**
   * The served checkpoint: with witnesses configured, the newest witnessed one (with its
   * cosignature lines; none yet → 404), else the latest signed one. Receipts and `/log/kt` use
   * the same one, so every checkpoint a client is handed carries the cosignatures.
   */
  const source: TileSource =
    witnesses === undefined
      ? tiles
      : {
          async read(path) {
            if (path !== 'checkpoint') return tiles.read(path);
            const row = await db.kysely
              .selectFrom('log_witnessed_checkpoint')
              .select('note')
              .where('id', '=', 1)
              .executeTakeFirst();
            return row === undefined ? undefined : utf8Encode(row.note);
          },
        };
  const servedSize = async (): Promise<number> => {
    const note = await source.read('checkpoint');
    return note === undefined ? 0 : parseCheckpointText(parseNote(utf8Decode(note)).text).size;
  };

  app.get('/log/checkpoint', async (_request, reply) => {
    const note = await source.read('checkpoint');
    if (note === undefined) throw notFound();
    return reply.header('cache-control', CHECKPOINT_CACHE).type(TEXT).send(Buffer.from(note));
  });

  app.get('/log/key', async (_request, reply) => reply.type(TEXT).send(`${log.keys.vkey}\n`));

  /**
   * The witnesses this log submits to and what each last cosigned, and the served checkpoint's
   * size and cosigners by configured name (for a transparency page; the authoritative data is
   * the note at `/log/checkpoint`, which a reader verifies itself).
   */
  app.get('/log/witnesses', async (_request, reply) => {
    const note = await source.read('checkpoint');
    let checkpoint: { size: number; rootHash: string; cosignedBy: string[] } | null = null;
    if (note !== undefined) {
      const parsed = parseNote(utf8Decode(note));
      const cp = parseCheckpointText(parsed.text);
      const names = witnesses?.names() ?? new Map<string, string>();
      checkpoint = {
        size: cp.size,
        rootHash: encodeBase64(cp.rootHash),
        cosignedBy: parsed.signatures.flatMap((sig) => {
          const name = names.get(`${sig.name}\0${sig.keyId}`);
          return name === undefined ? [] : [name];
        }),
      };
    }
    const latest = await db.kysely
      .selectFrom('log_checkpoint')
      .select('size')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return reply.header('cache-control', CHECKPOINT_CACHE).send({
      origin: log.keys.origin,
      logKey: log.keys.vkey,
      quorum: witnesses?.quorum ?? 0,
      latestSignedSize: latest.size,
      checkpoint,
      witnesses: witnesses === undefined ? [] : await witnesses.status(),
    });
  });

  app.get<{ Params: { '*': string } }>('/log/tile/*', async (request, reply) => {
    const path = `tile/${request.params['*']}`;
    let partial: boolean;
    try {
      partial = parseTilePath(path).width < 256;
    } catch {
      throw notFound();
    }
    const data = await source.read(path);
    if (data === undefined) throw notFound();
    return reply
      .header('cache-control', partial ? PARTIAL_CACHE : IMMUTABLE_CACHE)
      .type('application/octet-stream')
      .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  app.get<{ Params: { index: string } }>('/log/proof/:index', async (request, reply) => {
    const receipt = await receiptFor(request.params.index);
    return reply.header('cache-control', CHECKPOINT_CACHE).type(TEXT).send(receipt);
  });

  /** The entry bytes at an index (the leaf the receipt proves: leaf hash = SHA-256(0x00 ‖ entry)). */
  app.get<{ Params: { index: string } }>('/log/entry/:index', async (request, reply) => {
    const index = indexParam(request.params.index);
    const row = await db.kysely
      .selectFrom('log_checkpoint')
      .select('size')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    if (index >= row.size) throw notFound();
    const entry = await db.kysely.selectFrom('log_entries').select('entry').where('idx', '=', index).executeTakeFirst();
    if (entry === undefined) throw notFound();
    return reply
      .header('cache-control', IMMUTABLE_CACHE)
      .type('application/octet-stream')
      .send(Buffer.from(entry.entry));
  });

  /**
   * Key transparency: the latest integrated `key.device` / `key.account` / `key.device_revoked`
   * entries about a device or an account, with a receipt each (what a client checks a served key
   * against with `verifyServedDeviceKey` / `verifyServedAccountKey`).
   */
  app.get<{ Params: { kind: string; id: string } }>('/log/kt/:kind/:id', async (request) => {
    const { kind, id } = request.params;
    const subjects =
      kind === 'device' ? [`device:${id}`, `revoked:${id}`] : kind === 'account' ? [`account:${id}`] : undefined;
    if (subjects === undefined || id.length > 64) throw notFound();
    const size = await servedSize();
    const rows = await db.kysely
      .selectFrom('log_entries')
      .select(['idx', 'entry'])
      .where('subject', 'in', subjects)
      .where('idx', '<', size)
      .orderBy('idx')
      .execute();
    if (rows.length === 0) throw notFound();
    return {
      entries: await Promise.all(
        rows.map(async (r) => ({
          index: r.idx,
          entry: encodeBase64Url(r.entry),
          receipt: await receiptFor(String(r.idx)),
        })),
      ),
    };
  });

  /**
   * RFC 9497 VOPRF evaluation of a blinded account name under the logged label key, with its DLEQ
   * proof: the client finalizes it into the account's label (`finalizeAccountLabel`) and checks
   * the proof against the `kt.label_key` entry. The server never sees the name.
   */
  app.post<{ Body: unknown }>('/log/kt/label', async (request) => {
    const body = request.body as { blindedElement?: unknown } | undefined;
    const text = typeof body === 'object' && body !== null ? body.blindedElement : undefined;
    if (typeof text !== 'string' || text.length > 64)
      throw wireError('request.invalid', 'invalid /blindedElement', { path: '/blindedElement' });
    let evaluated: { evaluatedElement: Uint8Array; proof: Uint8Array };
    try {
      evaluated = evaluateBlindedAccountName(log.keys.labelKey, decodeBase64Url(text, VOPRF_ELEMENT_SIZE));
    } catch {
      throw wireError('request.invalid', 'invalid /blindedElement', { path: '/blindedElement' });
    }
    return { evaluatedElement: encodeBase64Url(evaluated.evaluatedElement), proof: encodeBase64Url(evaluated.proof) };
  });

  function indexParam(text: string): number {
    try {
      return parseLeafIndex(text);
    } catch (err) {
      if (isFulcrumError(err)) throw wireError('request.invalid', 'invalid log index', { path: 'params:/index' });
      throw err;
    }
  }

  async function receiptFor(indexText: string): Promise<string> {
    const index = indexParam(indexText);
    const note = await source.read('checkpoint');
    if (note === undefined) throw notFound();
    const checkpointNote = utf8Decode(note);
    const { size } = parseCheckpointText(parseNote(checkpointNote).text);
    if (index >= size) throw notFound();
    // Our own storage: tiles are trusted here (the client verifies the receipt).
    const reader = createTileHashReader({ treeSize: size, source });
    return createTlogProof({ index, checkpointNote, reader });
  }
}
