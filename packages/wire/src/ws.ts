import { type Static, Type } from '@sinclair/typebox';
import { base64UrlExact } from './base64url.js';
import { ErrorBody } from './errors.js';
import { SendMessageRequest, SendMessageResponse } from './groups.js';
import { ClientMessageId, DeviceId, GroupId, Seq, Signature } from './ids.js';
import { BODY_LIMITS, base64UrlLength, LIMITS } from './limits.js';
import { QueueItem } from './queue.js';

const strict = { additionalProperties: false } as const;

/** Server → client, first frame: sign `wsAuthSigningInput(nonce)` with the device's request key. */
export const WsChallengeFrame = Type.Object(
  { type: Type.Literal('challenge'), nonce: base64UrlExact(LIMITS.wsChallengeBytes, 'challenge nonce') },
  strict,
);
export type WsChallengeFrame = Static<typeof WsChallengeFrame>;

/** Server → client: authenticated; queued items follow. */
export const WsReadyFrame = Type.Object({ type: Type.Literal('ready') }, strict);
export type WsReadyFrame = Static<typeof WsReadyFrame>;

/** Server → client: one queue item (oldest first; de-duplicate by `seq`). */
export const WsItemFrame = Type.Object({ type: Type.Literal('item'), item: QueueItem }, strict);
export type WsItemFrame = Static<typeof WsItemFrame>;

/** Server → client: sent just before the server closes the socket because of an error. */
export const WsErrorFrame = Type.Object({ type: Type.Literal('error'), error: ErrorBody.properties.error }, strict);
export type WsErrorFrame = Static<typeof WsErrorFrame>;

/**
 * The client's id of one request frame (a `send`), echoed in its answer: a short string or a
 * non-negative safe integer, chosen by the client (unique among its unanswered requests).
 */
export const WsRequestId = Type.Union([
  Type.String({ minLength: 1, maxLength: LIMITS.wsRequestIdMaxChars, pattern: '^[A-Za-z0-9_.:-]+$' }),
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
]);
export type WsRequestId = Static<typeof WsRequestId>;

/** Server → client: the answer to `send` `id`: the same body as `POST /v1/groups/:groupId/messages`' 200. */
export const WsSentFrame = Type.Object(
  {
    type: Type.Literal('sent'),
    id: WsRequestId,
    seq: SendMessageResponse.properties.seq,
    franking: SendMessageResponse.properties.franking,
  },
  strict,
);
export type WsSentFrame = Static<typeof WsSentFrame>;

/**
 * Server → client: `send` `id` was refused; `error` is exactly what the HTTP route would have
 * answered (`{ code, message, detail? }`, the same stable codes). The socket stays open.
 */
export const WsSendErrorFrame = Type.Object(
  { type: Type.Literal('send_error'), id: WsRequestId, error: ErrorBody.properties.error },
  strict,
);
export type WsSendErrorFrame = Static<typeof WsSendErrorFrame>;

export const WsServerFrame = Type.Union([
  WsChallengeFrame,
  WsReadyFrame,
  WsItemFrame,
  WsErrorFrame,
  WsSentFrame,
  WsSendErrorFrame,
]);
export type WsServerFrame = Static<typeof WsServerFrame>;

/** Client → server: the answer to the challenge. */
export const WsAuthFrame = Type.Object(
  { type: Type.Literal('auth'), deviceId: DeviceId, signature: Signature },
  strict,
);
export type WsAuthFrame = Static<typeof WsAuthFrame>;

/** Client → server: acknowledge (remove) every queued item with `seq <= upTo`. */
export const WsAckFrame = Type.Object({ type: Type.Literal('ack'), upTo: Seq }, strict);
export type WsAckFrame = Static<typeof WsAckFrame>;

/**
 * Client → server, once `ready`: send an MLS message to a group, exactly as
 * `POST /v1/groups/:groupId/messages` with body `{ clientMessageId, message }` (the socket's
 * authentication stands in for the request signature; docs/protocol.md §Live push).
 */
export const WsSendFrame = Type.Object(
  {
    type: Type.Literal('send'),
    id: WsRequestId,
    groupId: GroupId,
    clientMessageId: ClientMessageId,
    message: SendMessageRequest.properties.message,
  },
  strict,
);
export type WsSendFrame = Static<typeof WsSendFrame>;

export const WsClientFrame = Type.Union([WsAuthFrame, WsAckFrame, WsSendFrame]);
export type WsClientFrame = Static<typeof WsClientFrame>;

/** Largest client frame before authentication, and of every frame but `send` (bytes). */
export const WS_MAX_CLIENT_FRAME_BYTES = 4096;
/**
 * Largest `send` frame (bytes): the HTTP send route's body limit plus the frame's own fields
 * (type, id, groupId). A larger frame is refused with `request.too_large`.
 */
export const WS_MAX_SEND_FRAME_BYTES =
  BODY_LIMITS.message + base64UrlLength(LIMITS.groupIdMaxBytes) + LIMITS.wsRequestIdMaxChars + 128;
