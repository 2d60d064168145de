import { FulcrumError } from '@fulcrum/common';

export type EvidenceErrorCode =
  /** The bytes end before a part the bundle declares: the file was cut short; copy it again. */
  | 'evidence.truncated'
  /** The bundle, its manifest, a file or the file count is over a limit: refuse it (or raise the limit deliberately). */
  | 'evidence.too_large'
  /** Not a bundle: wrong magic, trailing bytes, or a manifest that is not canonical JSON of the v1 shape. */
  | 'evidence.malformed'
  /** The manifest names another signing key than the one given: check you hold the right platform key. */
  | 'evidence.wrong_key'
  /** The signature does not verify under the given key: the manifest (or the signature) was altered. */
  | 'evidence.manifest_tampered'
  /** A file's bytes do not match the size and SHA-256 the signed manifest states (or a file was added or removed). */
  | 'evidence.file_tampered'
  /** A franking opening in the bundle does not open its commitment: the bundle does not prove what it claims. */
  | 'evidence.opening_mismatch'
  /** A key was not 32 bytes, or a key text was not a Fulcrum evidence key: pass the key as printed by the platform. */
  | 'evidence.bad_key'
  /** `createEvidenceBundle` was given invalid input (file name, media type, duplicate name, metadata): fix the caller. */
  | 'evidence.bad_input';

export type EvidenceError = FulcrumError<EvidenceErrorCode>;

export function evidenceError(
  code: EvidenceErrorCode,
  message: string,
  detail?: Record<string, unknown>,
  cause?: unknown,
): EvidenceError {
  return new FulcrumError(code, message, {
    ...(detail === undefined ? {} : { detail }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Type guard for evidence errors, optionally with one of `codes`. */
export function isEvidenceError(err: unknown, ...codes: EvidenceErrorCode[]): err is EvidenceError {
  return (
    err instanceof FulcrumError &&
    typeof err.code === 'string' &&
    err.code.startsWith('evidence.') &&
    (codes.length === 0 || (codes as string[]).includes(err.code))
  );
}
