import type { SendMessageRequest, SendMessageResponse } from '@fulcrum/wire';
import { frankingTime } from '../franking/franking-keys.js';
import { type MessageInput, sendMessage } from '../store/groups.js';
import type { NonceRecord } from '../store/nonces.js';
import type { AppContext } from './context.js';
import { fieldBytes } from './fields.js';

/** Who sends: an authenticated device (signed request or authenticated WebSocket). */
export interface SendCaller {
  readonly deviceId: string;
  /**
   * The signed request's nonce, recorded in the send's own transaction (HTTP). Absent over the
   * WebSocket: the socket's challenge authenticates every frame on it, and a repeated frame is
   * deduplicated by its `clientMessageId` (docs/protocol.md §Live push).
   */
  readonly nonce?: NonceRecord;
}

/**
 * One send to a group (docs/protocol.md §Groups, `POST /v1/groups/:groupId/messages` and the
 * WebSocket `send` frame): canonical fields, the MLS message read (an application message's
 * franking commitment, or a proposal; its epoch), the franking key and time, then the
 * group-committed write (membership, epoch, idempotency by `clientMessageId`, fan-out). The
 * caller has authenticated the device and applied the moderation and rate-limit checks.
 * Throws the typed wire errors both transports answer with.
 */
export async function submitSend(
  ctx: AppContext,
  caller: SendCaller,
  groupId: string,
  body: SendMessageRequest,
): Promise<SendMessageResponse> {
  const groupIdBytes = fieldBytes(groupId, '/groupId');
  const message = fieldBytes(body.message, '/message');
  fieldBytes(body.clientMessageId, '/clientMessageId');
  const read = ctx.mls.readMessage(message, groupIdBytes);
  let now = ctx.config.clock.now();
  let franking: MessageInput['franking'];
  if (read.kind === 'application') {
    const key = await ctx.franking.current(now);
    now = frankingTime(key, now);
    franking = { commitment: read.commitment, groupIdBytes, key };
  }
  return ctx.writer.submit(
    (tx) =>
      sendMessage(tx, {
        groupId,
        senderDeviceId: caller.deviceId,
        clientMessageId: body.clientMessageId,
        epoch: read.epoch,
        kind: read.kind,
        message,
        now,
        ...(franking === undefined ? {} : { franking }),
      }),
    caller.nonce === undefined ? {} : { nonce: caller.nonce },
  );
}
