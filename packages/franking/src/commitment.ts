import { assertLength, concatBytes, constantTimeEqual, randomBytes } from '@fulcrum/common';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { encodeId, label, lengthPrefixed } from './encoding.js';
import { frankingError } from './errors.js';

export const FRANKING_KEY_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;

const COMMIT_LABEL = label('fulcrum franking commitment v1');

/** A fresh 32-byte franking key. Draw one per message and never reuse it. */
export function createFrankingKey(random: (length: number) => Uint8Array = randomBytes): Uint8Array {
  return assertLength(random(FRANKING_KEY_LENGTH), FRANKING_KEY_LENGTH, 'franking key');
}

export interface CommitInput {
  frankingKey: Uint8Array;
  /** The conversation (MLS group) id the message is sent in. */
  conversationId: Uint8Array;
  /** The canonical message body, exactly the bytes the recipient renders from. */
  body: Uint8Array;
}

function commitmentMessage(conversationId: Uint8Array, body: Uint8Array): Uint8Array {
  return concatBytes(COMMIT_LABEL, encodeId('conversationId', conversationId), lengthPrefixed(body));
}

/**
 * The sender's commitment: HMAC-SHA256 keyed by the franking key over a
 * domain-separated, length-prefixed encoding of (conversation id, body).
 * HMAC-SHA256 is a committing MAC: finding two (key, message) pairs with one
 * tag means finding a SHA-256 collision (Grubbs, Lu, Ristenpart, CRYPTO 2017).
 */
export function commitMessage(input: CommitInput): Uint8Array {
  assertLength(input.frankingKey, FRANKING_KEY_LENGTH, 'franking key');
  return hmac(sha256, input.frankingKey, commitmentMessage(input.conversationId, input.body));
}

/** Checks that (key, conversation, body) opens `commitment`; returns the body or throws. */
export function verifyCommitment(input: CommitInput & { commitment: Uint8Array }): Uint8Array {
  if (input.commitment.length !== COMMITMENT_LENGTH || input.frankingKey.length !== FRANKING_KEY_LENGTH) {
    throw frankingError('franking.bad_length', 'franking key and commitment must be 32 bytes');
  }
  if (!constantTimeEqual(commitMessage(input), input.commitment)) {
    throw frankingError('franking.commitment_mismatch', 'the body does not open the commitment');
  }
  return input.body;
}
