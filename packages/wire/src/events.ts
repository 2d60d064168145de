import { type Static, Type } from '@sinclair/typebox';
import { AccountId, DeviceId } from './ids.js';
import { ModerationNotice } from './moderation.js';

const strict = { additionalProperties: false } as const;

/**
 * The JSON inside a queue item of kind `event` (its `payload` is the base64url of this JSON's
 * UTF-8). Events are written by the server, not by group members.
 */
export const DeviceRevokedEvent = Type.Object(
  { type: Type.Literal('device_revoked'), accountId: AccountId, deviceId: DeviceId },
  strict,
);
export type DeviceRevokedEvent = Static<typeof DeviceRevokedEvent>;

/**
 * A moderation decision about the receiving account, or the outcome of its appeal (docs/protocol.md
 * §Moderation): the same fields as `GET /v1/moderation/notices` lists. Sent to every device of the
 * account under the reserved group id `MODERATION_NOTICE_GROUP_ID`.
 */
export const ModerationNoticeEvent = Type.Object(
  { type: Type.Literal('moderation_notice'), ...ModerationNotice.properties },
  strict,
);
export type ModerationNoticeEvent = Static<typeof ModerationNoticeEvent>;

/** The group id moderation notices are queued under (base64url of the ASCII `fulcrum.moderation`): no MLS group. */
export const MODERATION_NOTICE_GROUP_ID = 'ZnVsY3J1bS5tb2RlcmF0aW9u';

export const QueueEvent = Type.Union([DeviceRevokedEvent, ModerationNoticeEvent]);
export type QueueEvent = Static<typeof QueueEvent>;
