import { assertLength, concatBytes, u64be, utf8Decode, utf8Encode } from '@fulcrum/common';
import { ed25519 } from '@noble/curves/ed25519.js';
import { wireError } from './errors.js';
import { LIMITS } from './limits.js';

/**
 * Device revocation statements: "account A revokes its device D", signed by the account
 * identity key, uploaded with `POST /v1/devices/:deviceId/revoke` and served in the key
 * directory so any client can check the revocation came from the account owner.
 *
 * Canonical encoding (version 1):
 *
 *   u8  version = 1
 *   u8  len, accountId (ASCII [A-Za-z0-9_-], 1..64)
 *   u8  len, deviceId  (ASCII [A-Za-z0-9_-], 1..64)
 *   u64 revokedAt (ms since the Unix epoch, the signer's clock; big-endian)
 *   64  signature = Ed25519(identitySecretKey, "fulcrum/wire/device-revocation/v1\0" ‖ all bytes above)
 *
 * Verification is RFC 8032 strict (`zip215: false`), as for device certificates.
 */
export interface DeviceRevocation {
  readonly accountId: string;
  readonly deviceId: string;
  readonly revokedAt: number;
  readonly signature: Uint8Array;
}

const CONTEXT = utf8Encode('fulcrum/wire/device-revocation/v1\u0000');
const VERSION = 1;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function bad(message: string): never {
  throw wireError('device.bad_certificate', message);
}

function encodeTbs(r: Omit<DeviceRevocation, 'signature'>): Uint8Array {
  if (!ID.test(r.accountId) || !ID.test(r.deviceId)) bad('malformed id in revocation');
  if (!Number.isSafeInteger(r.revokedAt) || r.revokedAt < 0) bad('malformed revocation time');
  const account = utf8Encode(r.accountId);
  const device = utf8Encode(r.deviceId);
  return concatBytes(
    new Uint8Array([VERSION, account.length]),
    account,
    new Uint8Array([device.length]),
    device,
    u64be(r.revokedAt),
  );
}

/** Signs a revocation with the account identity key (32-byte Ed25519 seed); returns its encoding. */
export function signDeviceRevocation(
  identitySecretKey: Uint8Array,
  statement: { accountId: string; deviceId: string; revokedAt: number },
): Uint8Array {
  const tbs = encodeTbs(statement);
  const signature = ed25519.sign(concatBytes(CONTEXT, tbs), assertLength(identitySecretKey, 32, 'identity secret key'));
  return concatBytes(tbs, signature);
}

/** Strictly decodes a revocation WITHOUT checking its signature. Throws `device.bad_certificate`. */
export function decodeDeviceRevocation(bytes: Uint8Array): DeviceRevocation {
  if (!(bytes instanceof Uint8Array) || bytes.length > LIMITS.revocationMaxBytes) bad('revocation too large');
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) bad('truncated revocation');
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  if ((take(1)[0] as number) !== VERSION) bad('unsupported revocation version');
  const text = (b: Uint8Array): string => {
    try {
      return utf8Decode(b);
    } catch {
      return bad('malformed id in revocation');
    }
  };
  const accountId = text(take(take(1)[0] as number));
  const deviceId = text(take(take(1)[0] as number));
  const time = new DataView(take(8).slice().buffer).getBigUint64(0, false);
  if (time > BigInt(Number.MAX_SAFE_INTEGER)) bad('revocation time out of range');
  const signature = take(64).slice();
  if (at !== bytes.length) bad('trailing bytes after revocation');
  const revocation = { accountId, deviceId, revokedAt: Number(time), signature };
  encodeTbs(revocation); // checks the ids' alphabet: exactly one encoding per statement
  return Object.freeze(revocation);
}

/**
 * Decodes and verifies a revocation under the account's identity key, and that it names
 * `expected` ids where given. Returns it or throws `device.bad_certificate`.
 */
export function verifyDeviceRevocation(
  bytes: Uint8Array,
  identityKey: Uint8Array,
  expected: { accountId?: string; deviceId?: string } = {},
): DeviceRevocation {
  const r = decodeDeviceRevocation(bytes);
  if (expected.accountId !== undefined && expected.accountId !== r.accountId) bad('revocation is for another account');
  if (expected.deviceId !== undefined && expected.deviceId !== r.deviceId) bad('revocation is for another device');
  let ok = false;
  try {
    ok = ed25519.verify(
      r.signature,
      concatBytes(CONTEXT, encodeTbs(r)),
      assertLength(identityKey, 32, 'identity key'),
      {
        zip215: false,
      },
    );
  } catch {
    ok = false;
  }
  if (!ok) bad('revocation signature does not verify');
  return r;
}
