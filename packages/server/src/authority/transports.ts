/**
 * Delivery transports: a file drop (atomic: temp file, fsync, rename, fsync of the directory) and
 * an HTTPS POST (node fetch) with an `Idempotency-Key` header. Both are idempotent by the
 * delivery's key: the dropped file is named after it (a retry rewrites the same name), and the
 * POST carries it so the receiver can drop a repeat. Nothing here logs a payload.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { serverAuthorityError } from './errors.js';

export interface SendResult {
  /** HTTP status (0 for a file drop). */
  status: number;
  /** SHA-256 (hex) of the response body (of the written file for a file drop). */
  digest: string;
  body: Uint8Array;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const EXTENSION: Record<string, string> = { 'application/xml': 'xml', 'application/json': 'json' };

/** Writes `payload` as `<dir>/<key>.<ext>` so that a reader never sees a partial file. */
export async function dropFile(dir: string, key: string, mediaType: string, payload: string): Promise<SendResult> {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) throw serverAuthorityError('authority.bad_destination', 'bad idempotency key');
  const name = `${key}.${EXTENSION[mediaType] ?? 'bin'}`;
  const final = join(dir, name);
  // A dot-prefixed temp name: readers that watch the directory skip dot files.
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  const bytes = new TextEncoder().encode(payload);
  try {
    const fh = await open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, final);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw serverAuthorityError('authority.unavailable', 'could not write to the drop directory', {
      code: (err as NodeJS.ErrnoException).code ?? 'unknown',
    });
  }
  return { status: 0, digest: sha256Hex(bytes), body: new Uint8Array() };
}

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | FormData;
  timeoutMs: number;
}

/** One HTTP request; network failures and timeouts are `authority.unavailable`. */
export async function httpRequest(req: HttpRequest): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method ?? 'POST',
      headers: req.headers ?? {},
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw serverAuthorityError('authority.unavailable', 'the destination could not be reached', {
      error: err instanceof Error ? err.name : 'unknown',
    });
  }
  const body = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
  return { status: res.status, digest: sha256Hex(body), body };
}

/** Retry on 5xx, 408 and 429; any other non-2xx is a refusal. */
export function classifyHttp(r: SendResult): void {
  if (r.status >= 200 && r.status < 300) return;
  if (r.status >= 500 || r.status === 408 || r.status === 429) {
    throw serverAuthorityError('authority.unavailable', `the destination answered ${r.status}`, { status: r.status });
  }
  throw serverAuthorityError('authority.rejected', `the destination refused with ${r.status}`, { status: r.status });
}

/** HTTPS POST of a payload with its idempotency key; a bearer token when credentials are set. */
export async function postPayload(
  url: string,
  key: string,
  mediaType: string,
  payload: string,
  credentials: string | null,
  timeoutMs: number,
): Promise<SendResult> {
  const headers: Record<string, string> = {
    'content-type': `${mediaType}; charset=utf-8`,
    'idempotency-key': key,
    accept: 'application/json, application/xml',
  };
  if (credentials !== null) headers.authorization = `Bearer ${credentials}`;
  const r = await httpRequest({ url, headers, body: payload, timeoutMs });
  if (isDuplicatePuid(r, payload)) return r;
  classifyHttp(r);
  return r;
}

/**
 * The DSA Transparency Database refuses a second statement with the same `puid` with 422 and
 * `{"existing": {"puid": …}}` (its PuidNotUniqueSingleException). For a retry of our own
 * statement (same puid: the decision id) that means the first attempt arrived and only its answer
 * was lost: the statement is there, so the delivery is done, not refused.
 */
export function isDuplicatePuid(r: SendResult, payload: string): boolean {
  if (r.status !== 422) return false;
  try {
    const sent = JSON.parse(payload) as { puid?: unknown };
    const answer = JSON.parse(new TextDecoder().decode(r.body)) as { existing?: { puid?: unknown } };
    return typeof sent.puid === 'string' && answer.existing?.puid === sent.puid;
  } catch {
    return false;
  }
}
