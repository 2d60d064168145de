import { type Static, Type } from '@sinclair/typebox';
import { base64UrlBytes } from './base64url.js';
import { ClientMessageId, DeviceId, Epoch, GroupId, Seq } from './ids.js';
import { LIMITS } from './limits.js';
import { FrankingStamp } from './queue.js';

const strict = { additionalProperties: false } as const;

export const GroupIdParams = Type.Object({ groupId: GroupId }, strict);
export type GroupIdParams = Static<typeof GroupIdParams>;

/** `POST /v1/groups`: the calling device becomes the roster, at epoch 0. */
export const CreateGroupRequest = Type.Object({ groupId: GroupId }, strict);
export type CreateGroupRequest = Static<typeof CreateGroupRequest>;
export const CreateGroupResponse = Type.Object({ groupId: GroupId, epoch: Epoch }, strict);
export type CreateGroupResponse = Static<typeof CreateGroupResponse>;

/** `GET /v1/groups/:groupId`. */
export const GroupRecord = Type.Object({ groupId: GroupId, epoch: Epoch, members: Type.Array(DeviceId) }, strict);
export type GroupRecord = Static<typeof GroupRecord>;

const DeviceList = Type.Array(DeviceId, { maxItems: LIMITS.rosterChangeMax, uniqueItems: true });

/**
 * `POST /v1/groups/:groupId/commits`. `commit` is an MLSMessage (PublicMessage, content type
 * commit) for the group's current epoch; `welcome` an MLSMessage(Welcome) for the added devices.
 */
export const CommitRequest = Type.Object(
  {
    clientMessageId: ClientMessageId,
    commit: base64UrlBytes(1, LIMITS.commitMaxBytes, 'MLSMessage(PublicMessage commit)'),
    welcome: Type.Optional(base64UrlBytes(1, LIMITS.welcomeMaxBytes, 'MLSMessage(Welcome)')),
    addedDevices: DeviceList,
    removedDevices: DeviceList,
  },
  strict,
);
export type CommitRequest = Static<typeof CommitRequest>;
/** `seq`: the commit's position in the group's order; `epoch`: the group's new epoch. */
export const CommitResponse = Type.Object({ seq: Seq, epoch: Epoch }, strict);
export type CommitResponse = Static<typeof CommitResponse>;

/**
 * `POST /v1/groups/:groupId/messages`. `message` is an MLSMessage: a PrivateMessage (application
 * or proposal) or a PublicMessage proposal, for the group's current epoch.
 */
export const SendMessageRequest = Type.Object(
  {
    clientMessageId: ClientMessageId,
    message: base64UrlBytes(1, LIMITS.messageMaxBytes, 'MLSMessage (PrivateMessage or PublicMessage proposal)'),
  },
  strict,
);
export type SendMessageRequest = Static<typeof SendMessageRequest>;
/**
 * `seq`: the message's position in the group's order (strictly increasing per group). `franking`:
 * for an application message, the stamp every recipient got with it (the sender keeps it to be
 * able to report its own message's context, and to check what recipients were handed).
 */
export const SendMessageResponse = Type.Object({ seq: Seq, franking: Type.Optional(FrankingStamp) }, strict);
export type SendMessageResponse = Static<typeof SendMessageResponse>;
