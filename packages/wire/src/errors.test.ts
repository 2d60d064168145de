import { FulcrumError } from '@fulcrum/common';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, errorBody, errorStatus, isWireErrorCode, WIRE_ERROR_CODES, wireError } from './errors.js';
import { createValidator } from './validate.js';
import { ErrorBody } from './errors.js';

describe('error codes', () => {
  it('map every code to a 4xx, or 500/503 for the server-side ones', () => {
    for (const code of WIRE_ERROR_CODES) {
      const status = errorStatus(code);
      if (code === 'internal') expect(status).toBe(500);
      else if (code === 'service.unavailable') expect(status).toBe(503);
      else expect(status >= 400 && status < 500, code).toBe(true);
    }
    expect(errorStatus('group.stale_epoch')).toBe(409);
    expect(errorStatus('auth.replayed')).toBe(401);
    expect(errorStatus('request.too_large')).toBe(413);
  });

  it('recognises only its own codes', () => {
    expect(isWireErrorCode('auth.missing')).toBe(true);
    expect(isWireErrorCode('toString')).toBe(false);
    expect(isWireErrorCode('common.bad_length')).toBe(false);
    expect(isWireErrorCode(42)).toBe(false);
    expect(Object.keys(ERROR_STATUS)).toHaveLength(WIRE_ERROR_CODES.length);
  });

  it('builds bodies that satisfy ErrorBody, and a 500 reveals nothing', () => {
    const check = createValidator(ErrorBody);
    const stale = errorBody(wireError('group.stale_epoch', 'stale', { epoch: 4 }));
    expect(stale).toEqual({ error: { code: 'group.stale_epoch', message: 'stale', detail: { epoch: 4 } } });
    expect(check(stale).ok).toBe(true);
    const internal = errorBody(new FulcrumError('internal', 'db exploded at /var/lib/x', { detail: { sql: 'x' } }));
    expect(internal).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(check(internal).ok).toBe(true);
  });
});
