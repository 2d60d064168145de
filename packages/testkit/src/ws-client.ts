import type { QueueItem, WsSendErrorFrame, WsSentFrame, WsServerFrame } from '@fulcrum/wire';
import WebSocket from 'ws';
import { type RequestSigner, signWsChallenge } from './signed-request.js';

/** A WebSocket client for tests: records every frame, answers the challenge when asked to. */
export interface TestWsClient {
  /** Every frame received so far, in order. */
  readonly frames: WsServerFrame[];
  /** The `item` frames' items, in order. */
  items(): QueueItem[];
  /** Resolves once `predicate` holds over the frames received (rejects after `timeoutMs`). */
  waitFor(predicate: (frames: readonly WsServerFrame[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves once at least `n` items arrived. */
  waitForItems(n: number, timeoutMs?: number): Promise<QueueItem[]>;
  send(frame: unknown): void;
  /**
   * Sends every frame in one write to the TCP socket (corked), so the server reads them
   * together, before it can answer any of them (for tests of per-socket bounds).
   */
  sendBurst(frames: readonly unknown[]): void;
  /** Sends a request frame (with its `id`) and resolves with its answer (`sent` or `send_error`). */
  request(
    frame: { id: string | number } & Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<WsSentFrame | WsSendErrorFrame>;
  /** The answer to request `id`, once it arrived. */
  answer(id: string | number, timeoutMs?: number): Promise<WsSentFrame | WsSendErrorFrame>;
  ack(upTo: number): void;
  /** Resolves with the close code and reason when the server (or we) close. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * Connects to `/v1/ws`. With `signer`, answers the challenge and resolves after `ready`;
 * without, resolves once the challenge arrived (for tests of refused authentication).
 */
export async function connectTestWs(
  wsUrl: string,
  signer?: RequestSigner,
  options: { timeoutMs?: number; signature?: (nonce: string) => string } = {},
): Promise<TestWsClient> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const socket = new WebSocket(wsUrl);
  const frames: WsServerFrame[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
      for (const w of waiters) w();
    });
  });
  socket.on('error', () => {});
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as WsServerFrame;
    frames.push(frame);
    if (frame.type === 'challenge' && signer !== undefined) {
      const signature = options.signature?.(frame.nonce) ?? signWsChallenge(signer, frame.nonce);
      socket.send(JSON.stringify({ type: 'auth', deviceId: signer.deviceId, signature }));
    }
    for (const w of waiters) w();
  });
  const waitFor = (predicate: (f: readonly WsServerFrame[]) => boolean, ms = timeoutMs) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate(frames)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        } else if (socket.readyState === WebSocket.CLOSED) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`socket closed before the awaited frames (got ${frames.length} frames)`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${ms} ms waiting for frames (got ${describeFrames(frames)})`));
      }, ms);
      waiters.add(check);
      check();
    });
  const items = () => frames.flatMap((f) => (f.type === 'item' ? [f.item] : []));
  const find = (id: string | number) =>
    frames.find(
      (f): f is WsSentFrame | WsSendErrorFrame => (f.type === 'sent' || f.type === 'send_error') && f.id === id,
    );
  const answerTo = async (id: string | number, ms?: number) => {
    await waitFor(() => find(id) !== undefined, ms);
    return find(id) as WsSentFrame | WsSendErrorFrame;
  };
  const client: TestWsClient = {
    frames,
    items,
    waitFor,
    async waitForItems(n, ms) {
      await waitFor(() => items().length >= n, ms);
      return items();
    },
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendBurst(list) {
      // ws keeps the net.Socket as `_socket` (not in its types): cork it so the frames leave together.
      const tcp = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
      tcp?.cork();
      for (const frame of list) socket.send(JSON.stringify(frame));
      tcp?.uncork();
    },
    async request(frame, ms) {
      socket.send(JSON.stringify(frame));
      return answerTo(frame.id, ms);
    },
    answer: (id, ms) => answerTo(id, ms),
    ack: (upTo) => socket.send(JSON.stringify({ type: 'ack', upTo })),
    closed,
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close();
      await closed;
    },
  };
  await waitFor((f) => (signer === undefined ? f.length > 0 : f.some((x) => x.type === 'ready' || x.type === 'error')));
  return client;
}

/** A short account of what arrived, for timeout messages: counts, the item seqs' range, the last frames' types. */
function describeFrames(frames: readonly WsServerFrame[]): string {
  const seqs = frames.flatMap((f) => (f.type === 'item' ? [f.item.seq] : []));
  const types = frames
    .slice(-5)
    .map((f) => f.type)
    .join(', ');
  const range = seqs.length === 0 ? 'none' : `seq ${seqs[0]}..${seqs[seqs.length - 1]}`;
  return `${frames.length} frames, ${seqs.length} items (${range}); last: ${types}`;
}
