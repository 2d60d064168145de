import { encodeBase64Url, isFulcrumError, randomBytes } from '@fulcrum/common';
import {
  createValidator,
  errorBody,
  errorStatus,
  LIMITS,
  type QueueItem,
  type SendMessageResponse,
  WS_CLOSE,
  WS_MAX_CLIENT_FRAME_BYTES,
  WS_MAX_SEND_FRAME_BYTES,
  WS_PATH,
  type WireErrorCode,
  WsClientFrame,
  WsRequestId,
  WsSendFrame,
  type WsServerFrame,
  wireError,
  wsAuthSigningInput,
} from '@fulcrum/wire';
import type { WebSocket } from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { BusEvent, Unsubscribe } from '../bus/bus.js';
import { findDeviceWithStanding, refuseSuspended } from '../moderation/sanctions.js';
import { findDeviceForAuth } from '../store/accounts.js';
import { ackQueueUncounted, fetchQueue } from '../store/queue.js';
import type { AppContext } from './context.js';
import { describeInternalError, toWireError } from './errors.js';
import { fieldBytes } from './fields.js';
import { type CallerLimiter, rateLimited } from './rate-limit.js';
import { submitSend } from './send-message.js';
import type { SignatureVerifier } from './signature.js';

const validateFrame = createValidator(WsClientFrame);
const validateSend = createValidator(WsSendFrame);
const validateRequestId = createValidator(WsRequestId);
/**
 * The largest frame the WebSocket layer reads: a `send` frame over `WS_MAX_SEND_FRAME_BYTES`
 * but under this is still read, so that it can be refused with `request.too_large` in a
 * `send_error`; anything larger is closed by `ws` itself with 1009 (message too big).
 */
export const WS_MAX_PAYLOAD_BYTES = WS_MAX_SEND_FRAME_BYTES + 64 * 1024;
const PAGE = LIMITS.queuePageMax;
const PING_INTERVAL_MS = 30_000;
/**
 * Close code for a reader too slow for its send buffer (docs/protocol.md §Live push): its
 * unsent data stayed above the high-water mark for `stallTimeoutMs`, or passed
 * `maxBufferedBytes`. Nothing is lost: the durable queue is re-sent on reconnect.
 */
export const WS_CLOSE_SLOW_READER = 4408;

/**
 * One live connection (docs/protocol.md §Live push): challenge, auth, then every queued item
 * oldest first and each new one as it is committed. The durable queue is the truth: a push is
 * only a copy, and the client acknowledges what it has processed.
 */
export class WsSession {
  readonly #socket: WebSocket;
  readonly #ctx: AppContext;
  readonly #verifier: SignatureVerifier;
  readonly #log: FastifyBaseLogger;
  readonly #onEnd: (s: WsSession) => void;
  readonly #limitCaller: CallerLimiter;
  readonly #nonce = encodeBase64Url(randomBytes(LIMITS.wsChallengeBytes));
  #deviceId: string | undefined;
  /** `send` frames read and not yet answered. */
  #inFlight = 0;
  #state: 'challenge' | 'authenticating' | 'ready' | 'closed' = 'challenge';
  #lastSent = 0;
  #pumping = false;
  #dirty = false;
  #alive = true;
  #unsubscribe: Unsubscribe | undefined;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(
    socket: WebSocket,
    ctx: AppContext,
    verifier: SignatureVerifier,
    log: FastifyBaseLogger,
    onEnd: (s: WsSession) => void,
    limitCaller: CallerLimiter,
  ) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.#verifier = verifier;
    this.#log = log;
    this.#onEnd = onEnd;
    this.#limitCaller = limitCaller;
  }

  start(): void {
    this.#socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    this.#socket.on('close', () => this.#end());
    this.#socket.on('error', () => this.#end());
    this.#socket.on('pong', () => {
      this.#alive = true;
    });
    this.#timers.push(
      setTimeout(() => {
        if (this.#state !== 'ready') this.close(WS_CLOSE.unauthorized, 'auth.missing', 'authentication timed out');
      }, this.#ctx.config.wsAuthTimeoutMs),
      setInterval(() => {
        if (!this.#alive) {
          this.#socket.terminate();
          return;
        }
        this.#alive = false;
        this.#socket.ping();
      }, PING_INTERVAL_MS),
    );
    this.#send({ type: 'challenge', nonce: this.#nonce });
  }

  #send(frame: WsServerFrame): void {
    if (this.#state === 'closed') return;
    this.#socket.send(JSON.stringify(frame));
    // A hard ceiling whatever path wrote (a live batch can overshoot the high-water mark).
    if (this.#socket.bufferedAmount > this.#ctx.config.wsSendBuffer.maxBufferedBytes) this.#closeSlowReader();
  }

  /**
   * Stops queueing for a reader that does not read: closes with 4408 (no error frame, which would
   * only queue behind the data it is not reading) and cuts the TCP connection if the close
   * handshake has not finished after `stallTimeoutMs`, which frees the buffered bytes.
   */
  #closeSlowReader(): void {
    if (this.#state === 'closed') return;
    const buffered = this.#socket.bufferedAmount;
    this.#log.warn({ bufferedBytes: buffered, event: 'ws.slow_reader' }, 'websocket closed: slow reader');
    this.#socket.close(WS_CLOSE_SLOW_READER, 'slow reader: reconnect to resume from the queue');
    const socket = this.#socket;
    const cut = setTimeout(() => socket.terminate(), this.#ctx.config.wsSendBuffer.stallTimeoutMs);
    socket.once('close', () => clearTimeout(cut));
    this.#end();
  }

  /** Sends an error frame, then closes with `code`. */
  close(code: number, errorCode: WireErrorCode | undefined, message: string): void {
    if (this.#state === 'closed') return;
    if (errorCode !== undefined) this.#send({ type: 'error', error: { code: errorCode, message } });
    this.#socket.close(code, message.slice(0, 120));
    this.#end();
  }

  #end(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const t of this.#timers) clearTimeout(t);
    this.#unsubscribe?.();
    this.#onEnd(this);
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      this.close(WS_CLOSE.badFrame, 'request.malformed_json', 'frames are JSON text');
      return;
    }
    if (typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === 'send') {
      this.#onSendFrame(frame, data.length);
      return;
    }
    if (data.length > WS_MAX_CLIENT_FRAME_BYTES) {
      this.close(
        WS_CLOSE.badFrame,
        'request.too_large',
        `frames other than send are at most ${WS_MAX_CLIENT_FRAME_BYTES} bytes`,
      );
      return;
    }
    const checked = validateFrame(frame);
    if (!checked.ok) {
      this.close(WS_CLOSE.badFrame, 'request.invalid', `invalid frame at ${checked.path}`);
      return;
    }
    const f = checked.value;
    if (this.#state === 'challenge' && f.type === 'auth') {
      this.#state = 'authenticating';
      this.#authenticate(f.deviceId, f.signature).catch((err) => this.#fail(err));
    } else if (this.#state === 'ready' && f.type === 'ack') {
      const deviceId = this.#deviceId as string;
      this.#ctx.writer.submit((tx) => ackQueueUncounted(tx, deviceId, f.upTo)).catch((err) => this.#fail(err));
    } else {
      this.close(WS_CLOSE.badFrame, 'request.invalid', `unexpected ${f.type} frame`);
    }
  }

  /**
   * A `send` frame (docs/protocol.md §Live push): answered `sent` or `send_error` with its `id`,
   * with exactly the checks and the commit of `POST /v1/groups/:groupId/messages`, in the same
   * order: size, the device and its account's standing (as `authenticate` does for a signed
   * request; no signature or nonce: the socket's challenge authenticated the device), the rate
   * limits, the schema, then `submitSend`. Only a frame whose `id` cannot be read closes the
   * socket (4400): there is nothing to answer.
   */
  #onSendFrame(frame: object, bytes: number): void {
    const idCheck = validateRequestId((frame as { id?: unknown }).id);
    if (!idCheck.ok) {
      this.close(WS_CLOSE.badFrame, 'request.invalid', 'invalid frame at /id');
      return;
    }
    const id = idCheck.value;
    if (this.#state !== 'ready') {
      if (bytes > WS_MAX_CLIENT_FRAME_BYTES) {
        this.close(WS_CLOSE.badFrame, 'request.too_large', 'frames before authentication are at most 4096 bytes');
      } else {
        this.#answerError(id, wireError('auth.missing', 'answer the challenge and wait for ready before sending'));
      }
      return;
    }
    if (bytes > WS_MAX_SEND_FRAME_BYTES) {
      this.#answerError(
        id,
        wireError('request.too_large', 'the send frame is over its limit', { limit: WS_MAX_SEND_FRAME_BYTES }),
      );
      return;
    }
    // Refused without being read: bounds the memory and work one socket can hold (a client
    // waits for answers, or opens no more than it may have in flight).
    const max = this.#ctx.config.wsMaxInFlightSends;
    if (this.#inFlight >= max) {
      this.#answerError(
        id,
        wireError('rate.limited', 'too many unanswered sends on this socket: wait for an answer', {
          retryAfterSeconds: 1,
          maxInFlight: max,
        }),
      );
      return;
    }
    this.#inFlight++;
    this.#handleSend(frame).then(
      (answer) => {
        this.#inFlight--;
        this.#send(
          answer.franking === undefined ? { type: 'sent', id, seq: answer.seq } : { type: 'sent', id, ...answer },
        );
      },
      (err: unknown) => {
        this.#inFlight--;
        this.#answerError(id, err);
        // As the bus would: a revoked device keeps no socket.
        if (isFulcrumError(err, 'auth.device_revoked')) {
          this.close(WS_CLOSE.revoked, 'auth.device_revoked', 'this device was revoked');
        }
      },
    );
  }

  async #handleSend(frame: object): Promise<SendMessageResponse> {
    const deviceId = this.#deviceId as string;
    const now = this.#ctx.config.clock.now();
    // What `authenticate` checks on every signed request: the device (revoked meanwhile, and
    // the bus event not here yet) and its account's standing, in one query.
    const device = await findDeviceWithStanding(this.#ctx.db.kysely, deviceId, now);
    if (device === undefined) throw wireError('auth.unknown_device', 'no such device');
    if (device.revoked) throw wireError('auth.device_revoked', 'this device was revoked');
    refuseSuspended(device.sanctions);
    const taken = this.#limitCaller(deviceId, device.accountId);
    if (!taken.ok) throw rateLimited(taken.retryAfterSeconds);
    const checked = validateSend(frame);
    if (!checked.ok) throw wireError('request.invalid', `invalid ${checked.path}`, { path: checked.path });
    return submitSend(this.#ctx, { deviceId }, checked.value.groupId, checked.value);
  }

  /** Answers `send` `id` with the error the HTTP route would have answered (a 500 reveals nothing). */
  #answerError(id: string | number, err: unknown): void {
    const wire = toWireError(err);
    if (errorStatus(wire.code) >= 500 && wire.code !== 'service.unavailable') {
      this.#log.error({ route: 'ws send', err: describeInternalError(err) }, 'internal error');
    } else {
      this.#log.debug({ route: 'ws send', code: wire.code }, 'send refused');
    }
    this.#send({ type: 'send_error', id, error: errorBody(wire).error });
  }

  #fail(err: unknown): void {
    this.#log.warn({ errType: err instanceof Error ? err.constructor.name : typeof err }, 'websocket session failed');
    this.close(1011, 'internal', 'internal error');
  }

  async #authenticate(deviceId: string, signature: string): Promise<void> {
    const device = await findDeviceForAuth(this.#ctx.db.kysely, deviceId);
    if (device === undefined) {
      this.close(WS_CLOSE.unauthorized, 'auth.unknown_device', 'no such device');
      return;
    }
    if (device.revoked) {
      this.close(WS_CLOSE.revoked, 'auth.device_revoked', 'this device was revoked');
      return;
    }
    const ok = this.#verifier.verify(
      deviceId,
      device.requestKey,
      wsAuthSigningInput(this.#nonce),
      fieldBytes(signature, '/signature'),
    );
    if (!ok) {
      this.close(WS_CLOSE.unauthorized, 'auth.bad_signature', 'the challenge signature does not verify');
      return;
    }
    if (this.#state !== 'authenticating') return; // closed meanwhile
    this.#deviceId = deviceId;
    this.#state = 'ready';
    // Subscribe before the first fetch: anything committed after it is announced, anything
    // before it is in the fetch; duplicates are impossible because both go through #lastSent.
    this.#unsubscribe = this.#ctx.bus.subscribe(deviceId, (event) => this.#onEvent(event));
    this.#send({ type: 'ready' });
    this.#pump();
  }

  #onEvent(event: BusEvent): void {
    if (this.#state !== 'ready') return;
    if (event.type === 'device.revoked') {
      this.close(WS_CLOSE.revoked, 'auth.device_revoked', 'this device was revoked');
      return;
    }
    if (event.type === 'bus.resync') {
      this.#pump();
      return;
    }
    if (event.lastSeq <= this.#lastSent) return;
    const items = event.items;
    if (
      !this.#pumping &&
      items !== undefined &&
      items.length > 0 &&
      (items[0] as QueueItem).seq === this.#lastSent + 1 &&
      this.#socket.bufferedAmount < this.#ctx.config.wsSendBuffer.highWaterBytes
    ) {
      for (const item of items) this.#send({ type: 'item', item });
      this.#lastSent = (items[items.length - 1] as QueueItem).seq;
      return;
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) {
      this.#dirty = true;
      return;
    }
    this.#pumping = true;
    this.#drainQueue()
      .catch((err) => this.#fail(err))
      .finally(() => {
        this.#pumping = false;
      });
  }

  async #drainQueue(): Promise<void> {
    const deviceId = this.#deviceId as string;
    for (;;) {
      this.#dirty = false;
      const items = await fetchQueue(this.#ctx.db.kysely, deviceId, this.#lastSent, PAGE);
      for (const item of items) {
        if (this.#state !== 'ready') return;
        if (this.#socket.bufferedAmount > this.#ctx.config.wsSendBuffer.highWaterBytes && !(await this.#drained())) {
          this.#closeSlowReader();
          return;
        }
        if (this.#state !== 'ready') return;
        this.#send({ type: 'item', item });
        this.#lastSent = item.seq;
      }
      if (items.length < PAGE && !this.#dirty) return;
    }
  }

  /** Waits for the unsent data to fall to the low-water mark; false if it did not within `stallTimeoutMs`. */
  async #drained(): Promise<boolean> {
    const { lowWaterBytes, stallTimeoutMs } = this.#ctx.config.wsSendBuffer;
    const deadline = performance.now() + stallTimeoutMs;
    while (this.#state === 'ready' && this.#socket.bufferedAmount > lowWaterBytes) {
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }
}

/** Registers `GET /v1/ws`; returns the live sessions (closed by the server on shutdown). */
export function wsRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  verifier: SignatureVerifier,
  limitCaller: CallerLimiter,
): Set<WsSession> {
  const sessions = new Set<WsSession>();
  app.get(WS_PATH, { websocket: true }, (socket, request) => {
    const session = new WsSession(socket, ctx, verifier, request.log, (s) => sessions.delete(s), limitCaller);
    sessions.add(session);
    session.start();
  });
  return sessions;
}
