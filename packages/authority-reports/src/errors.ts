import { FulcrumError } from '@fulcrum/common';

export type AuthorityReportErrorCode =
  /** A field the format requires is missing or empty: supply it (platform settings, decision or report). */
  | 'authority.missing_field'
  /** A field is present but outside what the format allows (length, enum, date, shape): fix the input. */
  | 'authority.bad_value'
  /** The report's category cannot be sent in this format (e.g. spam to the CyberTipline). */
  | 'authority.unsupported_category';

export type AuthorityReportError = FulcrumError<AuthorityReportErrorCode>;

export function authorityError(
  code: AuthorityReportErrorCode,
  message: string,
  detail?: Record<string, unknown>,
): AuthorityReportError {
  return new FulcrumError(code, message, detail === undefined ? undefined : { detail });
}

/** A required string: present and not only whitespace. `field` names the input path in the error. */
export function requireText(value: string | null | undefined, field: string): string {
  if (value === undefined || value === null || value.trim() === '') {
    throw authorityError('authority.missing_field', `${field} is required`, { field });
  }
  return value;
}

/** A string no longer than `max` characters (UTF-16 code units count as the formats' limits do). */
export function checkLength(value: string, max: number, field: string): string {
  if ([...value].length > max) {
    throw authorityError('authority.bad_value', `${field} is longer than ${max} characters`, { field, max });
  }
  return value;
}
