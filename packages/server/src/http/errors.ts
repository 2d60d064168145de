import { isFulcrumError } from '@fulcrum/common';
import { isWireErrorCode, type WireError, wireError } from '@fulcrum/wire';

const FASTIFY_CODES: Record<string, () => WireError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => wireError('request.too_large', 'the body is over this endpoint’s limit'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => wireError('request.unsupported_media_type', 'unsupported content-type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => wireError('request.invalid', 'content-length does not match the body'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => wireError('request.malformed_json', 'the body is empty'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => wireError('request.malformed_json', 'the body is not JSON'),
};

// Connection-level failures of the database: the request changed nothing and may be retried.
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_BUSY',
]);

function propertyOf(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null && key in err ? (err as Record<string, unknown>)[key] : undefined;
}

/** Maps anything thrown while serving a request to the API error the caller sees. */
export function toWireError(err: unknown): WireError {
  if (isFulcrumError(err)) {
    if (isWireErrorCode(err.code)) return err as WireError;
    // A field passed its schema but not the strict decoder (e.g. non-canonical base64url).
    if (err.code.startsWith('common.')) return wireError('request.invalid', 'a field is not canonically encoded');
  }
  const code = propertyOf(err, 'code');
  if (typeof code === 'string') {
    const mapped = FASTIFY_CODES[code];
    if (mapped !== undefined) return mapped();
    if (code === 'FST_ERR_VALIDATION') return wireError('request.invalid', 'the request does not match its schema');
    if (UNAVAILABLE_CODES.has(code)) return wireError('service.unavailable', 'storage is unavailable; retry');
  }
  const message = propertyOf(err, 'message');
  if (
    typeof message === 'string' &&
    /^Connection terminated|connection timeout|Client has encountered a connection error/i.test(message)
  ) {
    return wireError('service.unavailable', 'storage is unavailable; retry');
  }
  const status = propertyOf(err, 'statusCode');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return status === 413
      ? wireError('request.too_large', 'the body is too large')
      : wireError('request.invalid', 'the request is not valid');
  }
  return wireError('internal', 'internal error');
}

/** What may be logged about an internal error: its type, code and stack frames — never request data. */
export function describeInternalError(err: unknown): Record<string, unknown> {
  const stack = propertyOf(err, 'stack');
  return {
    type: err instanceof Error ? err.constructor.name : typeof err,
    code: propertyOf(err, 'code'),
    stack: typeof stack === 'string' ? stack.split('\n').slice(1, 12).join('\n') : undefined,
  };
}
