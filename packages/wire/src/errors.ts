import { FulcrumError } from '@fulcrum/common';
import { type Static, Type } from '@sinclair/typebox';

/**
 * Every error code the HTTP and WebSocket API can answer with (docs/protocol.md §Errors).
 * Codes are stable; messages may change. Each comment tells the caller the remedy.
 */
export type WireErrorCode =
  /** The body is not JSON: send `content-type: application/json` with a valid JSON document. */
  | 'request.malformed_json'
  /** Body, path parameters or query fail the schema (`detail.path` names the field): fix the request. */
  | 'request.invalid'
  /** The body is over the endpoint's limit: send less (split KeyPackage uploads, shrink the message). */
  | 'request.too_large'
  /** Wrong `content-type` for this endpoint: JSON endpoints take `application/json`, uploads `application/octet-stream`. */
  | 'request.unsupported_media_type'
  /** No such route: check the method and path against docs/protocol.md. */
  | 'request.not_found'
  /** The signed-request headers are absent or malformed: sign the request (see `requestSigningInput`). */
  | 'auth.missing'
  /** The request signature does not verify under the device's request key: sign the exact bytes sent. */
  | 'auth.bad_signature'
  /** `fulcrum-timestamp` is more than 300 s from the server's clock: fix the device clock and re-sign. */
  | 'auth.stale_timestamp'
  /** This (device, nonce) was already used: re-sign with a fresh random nonce. */
  | 'auth.replayed'
  /** No device with this id is registered: register the device first. */
  | 'auth.unknown_device'
  /** The calling device was revoked: it can no longer act; register a new device. */
  | 'auth.device_revoked'
  /** Authenticated but not allowed (e.g. revoking another account's device): act only on your own account. */
  | 'auth.forbidden'
  /** The account name is taken: choose another name. */
  | 'account.name_taken'
  /** This identity key already has an account: an identity key registers once. */
  | 'account.exists'
  /** No such account: check the name or account id. */
  | 'account.not_found'
  /** No such device: check the device id. */
  | 'device.not_found'
  /** The device certificate (or revocation) is malformed or not signed by the account identity key. */
  | 'device.bad_certificate'
  /** A device with this id is already registered: create a new device id. */
  | 'device.exists'
  /** Not an MLS KeyPackage of ciphersuite 1 whose credential is the calling device's certificate. */
  | 'keypackage.invalid'
  /** A target device has no KeyPackage left (not even last-resort): ask its owner to upload more, retry later. */
  | 'keypackage.exhausted'
  /** The account is suspended by a moderation decision (`detail.until`, absent = indefinitely): read your notices, appeal. */
  | 'account.suspended'
  /** The account is banned by a moderation decision: read your notices, appeal. */
  | 'account.banned'
  /** The account is restricted (cannot create conversations or add members) by a moderation decision: appeal. */
  | 'account.restricted'
  /** The calling account holds no staff role: staff endpoints are for moderators, child-safety staff and admins. */
  | 'moderation.not_staff'
  /** The caller's roles do not allow this (child-safety cases need `child_safety`; staff grants and assignment need `admin`). */
  | 'moderation.role_required'
  /** No such case (report). */
  | 'moderation.case_not_found'
  /** No such decision (or it is not about the calling account). */
  | 'moderation.decision_not_found'
  /** No such appeal. */
  | 'moderation.appeal_not_found'
  /** Another staff member holds the case's lease (`detail.expiresAt`): pick another case or wait. */
  | 'moderation.claimed_by_other'
  /** Deciding needs the case's lease: claim the case first (or renew an expired claim). */
  | 'moderation.not_claimed'
  /** The case, decision or appeal is not in a state that allows this (already decided, not awaiting approval…). */
  | 'moderation.invalid_state'
  /** A four-eyes decision must be approved by someone other than its decider: ask a second staff member. */
  | 'moderation.self_approval'
  /** An appeal must be decided by someone who neither took nor approved the decision: hand it to another staff member. */
  | 'moderation.same_decider'
  /** Only the account a decision is about can appeal it, once, while it is in effect. */
  | 'moderation.not_appealable'
  /** `kinds` is only for (and required by) `escalate`; `durationMs` only for `restrict` and `suspend`. */
  | 'moderation.bad_decision'
  /** The caller is the reported account or the reporter of this case: another staff member must act. */
  | 'moderation.conflict_of_interest'
  /** A group with this id exists: pick a fresh random group id. */
  | 'group.exists'
  /** No such group. */
  | 'group.not_found'
  /** The calling device is not in the group's roster. */
  | 'group.not_member'
  /**
   * The message is for an old (or future) epoch; `detail.epoch` is the current one: fetch the queue,
   * process pending commits, rebuild the message and retry.
   */
  | 'group.stale_epoch'
  /**
   * `addedDevices`/`removedDevices` do not fit the roster (adding a member or a revoked device,
   * removing a non-member, or the same device in both lists): recompute them from the commit.
   */
  | 'group.roster_mismatch'
  /** Not a well-formed MLS message of the expected wire format, content type or group. */
  | 'mls.malformed'
  /**
   * An application message whose MLS authenticated_data is not `0x01 ‖ 32-byte commitment`
   * (docs/protocol.md §Franking): frank the message (fresh franking key, commitment) and resend.
   */
  | 'franking.bad_commitment'
  /** The upload is over the server's attachment limit (`detail.limit` bytes). */
  | 'attachment.too_large'
  /** The uploaded bytes do not hash to `fulcrum-content-sha256`: re-upload. */
  | 'attachment.digest_mismatch'
  /** No such attachment. */
  | 'attachment.not_found'
  /**
   * A report is well-formed JSON but not a valid report (no reported message, a message twice,
   * a context message after the last reported one, an opening field of the wrong length, an
   * attachment body that is not canonical content, `detail.index`): fix the client.
   */
  | 'report.invalid'
  /** An opening's context names another conversation than the report's (`detail.index`). */
  | 'report.conversation_mismatch'
  /**
   * An opening does not verify under the server's franking key: altered body, wrong franking
   * key, or a tag from another message, conversation or sender (`detail.index`). Counted.
   */
  | 'report.tag_mismatch'
  /** An opening names a franking key id the server does not know (`detail.index`). Counted. */
  | 'report.unknown_key'
  /** The report window for a message has passed (`detail.index`). Counted. */
  | 'report.expired'
  /** The reporter's account already reported this message (`detail.serverSeq`). Counted. */
  | 'report.replayed'
  /**
   * No device of the reporter's account was in the conversation when the message was sent, so
   * the reporter cannot have received it (`detail.index`). Counted.
   */
  | 'report.not_received'
  /**
   * A reported attachment does not match what its message committed to (blob SHA-256, key,
   * plaintext SHA-256 or size) (`detail.index`). Counted.
   */
  | 'report.attachment_mismatch'
  /** A reported attachment's blob is no longer stored, so it cannot be verified (`detail.index`). */
  | 'report.attachment_not_found'
  /** An account cannot block itself: name another account. */
  | 'block.self'
  /** The caller's account already blocks `detail.limit` accounts: unblock one first. */
  | 'block.too_many'
  /** Too many requests: wait for `retry-after` seconds. */
  | 'rate.limited'
  /** Storage is temporarily unreachable; nothing was changed: retry with the same clientMessageId. */
  | 'service.unavailable'
  /** A server bug. Never carries internal detail. */
  | 'internal';

/** The HTTP status of each code. */
export const ERROR_STATUS: Readonly<Record<WireErrorCode, number>> = {
  'request.malformed_json': 400,
  'request.invalid': 400,
  'request.too_large': 413,
  'request.unsupported_media_type': 415,
  'request.not_found': 404,
  'auth.missing': 401,
  'auth.bad_signature': 401,
  'auth.stale_timestamp': 401,
  'auth.replayed': 401,
  'auth.unknown_device': 401,
  'auth.device_revoked': 403,
  'auth.forbidden': 403,
  'account.name_taken': 409,
  'account.exists': 409,
  'account.not_found': 404,
  'device.not_found': 404,
  'device.bad_certificate': 400,
  'device.exists': 409,
  'keypackage.invalid': 400,
  'keypackage.exhausted': 409,
  'account.suspended': 403,
  'account.banned': 403,
  'account.restricted': 403,
  'moderation.not_staff': 403,
  'moderation.role_required': 403,
  'moderation.case_not_found': 404,
  'moderation.decision_not_found': 404,
  'moderation.appeal_not_found': 404,
  'moderation.claimed_by_other': 409,
  'moderation.not_claimed': 409,
  'moderation.invalid_state': 409,
  'moderation.self_approval': 403,
  'moderation.same_decider': 403,
  'moderation.not_appealable': 409,
  'moderation.bad_decision': 400,
  'moderation.conflict_of_interest': 403,
  'group.exists': 409,
  'group.not_found': 404,
  'group.not_member': 403,
  'group.stale_epoch': 409,
  'group.roster_mismatch': 400,
  'mls.malformed': 400,
  'franking.bad_commitment': 400,
  'attachment.too_large': 413,
  'attachment.digest_mismatch': 400,
  'attachment.not_found': 404,
  'report.invalid': 400,
  'report.conversation_mismatch': 400,
  'report.tag_mismatch': 400,
  'report.unknown_key': 400,
  'report.expired': 410,
  'report.replayed': 409,
  'report.not_received': 403,
  'report.attachment_mismatch': 400,
  'report.attachment_not_found': 404,
  'block.self': 400,
  'block.too_many': 409,
  'rate.limited': 429,
  'service.unavailable': 503,
  internal: 500,
};

export const WIRE_ERROR_CODES = Object.keys(ERROR_STATUS) as readonly WireErrorCode[];

/** Type guard: `code` is one of the API's error codes. */
export function isWireErrorCode(code: unknown): code is WireErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_STATUS, code);
}

/** The HTTP status for an error code. */
export function errorStatus(code: WireErrorCode): number {
  return ERROR_STATUS[code];
}

/** An error the API answers with; `detail` must hold only facts safe to show the caller. */
export type WireError = FulcrumError<WireErrorCode>;

/** Makes an API error (used by the server; the client uses it to rethrow an error body). */
export function wireError(code: WireErrorCode, message: string, detail?: Record<string, unknown>): WireError {
  return new FulcrumError<WireErrorCode>(code, message, detail === undefined ? undefined : { detail });
}

/** `{ "error": { "code", "message", "detail"? } }`: the body of every 4xx/5xx answer. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ maxLength: 64 }),
      message: Type.String({ maxLength: 1024 }),
      detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The body to send for an error (a 500 never carries detail). */
export function errorBody(err: WireError): ErrorBody {
  if (err.code === 'internal') return { error: { code: 'internal', message: 'internal error' } };
  return err.detail === undefined
    ? { error: { code: err.code, message: err.message } }
    : { error: { code: err.code, message: err.message, detail: { ...err.detail } } };
}
