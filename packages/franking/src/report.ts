import { commitMessage, verifyCommitment } from './commitment.js';
import { frankingError } from './errors.js';
import {
  type FrankingContext,
  type ServerFrankingKey,
  type TagVerificationPolicy,
  verifyServerTag,
} from './server-tag.js';

/** What a reporting recipient reveals about one message. */
export interface ReportOpening {
  body: Uint8Array;
  frankingKey: Uint8Array;
  context: FrankingContext;
  tag: Uint8Array;
}

export interface VerifiedReportedMessage {
  body: Uint8Array;
  context: FrankingContext;
  commitment: Uint8Array;
}

/**
 * Server-side report verification: recomputes the commitment from what the
 * reporter revealed and checks the server's own tag over it and the context.
 * The server never needed to read the conversation to do this.
 */
export function verifyReportOpening(
  keyring: ReadonlyMap<string, ServerFrankingKey>,
  opening: ReportOpening,
  policy: TagVerificationPolicy,
): VerifiedReportedMessage {
  const commitment = commitMessage({
    frankingKey: opening.frankingKey,
    conversationId: opening.context.conversationId,
    body: opening.body,
  });
  verifyServerTag(keyring, commitment, opening.context, opening.tag, policy);
  return { body: opening.body, context: opening.context, commitment };
}

/**
 * Recipient-side check on delivery, before showing a message: the revealed
 * franking key and body open the commitment carried in the MLS authenticated
 * data, and the server's context names the MLS sender. A message that fails is
 * dropped and flagged, because it could not be reported later.
 */
export function verifyReceivedMessage(input: {
  body: Uint8Array;
  frankingKey: Uint8Array;
  commitment: Uint8Array;
  context: FrankingContext;
  mlsSenderDeviceId: string;
}): Uint8Array {
  verifyCommitment({
    frankingKey: input.frankingKey,
    conversationId: input.context.conversationId,
    body: input.body,
    commitment: input.commitment,
  });
  if (input.context.senderDeviceId !== input.mlsSenderDeviceId) {
    throw frankingError('franking.sender_mismatch', 'the server context names another sender');
  }
  return input.body;
}
