import { type Static, Type } from '@sinclair/typebox';
import { base64UrlBytes } from './base64url.js';
import { AccountId, AccountName, DeviceId, PublicKey, TimeMs } from './ids.js';
import { LIMITS } from './limits.js';

const strict = { additionalProperties: false } as const;

/** An encoded device certificate (format: e2ee README), base64url. */
export const DeviceCertificate = base64UrlBytes(1, LIMITS.certificateMaxBytes, 'device certificate');
/** An encoded device revocation signed by the identity key (format: e2ee README), base64url. */
export const DeviceRevocation = base64UrlBytes(1, LIMITS.revocationMaxBytes, 'device revocation');

/** `POST /v1/accounts` (unauthenticated: the certificate is signed by `identityKey`). */
export const CreateAccountRequest = Type.Object(
  { name: AccountName, identityKey: PublicKey, deviceCertificate: DeviceCertificate },
  strict,
);
export type CreateAccountRequest = Static<typeof CreateAccountRequest>;
export const CreateAccountResponse = Type.Object({ accountId: AccountId, deviceId: DeviceId }, strict);
export type CreateAccountResponse = Static<typeof CreateAccountResponse>;

/** `POST /v1/devices`: a new device of the calling device's account. */
export const AddDeviceRequest = Type.Object({ deviceCertificate: DeviceCertificate }, strict);
export type AddDeviceRequest = Static<typeof AddDeviceRequest>;
export const AddDeviceResponse = Type.Object({ deviceId: DeviceId }, strict);
export type AddDeviceResponse = Static<typeof AddDeviceResponse>;

/** One device in the key directory. Revoked devices stay listed, with their revocation. */
export const DeviceRecord = Type.Object(
  {
    deviceId: DeviceId,
    certificate: DeviceCertificate,
    createdAt: TimeMs,
    revokedAt: Type.Optional(TimeMs),
    revocation: Type.Optional(DeviceRevocation),
  },
  strict,
);
export type DeviceRecord = Static<typeof DeviceRecord>;

/** `GET /v1/accounts/:accountId` and `GET /v1/accounts/by-name/:name`. */
export const AccountRecord = Type.Object(
  {
    accountId: AccountId,
    name: AccountName,
    identityKey: PublicKey,
    devices: Type.Array(DeviceRecord),
  },
  strict,
);
export type AccountRecord = Static<typeof AccountRecord>;

export const AccountIdParams = Type.Object({ accountId: AccountId }, strict);
export type AccountIdParams = Static<typeof AccountIdParams>;
export const AccountNameParams = Type.Object({ name: AccountName }, strict);
export type AccountNameParams = Static<typeof AccountNameParams>;
export const DeviceIdParams = Type.Object({ deviceId: DeviceId }, strict);
export type DeviceIdParams = Static<typeof DeviceIdParams>;

/** `POST /v1/devices/:deviceId/revoke`. */
export const RevokeDeviceRequest = Type.Object({ revocation: DeviceRevocation }, strict);
export type RevokeDeviceRequest = Static<typeof RevokeDeviceRequest>;
export const RevokeDeviceResponse = Type.Object({ deviceId: DeviceId, revokedAt: TimeMs }, strict);
export type RevokeDeviceResponse = Static<typeof RevokeDeviceResponse>;
