import { createHash } from 'node:crypto';
import { decodeBase64Url } from '@fulcrum/common';
import { AUTH_HEADERS, EMPTY_BODY_SHA256, LIMITS, OCTET_STREAM, requestSigningInput, wireError } from '@fulcrum/wire';
import type { FastifyRequest } from 'fastify';
import { findDeviceWithStanding, refuseSuspended, SANCTIONED_ALLOWED_ROUTES } from '../moderation/sanctions.js';
import type { AppContext, RequestAuth } from './context.js';
import type { SignatureVerifier } from './signature.js';

const B64URL_22 = /^[A-Za-z0-9_-]{22}$/;
const B64URL_43 = /^[A-Za-z0-9_-]{43}$/;
const B64URL_86 = /^[A-Za-z0-9_-]{86}$/;
const TIMESTAMP = /^(0|[1-9][0-9]{0,15})$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Authenticates a signed request (docs/protocol.md §Signed requests): headers present and well
 * formed, timestamp within ±300 s, device known and not revoked, and the Ed25519 signature of
 * the canonical string under the device's request key. The nonce is checked for replay where it
 * is recorded (in the route's write transaction or, for reads, right after this check).
 */
export async function authenticate(
  ctx: AppContext,
  verifier: SignatureVerifier,
  request: FastifyRequest,
): Promise<RequestAuth> {
  const deviceId = header(request, AUTH_HEADERS.device);
  const timestamp = header(request, AUTH_HEADERS.timestamp);
  const nonce = header(request, AUTH_HEADERS.nonce);
  const signature = header(request, AUTH_HEADERS.signature);
  if (
    deviceId === undefined ||
    timestamp === undefined ||
    nonce === undefined ||
    signature === undefined ||
    !B64URL_22.test(deviceId) ||
    !TIMESTAMP.test(timestamp) ||
    !B64URL_22.test(nonce) ||
    !B64URL_86.test(signature)
  ) {
    throw wireError('auth.missing', 'signed-request headers are missing or malformed');
  }
  const now = ctx.config.clock.now();
  if (Math.abs(now - Number(timestamp)) > LIMITS.timestampSkewMs) {
    throw wireError('auth.stale_timestamp', 'fulcrum-timestamp is too far from the server clock', { serverTime: now });
  }
  // The device and its account's moderation standing, in one query.
  const device = await findDeviceWithStanding(ctx.db.kysely, deviceId, now);
  if (device === undefined) throw wireError('auth.unknown_device', 'no such device');
  if (device.revoked) throw wireError('auth.device_revoked', 'this device was revoked');

  const streamed = request.routeOptions.config.spec?.body === OCTET_STREAM;
  const claimed = header(request, AUTH_HEADERS.contentSha256);
  let contentSha256: string;
  if (streamed) {
    // The body is not read yet: the signature covers the digest the client announces, and the
    // upload is refused later if the bytes do not match it.
    if (claimed === undefined || !B64URL_43.test(claimed)) {
      throw wireError('auth.missing', `${AUTH_HEADERS.contentSha256} is required on uploads`);
    }
    contentSha256 = claimed;
  } else {
    contentSha256 =
      request.rawBody === undefined || request.rawBody.length === 0
        ? EMPTY_BODY_SHA256
        : createHash('sha256').update(request.rawBody).digest('base64url');
    if (claimed !== undefined && claimed !== contentSha256) {
      throw wireError('auth.bad_signature', `${AUTH_HEADERS.contentSha256} does not match the body`);
    }
  }
  const input = requestSigningInput({
    method: request.method,
    pathAndQuery: request.raw.url ?? '',
    timestamp,
    nonce,
    bodySha256: contentSha256,
  });
  if (!verifier.verify(deviceId, device.requestKey, input, decodeBase64Url(signature))) {
    throw wireError('auth.bad_signature', 'the request signature does not verify');
  }
  // Moderation: a suspended or banned account is refused here, except on the few routes it keeps
  // (its queue, its notices, appeals). Checked after the signature, so a forged request learns
  // nothing about an account's standing.
  if (!SANCTIONED_ALLOWED_ROUTES.has(request.routeOptions.url ?? '')) refuseSuspended(device.sanctions);
  return {
    deviceId,
    accountId: device.accountId,
    nonce: { deviceId, nonce, expiresAt: now + LIMITS.nonceWindowMs },
    contentSha256,
  };
}
