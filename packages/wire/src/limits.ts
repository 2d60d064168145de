/**
 * Sizes and windows of the v1 protocol (docs/protocol.md). Byte sizes are of the decoded
 * value; the base64url text is `base64UrlLength(n)` characters.
 */
export const LIMITS = {
  /** Ed25519 public key (account identity key, device keys). */
  identityKeyBytes: 32,
  /** Ed25519 signature. */
  signatureBytes: 64,
  /** Account ids and device ids are 16 bytes. */
  idBytes: 16,
  /** `clientMessageId`, chosen by the client per send. */
  clientMessageIdBytes: 16,
  /** `fulcrum-nonce` of a signed request. */
  requestNonceBytes: 16,
  /** The WebSocket challenge nonce. */
  wsChallengeBytes: 32,
  /** MLS group ids chosen by clients (e2ee's `MAX_GROUP_ID_BYTES`; e2ee picks 32 random bytes). */
  groupIdMinBytes: 1,
  groupIdMaxBytes: 255,
  /** Encoded device certificate (format: e2ee README). */
  certificateMaxBytes: 4096,
  /** Encoded device revocation statement (format: e2ee README). */
  revocationMaxBytes: 1024,
  /** One encoded MLSMessage(KeyPackage). */
  keyPackageMaxBytes: 16 * 1024,
  /** KeyPackages per upload request. */
  keyPackagesPerUpload: 100,
  /** One application or proposal MLSMessage. */
  messageMaxBytes: 256 * 1024,
  /** One commit MLSMessage (a PublicMessage with its UpdatePath). */
  commitMaxBytes: 1024 * 1024,
  /** One Welcome MLSMessage (it may carry the ratchet tree of a large group). */
  welcomeMaxBytes: 4 * 1024 * 1024,
  /** Devices listed in `addedDevices` or `removedDevices` of one commit. */
  rosterChangeMax: 5000,
  /** Queue page size: default and maximum of `limit`. */
  queuePageDefault: 100,
  queuePageMax: 500,
  /** Default attachment limit (the server's is configurable). */
  attachmentDefaultMaxBytes: 25 * 1024 * 1024,
  /** A signed request's timestamp may differ from the server clock by at most this (ms). */
  timestampSkewMs: 300_000,
  /** The server remembers each (device, nonce) this long (ms); longer than twice the skew. */
  nonceWindowMs: 600_000,
  /** An unauthenticated WebSocket is closed after this (ms). */
  wsAuthTimeoutMs: 10_000,
  /** Longest string `id` of a WebSocket request frame (`send`). */
  wsRequestIdMaxChars: 64,
  /** Unanswered `send` frames one WebSocket may have; one more is refused with `rate.limited`. */
  wsMaxInFlightSends: 64,
} as const;

/** Length in characters of the unpadded base64url encoding of `bytes` bytes (RFC 4648 §5). */
export function base64UrlLength(bytes: number): number {
  return Math.floor(bytes / 3) * 4 + (bytes % 3 === 0 ? 0 : (bytes % 3) + 1);
}

/**
 * Body limits (bytes of JSON) per endpoint kind: the largest valid body plus room for the
 * JSON framing. A larger body is refused with `request.too_large` before it is parsed.
 */
export const BODY_LIMITS = {
  /** Small JSON requests (accounts, devices, claims, acks, group creation). */
  small: 64 * 1024,
  keyPackages: LIMITS.keyPackagesPerUpload * (base64UrlLength(LIMITS.keyPackageMaxBytes) + 64) + 1024,
  message: base64UrlLength(LIMITS.messageMaxBytes) + 1024,
  commit:
    base64UrlLength(LIMITS.commitMaxBytes) +
    base64UrlLength(LIMITS.welcomeMaxBytes) +
    2 * LIMITS.rosterChangeMax * (base64UrlLength(LIMITS.idBytes) + 3) +
    1024,
} as const;

/** WebSocket close codes the server uses (4000–4999 are application codes, RFC 6455 §7.4.2). */
export const WS_CLOSE = {
  /** A frame was not valid JSON or failed the schema. */
  badFrame: 4400,
  /** Authentication failed (bad signature, unknown device) or timed out. */
  unauthorized: 4401,
  /** The device was revoked while connected. */
  revoked: 4403,
  /** The server is shutting down: reconnect later. */
  goingAway: 1001,
} as const;
