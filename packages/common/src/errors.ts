/**
 * The typed error base every Fulcrum package throws.
 *
 * Each package declares its own string union of stable codes and throws
 * `new FulcrumError<ItsCode>(code, message, { cause })`. Callers and tests
 * branch on `code`, never on `message` (messages may be reworded).
 * `toJSON()` never includes `cause` or the stack: what crosses a process
 * boundary is only the code and the human message.
 */
export class FulcrumError<Code extends string = string> extends Error {
  readonly code: Code;
  /** Optional structured detail that is safe to show the caller (never secrets). */
  readonly detail: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, options?: { cause?: unknown; detail?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FulcrumError';
    this.code = code;
    this.detail = options?.detail;
  }

  toJSON(): { code: Code; message: string; detail?: Readonly<Record<string, unknown>> } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Type guard: `err` is a FulcrumError, optionally with one of `codes`. */
export function isFulcrumError<Code extends string = string>(
  err: unknown,
  ...codes: Code[]
): err is FulcrumError<Code> {
  if (!(err instanceof FulcrumError)) return false;
  return codes.length === 0 || (codes as string[]).includes(err.code);
}

/** Codes raised by @fulcrum/common itself. */
export type CommonErrorCode =
  /** A byte string had the wrong length: pass exactly the documented number of bytes. */
  | 'common.bad_length'
  /** A hex / base64 / base64url string was malformed: re-encode it from the original bytes. */
  | 'common.bad_encoding'
  /** A value did not satisfy a branded type's invariant (for example a negative index). */
  | 'common.bad_value';

export type CommonError = FulcrumError<CommonErrorCode>;
