import { isFulcrumError } from '@fulcrum/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readHttpResponse, readLimited, type StreamedResponse } from './read-limited.js';

/** A real ReadableStream over `chunks`; `state` records how far it was pulled and whether it was cancelled. */
function streamOf(chunks: readonly Uint8Array[]) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[state.pulled];
      if (next === undefined) {
        controller.close();
        return;
      }
      state.pulled++;
      controller.enqueue(next);
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

const bytes = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const concat = (chunks: readonly Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
};

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('readLimited', () => {
  it('joins the chunks in order; no body reads as empty', async () => {
    const chunks = [Uint8Array.of(1, 2), Uint8Array.of(), Uint8Array.of(3), Uint8Array.of(4, 5, 6)];
    expect(await readLimited(streamOf(chunks).stream, 100)).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(await readLimited(null, 0)).toEqual(new Uint8Array(0));
    expect(await readLimited(streamOf([]).stream, 0)).toEqual(new Uint8Array(0));
  });

  it('takes exactly the limit and refuses one byte more, cancelling the stream without reading on', async () => {
    expect((await readLimited(streamOf([bytes(6), bytes(4)]).stream, 10)).length).toBe(10);
    const { stream, state } = streamOf([bytes(6), bytes(5), bytes(1000), bytes(1000)]);
    const err = await refusal(readLimited(stream, 10));
    expect(isFulcrumError(err, 'client.bad_response')).toBe(true);
    expect((err as { detail?: unknown }).detail).toEqual({ limit: 10 });
    expect(state.cancelled).toBe(true);
    // The stream may have queued one chunk ahead of the read (its high-water mark), not the rest.
    expect(state.pulled).toBeLessThanOrEqual(3);
  });

  it('property: the bytes back if they fit, else client.bad_response — for any chunking and limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.nat({ max: 400 }),
        async (chunks, max) => {
          const all = concat(chunks);
          const result = await readLimited(streamOf(chunks).stream, max).catch((e: unknown) => e);
          if (all.length <= max) expect(result).toEqual(all);
          else expect(isFulcrumError(result, 'client.bad_response')).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('cost grows linearly with the number of chunks', async () => {
    const chunks = (n: number) => Array.from({ length: n }, (_, i) => bytes(16, i & 255));
    const time = async (n: number, reps: number) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await readLimited(streamOf(chunks(n)).stream, 1 << 24);
      return (performance.now() - t0) / reps;
    };
    await time(1 << 10, 4); // warm up
    await time(1 << 13, 2);
    // 8x the chunks: a quadratic join would take ~64x. Pairs measured back to back (a shared
    // machine's load changes from second to second), the median pair ratio compared.
    const ratios: number[] = [];
    for (let i = 0; i < 5; i++) ratios.push((await time(1 << 13, 2)) / Math.max(await time(1 << 10, 8), 1e-3));
    ratios.sort((a, b) => a - b);
    expect(ratios[2]).toBeLessThan(8 * 3);
  });
});

describe('readHttpResponse', () => {
  const response = (init: { status?: number; headers?: Record<string, string>; chunks?: Uint8Array[] | null }) => {
    const s = init.chunks === null ? undefined : streamOf(init.chunks ?? []);
    const res: StreamedResponse = {
      status: init.status ?? 200,
      headers: new Headers(init.headers ?? {}),
      body: s?.stream ?? null,
    };
    return { res, state: s?.state };
  };

  it('answers any status with lower-case header names and the body', async () => {
    const { res } = response({
      status: 409,
      headers: { 'Content-Type': 'application/json', 'X-Thing': 'a' },
      chunks: [Uint8Array.of(123, 125)],
    });
    expect(await readHttpResponse(res, 10)).toEqual({
      status: 409,
      headers: { 'content-type': 'application/json', 'x-thing': 'a' },
      body: Uint8Array.of(123, 125),
    });
    expect((await readHttpResponse(response({ status: 204, chunks: null }).res, 0)).body).toEqual(new Uint8Array(0));
  });

  it('refuses a declared content-length over the limit before reading the body', async () => {
    const { res, state } = response({ headers: { 'content-length': '11' }, chunks: [bytes(11)] });
    const err = await refusal(readHttpResponse(res, 10));
    expect(isFulcrumError(err, 'client.bad_response')).toBe(true);
    expect((err as { detail?: unknown }).detail).toEqual({ limit: 10 });
    expect(state?.cancelled).toBe(true);
    // A body longer than it declared is refused while streaming.
    const liar = response({ headers: { 'content-length': '2' }, chunks: [bytes(6), bytes(6)] });
    expect(isFulcrumError(await refusal(readHttpResponse(liar.res, 10)), 'client.bad_response')).toBe(true);
  });
});
