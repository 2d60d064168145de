/**
 * `log_witnesses`: per configured witness (keyed by its verifier key, so renaming it in the
 * config keeps its state), the latest checkpoint it cosigned for this log and that cosignature,
 * plus the outcome of the last attempt (for `/log/witnesses` and the retry loop). Public data.
 */
export interface LogWitnessesTable {
  /** The witness's C2SP verifier key (`<name>+<keyid>+<base64>`). */
  vkey: string;
  /** The size of the latest checkpoint it cosigned for us (null: never). Only grows. */
  cosigned_size: number | null;
  cosigned_root: Uint8Array | null;
  /** Its verified signature line(s) on that checkpoint (`— <name> <base64>\n` …). */
  cosignature: string | null;
  /** When we stored that cosignature (ms). */
  cosigned_at: number | null;
  /** Short outcome code of the last failed attempt (`unreachable`, `http_503`, `bad_cosignature`, …); null after a success. */
  last_error: string | null;
  last_attempt_at: number | null;
}
