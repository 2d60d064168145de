import { type Static, Type } from '@sinclair/typebox';
import { base64UrlBytes, base64UrlExact } from './base64url.js';
import { DeviceId, Epoch, GroupId, Seq, TimeMs } from './ids.js';
import { LIMITS } from './limits.js';

const strict = { additionalProperties: false } as const;

/** What a queue item carries. */
export const QueueItemKind = Type.Union([
  Type.Literal('welcome'),
  Type.Literal('commit'),
  Type.Literal('application'),
  Type.Literal('proposal'),
  Type.Literal('event'),
]);
export type QueueItemKind = Static<typeof QueueItemKind>;

/**
 * The server's franking stamp of an application message (docs/protocol.md §Franking): its HMAC
 * `tag` (32 bytes) under key `keyId` over the sender's commitment and the context (group id,
 * `epoch`, sender device, the group `seq`, `serverTime`, `keyId`). The same for every recipient.
 */
export const FrankingStamp = Type.Object(
  {
    keyId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
    tag: base64UrlExact(32, 'franking tag'),
    serverTime: TimeMs,
    epoch: Epoch,
    seq: Seq,
  },
  strict,
);
export type FrankingStamp = Static<typeof FrankingStamp>;

/**
 * One item of a device's durable FIFO queue. `seq` is strictly increasing per device (gap-free
 * while nothing is acknowledged); `payload` is the MLSMessage bytes, or for `event` the UTF-8
 * JSON of a `QueueEvent`, base64url. `senderDeviceId` is absent for events. `franking` is present
 * exactly on application messages.
 */
export const QueueItem = Type.Object(
  {
    seq: Seq,
    groupId: GroupId,
    kind: QueueItemKind,
    senderDeviceId: Type.Optional(DeviceId),
    payload: base64UrlBytes(0, LIMITS.welcomeMaxBytes, 'MLSMessage or event JSON'),
    serverTime: TimeMs,
    franking: Type.Optional(FrankingStamp),
  },
  strict,
);
export type QueueItem = Static<typeof QueueItem>;

/** `GET /v1/queue?after=<seq>&limit=<n>`: items with `seq > after`, oldest first. */
export const QueueQuery = Type.Object(
  {
    after: Type.Optional(Seq),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.queuePageMax })),
  },
  strict,
);
export type QueueQuery = Static<typeof QueueQuery>;
export const QueueResponse = Type.Object({ items: Type.Array(QueueItem) }, strict);
export type QueueResponse = Static<typeof QueueResponse>;

/** `POST /v1/queue/ack`: removes every item with `seq <= upTo`. */
export const AckRequest = Type.Object({ upTo: Seq }, strict);
export type AckRequest = Static<typeof AckRequest>;
/** `acked`: how many items left the queue. */
export const AckResponse = Type.Object({ acked: Type.Integer({ minimum: 0 }) }, strict);
export type AckResponse = Static<typeof AckResponse>;
