import { FulcrumError } from '@fulcrum/common';
import { errorBody, wireError } from '@fulcrum/wire';
import { describe, expect, it } from 'vitest';
import { describeInternalError, toWireError } from './errors.js';

describe('toWireError', () => {
  it('keeps API errors and maps foreign ones to a stable code', () => {
    expect(toWireError(wireError('group.stale_epoch', 'x', { epoch: 3 }))).toMatchObject({ code: 'group.stale_epoch' });
    expect(toWireError(new FulcrumError('common.bad_encoding', 'x')).code).toBe('request.invalid');
    expect(toWireError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }).code).toBe('request.too_large');
    expect(toWireError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }).code).toBe(
      'request.unsupported_media_type',
    );
    expect(toWireError({ code: 'FST_ERR_VALIDATION', statusCode: 400 }).code).toBe('request.invalid');
  });

  it('turns a lost database connection into a retryable 503', () => {
    expect(
      toWireError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })).code,
    ).toBe('service.unavailable');
    expect(toWireError(Object.assign(new Error('terminating connection'), { code: '57P01' })).code).toBe(
      'service.unavailable',
    );
    expect(toWireError(new Error('Connection terminated unexpectedly')).code).toBe('service.unavailable');
  });

  it('gives a 500 that reveals nothing, and logs only type, code and stack frames', () => {
    const secret = new Error('duplicate key (name)=(alice) at /var/lib/fulcrum/fulcrum.sqlite');
    const wire = toWireError(secret);
    expect(wire.code).toBe('internal');
    expect(errorBody(wire)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    const logged = JSON.stringify(describeInternalError(secret));
    expect(logged).not.toContain('alice');
    expect(logged).not.toContain('/var/lib/fulcrum');
    expect(logged).toContain('Error');
  });
});
