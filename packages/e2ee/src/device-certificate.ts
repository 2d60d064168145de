/**
 * Device certificates: the account identity key's Ed25519 signature over a device's keys.
 *
 * Canonical encoding (version 1), every field fixed-size or length-prefixed, no optional parts:
 *
 *   u8  version = 1
 *   u8  len, accountId (ASCII [A-Za-z0-9_-], 1..64)
 *   32  accountPublicKey       (Ed25519)
 *   u8  len, deviceId  (ASCII [A-Za-z0-9_-], 1..64)
 *   32  mlsSignaturePublicKey  (Ed25519, the device's MLS leaf signature key)
 *   32  requestSigningPublicKey (Ed25519, the device's API request key; must differ from the MLS key)
 *   u64 createdAt (milliseconds since the Unix epoch)
 *   64  signature = Ed25519(accountSecretKey, CERT_CONTEXT || all the bytes above)
 *
 * The signed message is prefixed with a domain-separation string so an account signature over a
 * certificate can never be confused with any other signature made by the same key. The encoding is
 * canonical (one byte string per value), so signatures are over exactly what is decoded.
 * Verification is RFC 8032 strict (`zip215: false`): non-canonical encodings are refused.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { verifyEd25519Strict } from './strict-ed25519.js';
import { assertLength, type Clock, concatBytes, constantTimeEqual, systemClock } from '@fulcrum/common';
import { Reader, Writer } from './binary.js';
import { e2eeError } from './errors.js';
import type { AccountIdentity } from './identity.js';
import { type AccountId, type DeviceId, parseAccountId, parseDeviceId } from './ids.js';

/** Domain-separation prefix of the signed message. */
const CERT_CONTEXT = new TextEncoder().encode('fulcrum/e2ee/device-certificate/v1\u0000');
const CERT_VERSION = 1;
/** Largest valid encoding is 1+1+64+32+1+64+32+32+8+64 = 299 bytes. */
export const MAX_DEVICE_CERTIFICATE_BYTES = 299;

/** The certified statement: "device `deviceId` of account `accountId` holds these keys". */
export interface DeviceCertificate {
  readonly version: 1;
  readonly accountId: AccountId;
  /** The account identity key (32 bytes) that signed this certificate. */
  readonly accountPublicKey: Uint8Array;
  readonly deviceId: DeviceId;
  readonly mlsSignaturePublicKey: Uint8Array;
  readonly requestSigningPublicKey: Uint8Array;
  /** Milliseconds since the Unix epoch, from the signer's Clock. */
  readonly createdAt: number;
  /** 64-byte Ed25519 signature by `accountPublicKey`. */
  readonly signature: Uint8Array;
}

/** A certificate whose signature has been checked; `encoded` is its canonical encoding. */
export interface VerifiedDeviceCertificate extends DeviceCertificate {
  readonly verified: true;
  readonly encoded: Uint8Array;
}

/** The public parts of a device that the account key certifies. */
export interface DevicePublicKeys {
  readonly deviceId: DeviceId;
  readonly mlsSignaturePublicKey: Uint8Array;
  readonly requestSigningPublicKey: Uint8Array;
}

function encodeTbs(c: Omit<DeviceCertificate, 'signature'>): Uint8Array {
  const enc = new TextEncoder();
  return new Writer()
    .u8(CERT_VERSION)
    .opaque8(enc.encode(parseAccountId(c.accountId)))
    .bytes(assertLength(c.accountPublicKey, 32, 'account public key'))
    .opaque8(enc.encode(parseDeviceId(c.deviceId)))
    .bytes(assertLength(c.mlsSignaturePublicKey, 32, 'MLS signature public key'))
    .bytes(assertLength(c.requestSigningPublicKey, 32, 'request-signing public key'))
    .u64(BigInt(checkCreatedAt(c.createdAt)))
    .finish();
}

function checkCreatedAt(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw e2eeError('e2ee.malformed', 'createdAt must be a non-negative integer');
  return ms;
}

function checkKeysDistinct(c: Omit<DeviceCertificate, 'signature' | 'version'>): void {
  // Key separation: the request key must not be the MLS key, and neither may be the account key.
  if (
    constantTimeEqual(c.mlsSignaturePublicKey, c.requestSigningPublicKey) ||
    constantTimeEqual(c.mlsSignaturePublicKey, c.accountPublicKey) ||
    constantTimeEqual(c.requestSigningPublicKey, c.accountPublicKey)
  ) {
    throw e2eeError('e2ee.malformed', 'device certificate keys must be distinct');
  }
}

/** The account signs a certificate for one of its devices. `createdAt` comes from `clock`. */
export function signDeviceCertificate(
  account: AccountIdentity,
  device: DevicePublicKeys,
  clock: Clock = systemClock,
): VerifiedDeviceCertificate {
  const body = {
    version: CERT_VERSION as 1,
    accountId: account.accountId,
    accountPublicKey: account.publicKey,
    deviceId: device.deviceId,
    mlsSignaturePublicKey: device.mlsSignaturePublicKey,
    requestSigningPublicKey: device.requestSigningPublicKey,
    createdAt: Math.floor(clock.now()),
  };
  checkKeysDistinct(body);
  const tbs = encodeTbs(body);
  const signature = ed25519.sign(concatBytes(CERT_CONTEXT, tbs), assertLength(account.secretKey, 32, 'account secret'));
  const encoded = concatBytes(tbs, signature);
  return Object.freeze({ ...body, signature, verified: true as const, encoded });
}

/** Canonical encoding of a certificate (signature included). */
export function encodeDeviceCertificate(cert: DeviceCertificate): Uint8Array {
  return concatBytes(encodeTbs(cert), assertLength(cert.signature, 64, 'signature'));
}

/**
 * Strictly decodes a certificate WITHOUT checking its signature (use `verifyDeviceCertificate`).
 * Throws `e2ee.too_large`, `e2ee.unsupported`, `e2ee.malformed` or `e2ee.bad_id`.
 */
export function decodeDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
  if (!(bytes instanceof Uint8Array)) throw e2eeError('e2ee.malformed', 'certificate must be bytes');
  if (bytes.length > MAX_DEVICE_CERTIFICATE_BYTES) throw e2eeError('e2ee.too_large', 'device certificate too large');
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== CERT_VERSION) throw e2eeError('e2ee.unsupported', 'unsupported device certificate version');
  const dec = new TextDecoder('utf-8', { fatal: true });
  let accountId: AccountId;
  let deviceId: DeviceId;
  const accountIdBytes = r.opaque8();
  const accountPublicKey = r.bytes(32);
  const deviceIdBytes = r.opaque8();
  try {
    accountId = parseAccountId(dec.decode(accountIdBytes));
    deviceId = parseDeviceId(dec.decode(deviceIdBytes));
  } catch (cause) {
    throw e2eeError('e2ee.bad_id', 'malformed id in device certificate', { cause });
  }
  const mlsSignaturePublicKey = r.bytes(32);
  const requestSigningPublicKey = r.bytes(32);
  const createdAtBig = r.u64();
  if (createdAtBig > BigInt(Number.MAX_SAFE_INTEGER)) throw e2eeError('e2ee.malformed', 'createdAt out of range');
  const signature = r.bytes(64);
  r.end();
  const cert = {
    version: CERT_VERSION as 1,
    accountId,
    accountPublicKey,
    deviceId,
    mlsSignaturePublicKey,
    requestSigningPublicKey,
    createdAt: Number(createdAtBig),
    signature,
  };
  checkKeysDistinct(cert);
  return Object.freeze(cert);
}

/** What the verifier expects; every given field must match. */
export interface DeviceCertificateExpectation {
  readonly accountId?: AccountId;
  /** The account identity key the caller trusts (from the key directory). Strongly recommended. */
  readonly accountPublicKey?: Uint8Array;
  readonly deviceId?: DeviceId;
}

/**
 * Decodes and verifies a device certificate: the signature must verify under the certificate's
 * account key, and that key / ids must match `expected` where given.
 * Returns the verified certificate or throws `e2ee.bad_signature`, `e2ee.wrong_account`, or a decode error.
 */
export function verifyDeviceCertificate(
  certificate: Uint8Array | DeviceCertificate,
  expected: DeviceCertificateExpectation = {},
): VerifiedDeviceCertificate {
  const { cert, tbs } = prepareCheck(certificate, expected);
  let ok = false;
  try {
    ok = ed25519.verify(cert.signature, concatBytes(CERT_CONTEXT, tbs), cert.accountPublicKey, { zip215: false });
  } catch {
    ok = false;
  }
  return verified(cert, tbs, ok);
}

/**
 * @internal `verifyDeviceCertificate` with the same result, faster: the signature is checked by
 * `verifyEd25519Strict` (WebCrypto where that provably gives noble's strict answer, else noble).
 * Used by the credential check, which verifies one certificate per leaf.
 */
export async function verifyDeviceCertificateAsync(
  certificate: Uint8Array | DeviceCertificate,
  expected: DeviceCertificateExpectation = {},
): Promise<VerifiedDeviceCertificate> {
  const { cert, tbs } = prepareCheck(certificate, expected);
  const ok = await verifyEd25519Strict(cert.signature, concatBytes(CERT_CONTEXT, tbs), cert.accountPublicKey);
  return verified(cert, tbs, ok);
}

function prepareCheck(
  certificate: Uint8Array | DeviceCertificate,
  expected: DeviceCertificateExpectation,
): { cert: DeviceCertificate; tbs: Uint8Array } {
  const cert = certificate instanceof Uint8Array ? decodeDeviceCertificate(certificate) : certificate;
  const tbs = encodeTbs(cert);
  if (expected.accountPublicKey !== undefined && !constantTimeEqual(expected.accountPublicKey, cert.accountPublicKey)) {
    throw e2eeError('e2ee.wrong_account', 'certificate is signed by another account key');
  }
  if (expected.accountId !== undefined && expected.accountId !== cert.accountId) {
    throw e2eeError('e2ee.wrong_account', 'certificate is for another account');
  }
  if (expected.deviceId !== undefined && expected.deviceId !== cert.deviceId) {
    throw e2eeError('e2ee.wrong_account', 'certificate is for another device');
  }
  return { cert, tbs };
}

function verified(cert: DeviceCertificate, tbs: Uint8Array, ok: boolean): VerifiedDeviceCertificate {
  if (!ok) throw e2eeError('e2ee.bad_signature', 'device certificate signature does not verify');
  return Object.freeze({ ...cert, verified: true as const, encoded: concatBytes(tbs, cert.signature) });
}
