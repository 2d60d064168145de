import { assertLength, concatBytes, constantTimeEqual, randomBytes } from '@fulcrum/common';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { COMMITMENT_LENGTH } from './commitment.js';
import { encodeId, encodeUint, label, lengthPrefixed } from './encoding.js';
import { frankingError } from './errors.js';

export const SERVER_KEY_LENGTH = 32;
export const TAG_LENGTH = 32;

/**
 * What the server authenticates about a message when it relays it. It binds
 * the sender's commitment to these facts with its own tag, so it keeps no
 * per-message state and can still verify a report later.
 */
export interface FrankingContext {
  conversationId: Uint8Array;
  epoch: number | bigint;
  senderDeviceId: string;
  /** The server's sequence number for this message in the conversation. */
  serverSeq: number;
  /** Server time in ms since the epoch. */
  serverTime: number;
  /** Which server franking key made the tag. */
  keyId: string;
}

export interface ServerFrankingKey {
  keyId: string;
  key: Uint8Array;
  /** ms: tags are made with this key from here on. */
  createdAt: number;
  /** ms: no tag is made after this; reports stay verifiable until `retiredAt + reportWindowMs`. */
  retiredAt?: number;
}

const TAG_LABEL = label('fulcrum franking server tag v1');

function tagMessage(commitment: Uint8Array, ctx: FrankingContext): Uint8Array {
  return concatBytes(
    TAG_LABEL,
    lengthPrefixed(assertLength(commitment, COMMITMENT_LENGTH, 'commitment')),
    encodeId('conversationId', ctx.conversationId),
    encodeUint('epoch', ctx.epoch),
    encodeId('senderDeviceId', ctx.senderDeviceId),
    encodeUint('serverSeq', ctx.serverSeq),
    encodeUint('serverTime', ctx.serverTime),
    encodeId('keyId', ctx.keyId),
  );
}

/** A fresh server franking key. */
export function createServerFrankingKey(
  keyId: string,
  createdAt: number,
  random: (length: number) => Uint8Array = randomBytes,
): ServerFrankingKey {
  encodeId('keyId', keyId);
  return { keyId, key: assertLength(random(SERVER_KEY_LENGTH), SERVER_KEY_LENGTH, 'server key'), createdAt };
}

/** HMAC-SHA256(key, message): 32 bytes. */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array;

const nobleHmacSha256: HmacSha256 = (key, message) => hmac(sha256, key, message);

/**
 * The server's tag: HMAC-SHA256 under its key over (commitment, context). `ctx.keyId` must be
 * `key.keyId`. `mac` computes the HMAC (default: @noble/hashes); a server may pass a native one
 * (it tags every relayed message) — its output is checked to be 32 bytes.
 */
export function createServerTag(
  key: ServerFrankingKey,
  commitment: Uint8Array,
  ctx: FrankingContext,
  mac: HmacSha256 = nobleHmacSha256,
): Uint8Array {
  if (ctx.keyId !== key.keyId) throw frankingError('franking.bad_context', 'context keyId must name the signing key');
  const tag = mac(assertLength(key.key, SERVER_KEY_LENGTH, 'server key'), tagMessage(commitment, ctx));
  return assertLength(tag, TAG_LENGTH, 'server tag');
}

export interface TagVerificationPolicy {
  /** ms since epoch, from the verifier's Clock. */
  now: number;
  /** How long after a key retires its tags stay verifiable (ms). */
  reportWindowMs: number;
}

/**
 * Verifies a server tag against the keyring by the context's key id; returns
 * the context or throws `franking.unknown_key`, `franking.key_expired` or
 * `franking.tag_mismatch`.
 */
export function verifyServerTag(
  keyring: ReadonlyMap<string, ServerFrankingKey>,
  commitment: Uint8Array,
  ctx: FrankingContext,
  tag: Uint8Array,
  policy: TagVerificationPolicy,
): FrankingContext {
  if (tag.length !== TAG_LENGTH) throw frankingError('franking.bad_length', 'tag must be 32 bytes');
  const key = keyring.get(ctx.keyId);
  if (!key) throw frankingError('franking.unknown_key', 'unknown franking key id');
  const tooLate =
    (key.retiredAt !== undefined && policy.now > key.retiredAt + policy.reportWindowMs) ||
    policy.now > ctx.serverTime + policy.reportWindowMs;
  if (tooLate) throw frankingError('franking.key_expired', 'the report window for this message has passed');
  if (ctx.serverTime < key.createdAt || (key.retiredAt !== undefined && ctx.serverTime > key.retiredAt)) {
    throw frankingError('franking.tag_mismatch', 'the key was not active at the context time');
  }
  if (!constantTimeEqual(createServerTag(key, commitment, ctx), tag)) {
    throw frankingError('franking.tag_mismatch', 'the tag does not bind this commitment to this context');
  }
  return ctx;
}
