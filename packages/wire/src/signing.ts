import { encodeBase64Url, utf8Encode } from '@fulcrum/common';
import { sha256 } from '@noble/hashes/sha2.js';
import { wireError } from './errors.js';

/** The headers of a signed request (docs/protocol.md §Signed requests). Lower-case, as HTTP/2 needs. */
export const AUTH_HEADERS = {
  device: 'fulcrum-device',
  timestamp: 'fulcrum-timestamp',
  nonce: 'fulcrum-nonce',
  signature: 'fulcrum-signature',
  /**
   * base64url(SHA-256(body)). Required on streamed uploads (`POST /v1/attachments`), where the
   * server must check the signature before it reads the body; optional elsewhere (the server
   * computes the digest of a JSON body itself, and refuses a header that disagrees).
   */
  contentSha256: 'fulcrum-content-sha256',
} as const;

export const REQUEST_SIGNING_CONTEXT = 'fulcrum-request-v1';
export const WS_AUTH_CONTEXT = 'fulcrum-ws-auth-v1';

/** What a request signature covers. */
export interface RequestSigningParts {
  /** Upper-case HTTP method, e.g. `POST`. */
  method: string;
  /** The request target exactly as sent on the request line: path plus `?query` if any. */
  pathAndQuery: string;
  /** Milliseconds since the Unix epoch, as the decimal string sent in `fulcrum-timestamp`. */
  timestamp: string;
  /** The base64url nonce sent in `fulcrum-nonce`. */
  nonce: string;
  /** base64url(SHA-256(body)); use `bodySha256(body)` (an empty body for GET). */
  bodySha256: string;
}

const METHOD = /^[A-Z]{1,16}$/;
const TIMESTAMP = /^(0|[1-9][0-9]{0,15})$/;
// RFC 3986 request-target characters; no whitespace or control characters can smuggle a line.
const TARGET = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** base64url(SHA-256(body)): the body digest a signature covers. */
export function bodySha256(body: Uint8Array): string {
  return encodeBase64Url(sha256(body));
}

/** The digest of an empty body (GET requests). */
export const EMPTY_BODY_SHA256 = bodySha256(new Uint8Array(0));

/**
 * The canonical string a request signature covers (docs/protocol.md §Signed requests):
 * `"fulcrum-request-v1\n" METHOD "\n" PATH_AND_QUERY "\n" timestamp "\n" nonce "\n" bodySha256`.
 * Throws `request.invalid` if a part could smuggle a newline or is not in its canonical form,
 * so two different requests can never share a signing string.
 */
export function requestSigningString(parts: RequestSigningParts): string {
  const bad = (what: string): never => {
    throw wireError('request.invalid', `malformed ${what} in signed request`, { path: what });
  };
  if (!METHOD.test(parts.method)) bad('method');
  if (parts.pathAndQuery.length > 8192 || !TARGET.test(parts.pathAndQuery)) bad('pathAndQuery');
  if (!TIMESTAMP.test(parts.timestamp)) bad('timestamp');
  if (parts.nonce.length > 64 || !B64URL.test(parts.nonce)) bad('nonce');
  if (parts.bodySha256.length !== 43 || !B64URL.test(parts.bodySha256)) bad('bodySha256');
  return [
    REQUEST_SIGNING_CONTEXT,
    parts.method,
    parts.pathAndQuery,
    parts.timestamp,
    parts.nonce,
    parts.bodySha256,
  ].join('\n');
}

/** The UTF-8 bytes an Ed25519 request signature is made over. */
export function requestSigningInput(parts: RequestSigningParts): Uint8Array {
  return utf8Encode(requestSigningString(parts));
}

/** The bytes the WebSocket `auth` frame signs: `"fulcrum-ws-auth-v1\n" + nonce` (nonce as sent, base64url). */
export function wsAuthSigningInput(challengeNonce: string): Uint8Array {
  if (challengeNonce.length > 64 || !B64URL.test(challengeNonce)) {
    throw wireError('request.invalid', 'malformed challenge nonce', { path: 'nonce' });
  }
  return utf8Encode(`${WS_AUTH_CONTEXT}\n${challengeNonce}`);
}
