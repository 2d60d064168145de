import { decodeBase64Url, isFulcrumError } from '@fulcrum/common';
import { wireError } from '@fulcrum/wire';
import type { FastifyRequest } from 'fastify';
import type { RequestAuth } from './context.js';

/** Decodes a base64url field that passed its schema; non-canonical text is `request.invalid` at `path`. */
export function fieldBytes(text: string, path: string): Uint8Array {
  try {
    return decodeBase64Url(text);
  } catch (err) {
    if (isFulcrumError(err)) throw wireError('request.invalid', `${path} is not canonical base64url`, { path });
    throw err;
  }
}

/** The authenticated caller (set by the auth hook on every `auth: true` route). */
export function callerOf(request: FastifyRequest): RequestAuth {
  const auth = request.auth;
  if (auth === undefined) throw new Error('route declared auth but no caller was authenticated');
  return auth;
}
