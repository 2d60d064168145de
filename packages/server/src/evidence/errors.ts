import { FulcrumError } from '@fulcrum/common';

/** Codes of the server's evidence part (operator commands on the store; no HTTP route raises them). */
export type ServerEvidenceErrorCode =
  /** No report with this id: check the id (`rpt_…`). */
  | 'evidence.report_not_found'
  /** The report's content was deleted by retention: nothing left to export (the non-content record remains). */
  | 'evidence.content_deleted'
  /** A hold needs a reason (1..2000 characters), an `until` in the future, and a creator. */
  | 'evidence.bad_hold';

export function serverEvidenceError(
  code: ServerEvidenceErrorCode,
  message: string,
  detail?: Record<string, unknown>,
): FulcrumError<ServerEvidenceErrorCode> {
  return new FulcrumError(code, message, detail === undefined ? undefined : { detail });
}
