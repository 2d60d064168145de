import { wireError } from '@fulcrum/wire';
import type { FastifyRequest } from 'fastify';
import type { RequestAuth } from './context.js';

/**
 * Decodes a base64url field that passed its schema; non-canonical text is `request.invalid` at
 * `path`. Node's native decoder is lenient (it skips characters outside the alphabet and ignores
 * non-zero padding bits), so the bytes are accepted only if they encode back to exactly `text`:
 * the same canonical rule as `decodeBase64Url` (RFC 4648 §3.5), at native speed — every send
 * decodes its whole message here.
 */
export function fieldBytes(text: string, path: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) {
    throw wireError('request.invalid', `${path} is not canonical base64url`, { path });
  }
  return new Uint8Array(bytes); // its own copy: a short Buffer is a view into a shared pool
}

/** The authenticated caller (set by the auth hook on every `auth: true` route). */
export function callerOf(request: FastifyRequest): RequestAuth {
  const auth = request.auth;
  if (auth === undefined) throw new Error('route declared auth but no caller was authenticated');
  return auth;
}
