/**
 * A WebSocket reader that stops reading (docs/protocol.md §Live push): the server stops queueing
 * once its send buffer passes the high-water mark, closes the connection with 4408 when it does
 * not drain, and never holds much more than `maxBufferedBytes` for it; the device then reconnects
 * and receives every item, in order, from the durable queue.
 */
import { Writable } from 'node:stream';
import { connectTestWs, signWsChallenge, startTestPlatform, type TestPlatform } from '@fulcrum/testkit';
import type { WsServerFrame } from '@fulcrum/wire';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_CLOSE_SLOW_READER } from '../src/http/ws.js';
import {
  createGroupWith,
  encryptFranked,
  fetchItems,
  type Member,
  postMessage,
  publishKeyPackages,
  registerMember,
} from './mls-fixtures.js';

const SEND_BUFFER = {
  highWaterBytes: 64 * 1024,
  lowWaterBytes: 16 * 1024,
  maxBufferedBytes: 256 * 1024,
  stallTimeoutMs: 300,
};
const MESSAGES = 120;
const PLAINTEXT_BYTES = 64 * 1024;

describe('WebSocket send buffer (sqlite)', () => {
  let p: TestPlatform;
  let alice: Member;
  let bob: Member;
  let groupId: string;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line !== '') logLines.push(JSON.parse(line));
        done();
      },
    });
    p = await startTestPlatform({
      dialect: 'sqlite',
      server: { wsSendBuffer: SEND_BUFFER, log: { level: 'warn', destination } },
    });
    alice = await registerMember(p.url, 'alice');
    bob = await registerMember(p.url, 'bob');
    await publishKeyPackages(bob, 1);
    groupId = await createGroupWith(alice, [bob.device.accountId]);
  });
  afterAll(() => p?.close());

  it('closes a stalled reader with 4408 at a bounded buffer; a reconnect gets every item in order', async () => {
    // A client that authenticates, then stops reading from its TCP socket.
    const socket = new WebSocket(p.wsUrl);
    const frames: WsServerFrame[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('error', () => {});
    const ready = new Promise<void>((resolve) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as WsServerFrame;
        frames.push(frame);
        if (frame.type === 'challenge') {
          socket.send(
            JSON.stringify({
              type: 'auth',
              deviceId: bob.device.deviceId,
              signature: signWsChallenge(bob.device, frame.nonce),
            }),
          );
        }
        if (frame.type === 'ready') resolve();
      }),
    );
    await ready;
    // `ws` exposes no public handle on its TCP socket; pausing it makes the reader stall.
    const tcp = (socket as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.pause();
    // Resume reading as soon as the server has given up (within its close grace), to see what
    // got through and the close code; the posting below goes on regardless.
    const watcher = setInterval(() => {
      if (logLines.some((l) => l.event === 'ws.slow_reader')) {
        clearInterval(watcher);
        tcp.resume();
      }
    }, 5);

    const plaintext = new Uint8Array(PLAINTEXT_BYTES).fill(7);
    let sentBytes = 0;
    for (let i = 0; i < MESSAGES; i++) {
      plaintext[0] = i;
      const m = await encryptFranked(alice, plaintext);
      alice.group = m.group;
      sentBytes += m.message.length;
      expect((await postMessage(alice, groupId, m.message)).status).toBe(200);
    }
    // The server gave up on the stalled reader...
    await expect.poll(() => logLines.some((l) => l.event === 'ws.slow_reader'), { timeout: 10_000 }).toBe(true);
    const slow = logLines.filter((l) => l.event === 'ws.slow_reader');
    expect(slow).toHaveLength(1);
    // ...with at most the ceiling plus one frame queued in the process (the kernel's socket
    // buffers hold the rest of what it wrote).
    const oneFrame = Math.ceil(((PLAINTEXT_BYTES + 1024) * 4) / 3) + 1024;
    expect(slow[0]?.bufferedBytes as number).toBeLessThanOrEqual(SEND_BUFFER.maxBufferedBytes + oneFrame);
    expect(sentBytes).toBeGreaterThan(MESSAGES * PLAINTEXT_BYTES);

    // Reading again (within the grace) shows what got through, then the documented close code.
    expect(await closed).toBe(WS_CLOSE_SLOW_READER);
    const partial = frames.flatMap((f) => (f.type === 'item' ? [f.item.seq] : []));
    expect(partial.length).toBeLessThan(MESSAGES + 1);
    expect(partial).toEqual(Array.from({ length: partial.length }, (_, i) => i + 1));

    // A reconnect re-drains the durable queue: the Welcome and every message, in order, once.
    const again = await connectTestWs(p.wsUrl, bob.device);
    const items = await again.waitForItems(MESSAGES + 1, 30_000);
    expect(items.map((i) => i.seq)).toEqual(Array.from({ length: MESSAGES + 1 }, (_, i) => i + 1));
    expect(items).toEqual(await fetchItems(bob, 0));
    await again.close();
  }, 120_000);
});
