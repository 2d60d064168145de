/**
 * Account identity keys and device keys (Ed25519, RFC 8032, via @noble/curves).
 *
 * An account has one long-term identity key; it certifies each of its devices (see
 * device-certificate.ts). A device has two separate Ed25519 keys: one is its MLS leaf signature key
 * (RFC 9420 §5.1.2), the other signs its API requests to the server. They are kept apart so that a
 * request signature can never be replayed as an MLS signature or vice versa, and so that one can be
 * rotated without the other.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { assertLength, type Random, systemRandom } from '@fulcrum/common';
import { Reader, Writer } from './binary.js';
import { e2eeError } from './errors.js';
import { type AccountId, type DeviceId, parseAccountId, parseDeviceId } from './ids.js';

/** An account's long-term identity key pair. `secretKey` is a 32-byte Ed25519 seed: keep it secret. */
export interface AccountIdentity {
  readonly accountId: AccountId;
  /** 32-byte Ed25519 public key, published in the server's key directory. */
  readonly publicKey: Uint8Array;
  /** 32-byte Ed25519 secret seed. */
  readonly secretKey: Uint8Array;
}

/** A device's key pairs: its MLS signature key and its (separate) request-signing key. */
export interface DeviceKeys {
  readonly deviceId: DeviceId;
  /** 32-byte Ed25519 public key used as the MLS leaf signature key. */
  readonly mlsSignaturePublicKey: Uint8Array;
  /** 32-byte Ed25519 secret seed for MLS signatures. */
  readonly mlsSignatureSecretKey: Uint8Array;
  /** 32-byte Ed25519 public key the server checks API request signatures against. */
  readonly requestSigningPublicKey: Uint8Array;
  /** 32-byte Ed25519 secret seed for API request signatures. */
  readonly requestSigningSecretKey: Uint8Array;
}

function keyPair(random: Random): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const secretKey = assertLength(random.bytes(32), 32, 'random seed');
  return { publicKey: ed25519.getPublicKey(secretKey), secretKey };
}

/** Makes a fresh account identity key pair. */
export function createAccountIdentity(accountId: AccountId, random: Random = systemRandom): AccountIdentity {
  parseAccountId(accountId);
  const { publicKey, secretKey } = keyPair(random);
  return Object.freeze({ accountId, publicKey, secretKey });
}

/** Makes fresh, independent MLS-signature and request-signing key pairs for a device. */
export function createDeviceKeys(deviceId: DeviceId, random: Random = systemRandom): DeviceKeys {
  parseDeviceId(deviceId);
  const mls = keyPair(random);
  const req = keyPair(random);
  return Object.freeze({
    deviceId,
    mlsSignaturePublicKey: mls.publicKey,
    mlsSignatureSecretKey: mls.secretKey,
    requestSigningPublicKey: req.publicKey,
    requestSigningSecretKey: req.secretKey,
  });
}

const ACCOUNT_IDENTITY_MAGIC = 0xa1;
const ACCOUNT_IDENTITY_VERSION = 1;

/** Encodes an account identity (including its secret key) for the owner's own storage. */
export function encodeAccountIdentity(identity: AccountIdentity): Uint8Array {
  return new Writer()
    .u8(ACCOUNT_IDENTITY_MAGIC)
    .u8(ACCOUNT_IDENTITY_VERSION)
    .opaque8(new TextEncoder().encode(identity.accountId))
    .bytes(assertLength(identity.secretKey, 32, 'account secret key'))
    .finish();
}

/** Decodes an account identity; recomputes the public key from the seed. Throws `e2ee.bad_state`. */
export function decodeAccountIdentity(bytes: Uint8Array): AccountIdentity {
  try {
    if (bytes.length > 128) throw e2eeError('e2ee.too_large', 'account identity blob too large');
    const r = new Reader(bytes);
    if (r.u8() !== ACCOUNT_IDENTITY_MAGIC || r.u8() !== ACCOUNT_IDENTITY_VERSION) {
      throw e2eeError('e2ee.unsupported', 'not an account identity blob of a supported version');
    }
    const accountId = parseAccountId(new TextDecoder('utf-8', { fatal: true }).decode(r.opaque8()));
    const secretKey = r.bytes(32);
    r.end();
    return Object.freeze({ accountId, publicKey: ed25519.getPublicKey(secretKey), secretKey });
  } catch (cause) {
    throw e2eeError('e2ee.bad_state', 'cannot decode account identity', { cause });
  }
}

/** Writes device keys (secret parts included) for the device's own storage. Internal encoding helper. */
export function writeDeviceKeys(w: Writer, keys: DeviceKeys): void {
  w.opaque8(new TextEncoder().encode(keys.deviceId))
    .bytes(assertLength(keys.mlsSignatureSecretKey, 32, 'MLS signature secret key'))
    .bytes(assertLength(keys.requestSigningSecretKey, 32, 'request-signing secret key'));
}

/** Reads device keys written by `writeDeviceKeys`. Internal decoding helper. */
export function readDeviceKeys(r: Reader): DeviceKeys {
  const deviceId = parseDeviceId(new TextDecoder('utf-8', { fatal: true }).decode(r.opaque8()));
  const mlsSignatureSecretKey = r.bytes(32);
  const requestSigningSecretKey = r.bytes(32);
  return Object.freeze({
    deviceId,
    mlsSignaturePublicKey: ed25519.getPublicKey(mlsSignatureSecretKey),
    mlsSignatureSecretKey,
    requestSigningPublicKey: ed25519.getPublicKey(requestSigningSecretKey),
    requestSigningSecretKey,
  });
}
