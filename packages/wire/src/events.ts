import { type Static, Type } from '@sinclair/typebox';
import { AccountId, DeviceId } from './ids.js';

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

export const QueueEvent = Type.Union([DeviceRevokedEvent]);
export type QueueEvent = Static<typeof QueueEvent>;
