import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { AUTH_HEADERS, requestSigningInput, wsAuthSigningInput } from '@fulcrum/wire';

// DER PKCS#8 prefix of an Ed25519 private key (RFC 8410 §7): the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** What signs a device's requests: its id and its request-signing Ed25519 seed. */
export interface RequestSigner {
  readonly deviceId: string;
  readonly requestSigningSecretKey: Uint8Array;
}

function ed25519Sign(seed: Uint8Array, message: Uint8Array): Buffer {
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return sign(null, message, key);
}

export interface SignOptions {
  method: string;
  /** Path and query exactly as sent, e.g. `/v1/queue?after=3`. */
  pathAndQuery: string;
  /** The exact body bytes (default: empty). */
  body?: Uint8Array;
  /** Override the timestamp (ms) — e.g. to test the skew window. Default: now. */
  timestamp?: number;
  /** Override the nonce (base64url) — e.g. to test replays. Default: 16 fresh random bytes. */
  nonce?: string;
  /** Put `fulcrum-content-sha256` in the headers (required for uploads). Default: only for uploads. */
  contentSha256Header?: boolean;
}

/** The four signed-request headers (plus `fulcrum-content-sha256` when asked) for one request. */
export function signRequestHeaders(signer: RequestSigner, options: SignOptions): Record<string, string> {
  const timestamp = String(options.timestamp ?? Date.now());
  const nonce = options.nonce ?? randomBytes(16).toString('base64url');
  const bodySha256 = createHash('sha256')
    .update(options.body ?? new Uint8Array(0))
    .digest('base64url');
  const input = requestSigningInput({
    method: options.method,
    pathAndQuery: options.pathAndQuery,
    timestamp,
    nonce,
    bodySha256,
  });
  const headers: Record<string, string> = {
    [AUTH_HEADERS.device]: signer.deviceId,
    [AUTH_HEADERS.timestamp]: timestamp,
    [AUTH_HEADERS.nonce]: nonce,
    [AUTH_HEADERS.signature]: ed25519Sign(signer.requestSigningSecretKey, input).toString('base64url'),
  };
  if (options.contentSha256Header === true) headers[AUTH_HEADERS.contentSha256] = bodySha256;
  return headers;
}

/** The `auth` frame signature for a WebSocket challenge nonce. */
export function signWsChallenge(signer: RequestSigner, challengeNonce: string): string {
  return ed25519Sign(signer.requestSigningSecretKey, wsAuthSigningInput(challengeNonce)).toString('base64url');
}

/** A raw HTTP answer: status, headers, and the body parsed as JSON when it is JSON. */
export interface RawResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON (or `undefined` for an empty / non-JSON body; see `bytes`). */
  body: T;
  bytes: Uint8Array;
}

export interface RawRequestOptions {
  /** A JSON value (serialised here), raw bytes, or nothing. */
  body?: unknown;
  /** Sent as the body verbatim instead of `body` (malformed-JSON tests). */
  rawBody?: Uint8Array | string;
  contentType?: string;
  /** Extra or replacing headers. */
  headers?: Record<string, string>;
  /** Sign as this device (omit for unauthenticated calls). */
  signer?: RequestSigner;
  /** Passed to `signRequestHeaders` (timestamp / nonce overrides). */
  sign?: Pick<SignOptions, 'timestamp' | 'nonce' | 'contentSha256Header'>;
}

/**
 * One HTTP request against a test server, signed when `signer` is given. JSON bodies are
 * serialised once and the exact bytes signed; answers are parsed when they are JSON.
 */
export async function rawRequest<T = unknown>(
  baseUrl: string,
  method: string,
  pathAndQuery: string,
  options: RawRequestOptions = {},
): Promise<RawResponse<T>> {
  let bytes: Uint8Array | undefined;
  let contentType = options.contentType;
  if (options.rawBody !== undefined) {
    bytes = typeof options.rawBody === 'string' ? new TextEncoder().encode(options.rawBody) : options.rawBody;
  } else if (options.body instanceof Uint8Array) {
    bytes = options.body;
    contentType ??= 'application/octet-stream';
  } else if (options.body !== undefined) {
    bytes = new TextEncoder().encode(JSON.stringify(options.body));
    contentType ??= 'application/json';
  }
  const headers: Record<string, string> = {};
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (options.signer !== undefined) {
    Object.assign(
      headers,
      signRequestHeaders(options.signer, {
        method,
        pathAndQuery,
        ...(bytes === undefined ? {} : { body: bytes }),
        contentSha256Header: contentType === 'application/octet-stream',
        ...options.sign,
      }),
    );
  }
  Object.assign(headers, options.headers);
  const response = await fetch(baseUrl + pathAndQuery, {
    method,
    headers,
    ...(bytes === undefined ? {} : { body: new Uint8Array(bytes) }),
  });
  const out = new Uint8Array(await response.arrayBuffer());
  let body: unknown;
  if ((response.headers.get('content-type') ?? '').startsWith('application/json') && out.length > 0) {
    body = JSON.parse(new TextDecoder().decode(out));
  }
  return { status: response.status, headers: response.headers, body: body as T, bytes: out };
}
