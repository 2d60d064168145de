/**
 * The client's side of franking (docs/protocol.md §Franking): opening and checking a received
 * message, and the openings it keeps with stored messages so that a report can reveal them.
 */
import { FulcrumError } from '@fulcrum/common';
import {
  commitMessage,
  decodeFrankedEnvelope,
  type FrankingContext,
  parseFrankingAad,
  verifyReceivedMessage,
} from '@fulcrum/franking';
import type { FrankingStamp, QueueItem } from '@fulcrum/wire';
import type { FrankingOpening } from './client-types.js';
import { b64, type FrankingRecordJson, type MessageRecordJson, unb64 } from './records.js';

function malformed(message: string): FulcrumError {
  return new FulcrumError('franking.malformed', message);
}

/**
 * Opens a received application message: its MLS plaintext must be a franked envelope, its
 * authenticated data a commitment that the envelope's key and body open for this group, and the
 * server's stamp must name the MLS sender and the message's epoch. Returns the body and the
 * opening to store; throws a franking error (`franking.malformed`, `franking.commitment_mismatch`,
 * `franking.sender_mismatch`, `franking.bad_context`) otherwise.
 */
export function openFranked(
  item: QueueItem,
  message: { groupId: Uint8Array; epoch: bigint; plaintext: Uint8Array; authenticatedData: Uint8Array },
  mlsSenderDeviceId: string,
): { body: Uint8Array; franking: FrankingRecordJson } {
  const stamp = item.franking;
  if (stamp === undefined || item.senderDeviceId === undefined) throw malformed('the server sent no franking stamp');
  if (BigInt(stamp.epoch) !== message.epoch) {
    throw new FulcrumError('franking.bad_context', 'the stamp names another epoch than the MLS message');
  }
  const { frankingKey, body } = decodeFrankedEnvelope(message.plaintext);
  const commitment = parseFrankingAad(message.authenticatedData);
  const context: FrankingContext = {
    conversationId: message.groupId,
    epoch: stamp.epoch,
    senderDeviceId: item.senderDeviceId,
    serverSeq: stamp.seq,
    serverTime: stamp.serverTime,
    keyId: stamp.keyId,
  };
  verifyReceivedMessage({ body, frankingKey, commitment, context, mlsSenderDeviceId });
  return { body, franking: record(frankingKey, commitment, stamp) };
}

/** The opening of one of our own messages, from the stamp the server answered the send with. */
export function ownFranking(
  groupId: string,
  content: string,
  frankingKey: string,
  stamp: FrankingStamp,
): FrankingRecordJson {
  const key = unb64(frankingKey);
  const commitment = commitMessage({ frankingKey: key, conversationId: unb64(groupId), body: unb64(content) });
  return record(key, commitment, stamp);
}

function record(frankingKey: Uint8Array, commitment: Uint8Array, stamp: FrankingStamp): FrankingRecordJson {
  return {
    v: 1,
    frankingKey: b64(frankingKey),
    commitment: b64(commitment),
    keyId: stamp.keyId,
    tag: stamp.tag,
    serverTime: stamp.serverTime,
    epoch: stamp.epoch,
    seq: stamp.seq,
  };
}

/** A stored opening as the public `FrankingOpening` (the body is the record's content bytes). */
export function frankingOpening(r: MessageRecordJson, f: FrankingRecordJson): FrankingOpening {
  return {
    frankingKey: unb64(f.frankingKey),
    commitment: unb64(f.commitment),
    context: {
      conversationId: unb64(r.groupId),
      epoch: f.epoch,
      senderDeviceId: r.senderDeviceId,
      serverSeq: f.seq,
      serverTime: f.serverTime,
      keyId: f.keyId,
    },
    tag: unb64(f.tag),
  };
}
