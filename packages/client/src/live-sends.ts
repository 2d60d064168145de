/**
 * Message sends over the live WebSocket (docs/protocol.md §Live push, `send` frames): each frame
 * gets a request id; its `sent` or `send_error` answer settles it. A send whose frame could not
 * be handed to the socket, whose socket closed before the answer, or that got no answer within
 * `timeoutMs` fails with `client.network` and `detail.via: 'ws'`: the caller then posts the same
 * body (same `clientMessageId`) over HTTP, and the server's idempotency makes that safe whether
 * or not the frame had arrived.
 */
import { FulcrumError } from '@fulcrum/common';
import {
  errorStatus,
  isWireErrorCode,
  type SendMessageRequest,
  type SendMessageResponse,
  type WsSendErrorFrame,
  type WsSentFrame,
} from '@fulcrum/wire';
import { clientError } from './errors.js';
import type { SocketConnection } from './ports/transport.js';

/** How long a socket send waits for its answer before the caller falls back to HTTP (ms). */
export const LIVE_SEND_TIMEOUT_MS = 30_000;

interface Pending {
  resolve(answer: SendMessageResponse): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout>;
}

/** Whether `err` is a transport failure of a socket send (fall back to HTTP), not the server's answer. */
export function isLiveTransportFailure(err: unknown): boolean {
  return err instanceof FulcrumError && err.code === 'client.network' && err.detail?.via === 'ws';
}

/** The sends of one live connection (one instance per socket). */
export class LiveSends {
  readonly #socket: SocketConnection;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #closed = false;

  constructor(socket: SocketConnection, timeoutMs = LIVE_SEND_TIMEOUT_MS) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends `body` to `groupId`; resolves with the server's answer (the HTTP route's 200 body). */
  send(groupId: string, body: SendMessageRequest): Promise<SendMessageResponse> {
    if (this.#closed) return Promise.reject(transportFailure('the live connection is closed'));
    const id = this.#next++;
    return new Promise<SendMessageResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(transportFailure('no answer to a socket send in time'));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      let handed: boolean;
      try {
        handed = this.#socket.send(
          JSON.stringify({ type: 'send', id, groupId, clientMessageId: body.clientMessageId, message: body.message }),
        );
      } catch {
        handed = false;
      }
      if (!handed) this.#settle(id, (p) => p.reject(transportFailure('the live connection is not open')));
    });
  }

  /** Settles the send a `sent` / `send_error` frame answers (an unknown id is ignored). */
  answer(frame: WsSentFrame | WsSendErrorFrame): void {
    if (typeof frame.id !== 'number') return;
    if (frame.type === 'sent') {
      const answer: SendMessageResponse =
        frame.franking === undefined ? { seq: frame.seq } : { seq: frame.seq, franking: frame.franking };
      this.#settle(frame.id, (p) => p.resolve(answer));
      return;
    }
    const e = frame.error;
    // The same error the HTTP route's answer becomes (server-api.ts errorFromResponse).
    const status = isWireErrorCode(e.code) ? errorStatus(e.code) : undefined;
    const error = new FulcrumError(e.code, e.message, {
      detail: { ...(e.detail ?? {}), ...(status === undefined ? {} : { status }), via: 'ws' },
    });
    this.#settle(frame.id, (p) => p.reject(error));
  }

  /** The socket closed: every unanswered send fails as a transport failure (the caller retries over HTTP). */
  failAll(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, (p) => p.reject(transportFailure('the live connection closed before the answer')));
    }
  }

  /** Unanswered sends (for tests). */
  get pending(): number {
    return this.#pending.size;
  }

  #settle(id: number, how: (p: Pending) => void): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    how(p);
  }
}

function transportFailure(message: string) {
  return clientError('client.network', message, { detail: { via: 'ws' } });
}
