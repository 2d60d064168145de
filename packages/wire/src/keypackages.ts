import { type Static, Type } from '@sinclair/typebox';
import { base64UrlBytes } from './base64url.js';
import { AccountId, DeviceId } from './ids.js';
import { LIMITS } from './limits.js';

const strict = { additionalProperties: false } as const;

/** An encoded MLSMessage carrying a KeyPackage (RFC 9420 §10), base64url. */
export const KeyPackageData = base64UrlBytes(1, LIMITS.keyPackageMaxBytes, 'MLSMessage(KeyPackage)');

/** `POST /v1/keypackages`: at most one `lastResort: true` per upload; it replaces the previous one. */
export const UploadKeyPackagesRequest = Type.Object(
  {
    keyPackages: Type.Array(Type.Object({ data: KeyPackageData, lastResort: Type.Boolean() }, strict), {
      minItems: 1,
      maxItems: LIMITS.keyPackagesPerUpload,
    }),
  },
  strict,
);
export type UploadKeyPackagesRequest = Static<typeof UploadKeyPackagesRequest>;
/** `stored`: newly stored (a re-upload of a stored package is not counted); `available`: normal packages now held. */
export const UploadKeyPackagesResponse = Type.Object(
  { stored: Type.Integer({ minimum: 0 }), available: Type.Integer({ minimum: 0 }) },
  strict,
);
export type UploadKeyPackagesResponse = Static<typeof UploadKeyPackagesResponse>;

/**
 * `POST /v1/keypackages/claim`: one package per non-revoked device of the account, except the
 * calling device; `deviceIds` narrows it to those devices (each must belong to the account).
 */
export const ClaimKeyPackagesRequest = Type.Object(
  {
    accountId: AccountId,
    deviceIds: Type.Optional(Type.Array(DeviceId, { minItems: 1, maxItems: 100, uniqueItems: true })),
  },
  strict,
);
export type ClaimKeyPackagesRequest = Static<typeof ClaimKeyPackagesRequest>;
export const ClaimedKeyPackage = Type.Object(
  { deviceId: DeviceId, data: KeyPackageData, lastResort: Type.Boolean() },
  strict,
);
export type ClaimedKeyPackage = Static<typeof ClaimedKeyPackage>;
export const ClaimKeyPackagesResponse = Type.Object({ keyPackages: Type.Array(ClaimedKeyPackage) }, strict);
export type ClaimKeyPackagesResponse = Static<typeof ClaimKeyPackagesResponse>;

/** `GET /v1/keypackages/count`: the calling device's stock. */
export const KeyPackageCountResponse = Type.Object(
  { available: Type.Integer({ minimum: 0 }), lastResort: Type.Boolean() },
  strict,
);
export type KeyPackageCountResponse = Static<typeof KeyPackageCountResponse>;
