import { type Static, Type } from '@sinclair/typebox';
import { base64UrlExact } from './base64url.js';
import { ErrorBody } from './errors.js';
import { DeviceId, Seq, Signature } from './ids.js';
import { LIMITS } from './limits.js';
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

export const WsServerFrame = Type.Union([WsChallengeFrame, WsReadyFrame, WsItemFrame, WsErrorFrame]);
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

export const WsClientFrame = Type.Union([WsAuthFrame, WsAckFrame]);
export type WsClientFrame = Static<typeof WsClientFrame>;

/** Largest client frame the server reads (bytes). */
export const WS_MAX_CLIENT_FRAME_BYTES = 4096;
