import { FulcrumError } from '@fulcrum/common';

export type FrankingErrorCode =
  /** A key, commitment or tag had the wrong length: pass the 32-byte values as produced. */
  | 'franking.bad_length'
  /** The revealed body and franking key do not open the commitment: the report is forged or altered. */
  | 'franking.commitment_mismatch'
  /** The server tag does not bind this commitment to this context: forged, or from another message. */
  | 'franking.tag_mismatch'
  /** The tag names a server key id that the verifier does not know. */
  | 'franking.unknown_key'
  /** The server key that made the tag is past its report window: the report came too late. */
  | 'franking.key_expired'
  /** The context's sender is not the MLS sender of the message: drop and flag it. */
  | 'franking.sender_mismatch'
  /** A context field is out of range (negative or non-integer number, oversized id). */
  | 'franking.bad_context'
  /** Authenticated data or franked envelope not in the v1 format (docs/protocol.md §Franking). */
  | 'franking.malformed';

export type FrankingError = FulcrumError<FrankingErrorCode>;

export function frankingError(
  code: FrankingErrorCode,
  message: string,
  detail?: Record<string, unknown>,
): FrankingError {
  return new FulcrumError(code, message, detail === undefined ? undefined : { detail });
}
