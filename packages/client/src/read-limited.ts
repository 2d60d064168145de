/**
 * Reading an HTTP answer without trusting its size: what both Transport implementations
 * (client-node's and client-browser's) do with the `Response` their `fetch` returns. Web-standard
 * streams only (`ReadableStream` exists in Node 18+ and every browser), so it lives in the std core.
 */
import type { HttpResponse } from './ports/transport.js';
import { clientError } from './errors.js';

/** The part of a fetch `Response` read here (Node's undici and the browser's both fit). */
export interface StreamedResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null; forEach(fn: (value: string, key: string) => void): void };
  readonly body: ReadableStream<Uint8Array> | null;
}

function tooLarge(max: number) {
  return clientError('client.bad_response', 'the answer exceeds its size limit', { detail: { limit: max } });
}

/**
 * Reads a byte stream to its end into one array, refusing (`client.bad_response`, `detail.limit`)
 * and cancelling the stream as soon as more than `max` bytes came: a hostile or broken server
 * cannot make the caller buffer more than it asked for. `null` (no body) reads as empty.
 */
export async function readLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel();
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * A fetch answer as the Transport port returns it: any status, header names in lower case, the
 * body read with `readLimited`. A `content-length` over the limit is refused before any of the
 * body is read (the stream is cancelled).
 */
export async function readHttpResponse(res: StreamedResponse, maxResponseBytes: number): Promise<HttpResponse> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxResponseBytes) {
    await res.body?.cancel();
    throw tooLarge(maxResponseBytes);
  }
  const body = await readLimited(res.body, maxResponseBytes);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    headers[k.toLowerCase()] = v;
  });
  return { status: res.status, headers, body };
}
