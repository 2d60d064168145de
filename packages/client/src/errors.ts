import { FulcrumError } from '@fulcrum/common';

/**
 * Stable error codes raised by @fulcrum/client. Callers branch on `code`, never on messages.
 * Server answers keep their own wire code (for example `group.stale_epoch`): the client re-throws
 * them as a FulcrumError whose `code` is the server's code and whose `detail.status` is the HTTP
 * status, so callers can branch on protocol.md's table directly.
 */
export type ClientErrorCode =
  /** The transport failed (connection refused, reset, timeout): check the server URL and retry later. */
  | 'client.network'
  /** The server's answer did not match the protocol (schema, size, encoding): the server is broken or hostile; report it. */
  | 'client.bad_response'
  /** An application message's plaintext is not a canonical v1 content encoding: it is dropped (an `error` event tells you). */
  | 'client.bad_content'
  /** A content field is out of range (text too long, name too long, bad media type): shorten or fix it before sending. */
  | 'client.content_too_large'
  /** This store holds no registered device: call `register` (or `linkDevice`) first. */
  | 'client.not_registered'
  /** This store already holds a registered device: use another store / data directory. */
  | 'client.already_registered'
  /** This device holds no state for the group (never joined, removed, or left): ask a member to add you. */
  | 'client.unknown_group'
  /** The operation needs the account identity key, which only the account's first device holds. Run it there. */
  | 'client.no_identity_key'
  /** A key-directory answer contradicts what this client pinned (identity key changed) or is not self-consistent: do not trust this account; report it. */
  | 'client.directory_mismatch'
  /** An account was not found, or has no usable device, so it cannot be added: check the name. */
  | 'client.unknown_account'
  /** A stored record could not be decoded: the store is corrupt; restore from a backup or register again. */
  | 'client.bad_store'
  /** The operation conflicts with the group state (e.g. removing an account that is not a member): refresh and reconsider. */
  | 'client.not_allowed'
  /** A retried operation still failed after the documented number of attempts (e.g. stale-epoch rebases): retry later. */
  | 'client.retries_exhausted'
  /** A downloaded attachment did not match its digests / tag: it was tampered with; do not show it. */
  | 'client.attachment_invalid'
  /** A device (or account) key the server served is not provably in its transparency log: do not trust this account; report it (the server may be hiding a device from the log). */
  | 'client.key_not_in_log'
  /** The transparency log records this device as revoked: it cannot be added; refresh the account. */
  | 'client.key_revoked'
  /** The server's transparency log key differs from the one pinned (or configured) earlier: the log was replaced; do not trust it; report it. */
  | 'client.log_key_changed'
  /**
   * A received message failed franking verification (`detail.reason`: the franking code) and was
   * dropped: it could not be reported, so it is not shown. The sender's client or the server misbehaved.
   */
  | 'client.franking_failed'
  /**
   * The forward limits refuse this forward (forward-policy.ts): the message was forwarded too many
   * times (`detail.maxTargets` 0), or to more conversations at once than its count allows
   * (`detail.maxTargets`). Forward to fewer conversations, or not at all.
   */
  | 'client.forward_limit'
  /** No such message in this conversation's history (or it carries no franking opening). */
  | 'client.unknown_message'
  /** The client was closed: create a new one. */
  | 'client.closed';

export type ClientError = FulcrumError<ClientErrorCode>;

/** Makes a ClientError (the one place this package constructs its own errors). */
export function clientError(
  code: ClientErrorCode,
  message: string,
  options?: { cause?: unknown; detail?: Record<string, unknown> },
): ClientError {
  return new FulcrumError<ClientErrorCode>(code, message, options);
}
