import { FulcrumError } from '@fulcrum/common';

/** Codes of the server's authority part (CLI and delivery records; none is an HTTP answer). */
export type ServerAuthorityErrorCode =
  /** enqueueAuthorityReports was called for a report that does not exist: a caller bug. */
  | 'authority.report_not_found'
  /** A destination's kind, transport or target is not acceptable: see `fulcrum authority destination add --help`. */
  | 'authority.bad_destination'
  /** No destination with this id. */
  | 'authority.destination_not_found'
  /** No delivery with this id. */
  | 'authority.delivery_not_found'
  /** The destination's credentials reference names nothing set (e.g. an unset environment variable). */
  | 'authority.no_credentials'
  /** No effective moderation decision for the report to build the payload from. */
  | 'authority.no_decision'
  /** The reported file's content was deleted (retention) before it could be uploaded. */
  | 'authority.content_deleted'
  /** The receiving end refused the delivery for good (4xx, or a non-retryable CyberTipline code). */
  | 'authority.rejected'
  /** The receiving end failed or could not be reached; the delivery is retried with backoff. */
  | 'authority.unavailable'
  /** The receiving end answered something that is not the documented shape. */
  | 'authority.bad_response';

export type ServerAuthorityError = FulcrumError<ServerAuthorityErrorCode>;

export function serverAuthorityError(
  code: ServerAuthorityErrorCode,
  message: string,
  detail?: Record<string, unknown>,
): ServerAuthorityError {
  return new FulcrumError(code, message, detail === undefined ? undefined : { detail });
}

/** Whether a send error should be retried (network, 5xx, 429, NCMEC server-side codes). */
export function isRetryable(err: unknown): boolean {
  return err instanceof FulcrumError ? err.code === 'authority.unavailable' : true;
}
