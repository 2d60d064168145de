import { FulcrumError } from '@fulcrum/common';

/**
 * Stable error codes raised by @fulcrum/e2ee. Callers branch on these, never on messages.
 * Each comment says what the caller should do.
 */
export type E2eeErrorCode =
  /** Input bytes are not a well-formed encoding of the expected structure: drop them (hostile or corrupt). */
  | 'e2ee.malformed'
  /** Input exceeds a documented size limit: drop it; do not retry with the same bytes. */
  | 'e2ee.too_large'
  /** A field has a value this version does not support (version, cipher suite, wire format): upgrade or drop. */
  | 'e2ee.unsupported'
  /** An identifier (account id, device id) is malformed: it must be 1-64 chars of [A-Za-z0-9_-]. */
  | 'e2ee.bad_id'
  /** A signature (device certificate, request signature) did not verify: treat the object as forged. */
  | 'e2ee.bad_signature'
  /** A device certificate was signed by another account key, or for another account, than expected. */
  | 'e2ee.wrong_account'
  /**
   * An MLS credential was refused by Fulcrum's authentication check (not a valid certificate, certified
   * key differs from the leaf key, or the key directory does not list it). Refresh the directory; if it
   * persists, do not add the device / do not accept the commit or Welcome.
   */
  | 'e2ee.credential_rejected'
  /** A message belongs to an older epoch than the group state: the server already ordered a newer commit; process it first, then rebase. */
  | 'e2ee.stale_epoch'
  /** A message belongs to a newer epoch than the group state: process the missing commits in order first. */
  | 'e2ee.future_epoch'
  /** A message is for another group than the state it was given to: route it by its group id. */
  | 'e2ee.wrong_group'
  /** A handshake message (proposal / commit) arrived as a PrivateMessage; Fulcrum requires PublicMessage. Drop it. */
  | 'e2ee.wrong_wire_format'
  /** No key package held by this device matches the Welcome: the Welcome is not for this device (or the key package was already used). */
  | 'e2ee.no_matching_key_package'
  /** A named device/member is not in the group: refresh the member list. */
  | 'e2ee.unknown_member'
  /** The operation is not allowed in the group's current state (e.g. this device was removed). */
  | 'e2ee.not_allowed'
  /** MLS processing failed (bad signature, membership tag, confirmation tag, decryption): drop the message. */
  | 'e2ee.mls_rejected'
  /** An attachment's tag or digest did not verify: the blob or its key was tampered with; do not show it. */
  | 'e2ee.attachment_invalid'
  /** Stored state could not be decoded (wrong version or corrupt): restore from backup or re-join. */
  | 'e2ee.bad_state';

export type E2eeError = FulcrumError<E2eeErrorCode>;

/** Makes an E2eeError (the one place this package constructs its errors). */
export function e2eeError(
  code: E2eeErrorCode,
  message: string,
  options?: { cause?: unknown; detail?: Record<string, unknown> },
): E2eeError {
  return new FulcrumError<E2eeErrorCode>(code, message, options);
}
