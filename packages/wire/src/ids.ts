import { type Static, Type } from '@sinclair/typebox';
import { base64UrlBytes, base64UrlExact } from './base64url.js';
import { LIMITS } from './limits.js';

/** 16 bytes derived from the identity key (`deriveAccountId`), base64url (22 characters). */
export const AccountId = base64UrlExact(LIMITS.idBytes, 'account id');
export type AccountId = Static<typeof AccountId>;

/** 16 random bytes chosen when the device is certified, base64url (22 characters). */
export const DeviceId = base64UrlExact(LIMITS.idBytes, 'device id');
export type DeviceId = Static<typeof DeviceId>;

/** The MLS group id (1..255 bytes, chosen by the creating client), base64url. */
export const GroupId = base64UrlBytes(LIMITS.groupIdMinBytes, LIMITS.groupIdMaxBytes, 'MLS group id');
export type GroupId = Static<typeof GroupId>;

/** 16 bytes chosen by the client per send; a retry reuses it (idempotency). */
export const ClientMessageId = base64UrlExact(LIMITS.clientMessageIdBytes, 'client message id');
export type ClientMessageId = Static<typeof ClientMessageId>;

/** 16 random bytes chosen by the server, base64url. */
export const AttachmentId = base64UrlExact(LIMITS.idBytes, 'attachment id');
export type AttachmentId = Static<typeof AttachmentId>;

/** Ed25519 public key, base64url. */
export const PublicKey = base64UrlExact(LIMITS.identityKeyBytes, 'Ed25519 public key');
export type PublicKey = Static<typeof PublicKey>;

/** Ed25519 signature, base64url. */
export const Signature = base64UrlExact(LIMITS.signatureBytes, 'Ed25519 signature');
export type Signature = Static<typeof Signature>;

/** Account names: lower-case, 3..32 characters. */
export const AccountName = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{2,31}$', minLength: 3, maxLength: 32 });
export type AccountName = Static<typeof AccountName>;

/** A per-device queue sequence number (strictly increasing per device, starting at 1). */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export type Seq = Static<typeof Seq>;

/** An MLS epoch. */
export const Epoch = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export type Epoch = Static<typeof Epoch>;

/** Milliseconds since the Unix epoch. */
export const TimeMs = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export type TimeMs = Static<typeof TimeMs>;
