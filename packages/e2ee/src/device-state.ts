/**
 * DeviceState: a device's own keys, its certificate and the private halves of the KeyPackages it has
 * published — an immutable, opaque value. Persist it with `encodeDeviceState` in the same
 * transaction as any group state produced together with it (e.g. by `joinFromWelcome`).
 */
import { constantTimeEqual, wipe } from '@fulcrum/common';
import { Reader, Writer } from './binary.js';
import { type VerifiedDeviceCertificate, verifyDeviceCertificate } from './device-certificate.js';
import { e2eeError } from './errors.js';
import { type DeviceKeys, readDeviceKeys, writeDeviceKeys } from './identity.js';
import type { AccountId, DeviceId } from './ids.js';

/** @internal One published KeyPackage and its private keys. */
export interface StoredKeyPackage {
  /** RFC 9420 §5.2 KeyPackageRef. */
  readonly ref: Uint8Array;
  /** The TLS-encoded KeyPackage (not wrapped in an MLSMessage). */
  readonly keyPackage: Uint8Array;
  readonly initPrivateKey: Uint8Array;
  readonly hpkePrivateKey: Uint8Array;
  readonly lastResort: boolean;
}

interface DeviceInner {
  readonly keys: DeviceKeys;
  readonly certificate: VerifiedDeviceCertificate;
  readonly keyPackages: readonly StoredKeyPackage[];
}

let innerOf: (d: DeviceState) => DeviceInner;
let make: (inner: DeviceInner) => DeviceState;

export class DeviceState {
  readonly #inner: DeviceInner;

  private constructor(inner: DeviceInner) {
    this.#inner = inner;
    Object.freeze(this);
  }

  static {
    innerOf = (d) => d.#inner;
    make = (inner) => new DeviceState(inner);
  }

  get accountId(): AccountId {
    return this.#inner.certificate.accountId;
  }
  get deviceId(): DeviceId {
    return this.#inner.certificate.deviceId;
  }
  /** This device's certificate (the identity of its MLS credential). */
  get certificate(): VerifiedDeviceCertificate {
    return this.#inner.certificate;
  }
  /** 32-byte Ed25519 public key the server checks this device's API request signatures against. */
  get requestSigningPublicKey(): Uint8Array {
    return this.#inner.keys.requestSigningPublicKey.slice();
  }
  /** KeyPackageRefs of the KeyPackages whose private parts this device holds. */
  keyPackageRefs(): readonly { ref: Uint8Array; lastResort: boolean }[] {
    return this.#inner.keyPackages.map((k) => ({ ref: k.ref.slice(), lastResort: k.lastResort }));
  }
}

/**
 * Makes the state of a new device from its keys and the certificate its account signed for them.
 * Throws `e2ee.wrong_account` if the certificate does not certify exactly these keys.
 */
export function createDeviceState(keys: DeviceKeys, certificate: VerifiedDeviceCertificate): DeviceState {
  const cert = verifyDeviceCertificate(certificate.encoded, { deviceId: keys.deviceId });
  if (
    !constantTimeEqual(cert.mlsSignaturePublicKey, keys.mlsSignaturePublicKey) ||
    !constantTimeEqual(cert.requestSigningPublicKey, keys.requestSigningPublicKey)
  ) {
    throw e2eeError('e2ee.wrong_account', 'certificate does not certify these device keys');
  }
  return make(Object.freeze({ keys, certificate: cert, keyPackages: Object.freeze([]) }));
}

/** @internal */
export function unwrapDeviceState(d: DeviceState): DeviceInner {
  if (!(d instanceof DeviceState)) throw e2eeError('e2ee.bad_state', 'not a DeviceState');
  return innerOf(d);
}

/** @internal A new DeviceState with the given key packages. */
export function withKeyPackages(d: DeviceState, keyPackages: readonly StoredKeyPackage[]): DeviceState {
  const inner = unwrapDeviceState(d);
  return make(Object.freeze({ ...inner, keyPackages: Object.freeze([...keyPackages]) }));
}

/**
 * Drops the KeyPackages with these refs (e.g. the server reports them expired, or a new last-resort
 * package replaces the old one). Call `wipeConsumed()` once the returned state is saved: it zeroes
 * the dropped private keys.
 */
export function forgetKeyPackages(
  device: DeviceState,
  refs: readonly Uint8Array[],
): { device: DeviceState; wipeConsumed(): void } {
  const inner = unwrapDeviceState(device);
  const drop = (k: StoredKeyPackage) => refs.some((r) => constantTimeEqual(r, k.ref));
  const dropped = inner.keyPackages.filter(drop);
  return {
    device: withKeyPackages(
      device,
      inner.keyPackages.filter((k) => !drop(k)),
    ),
    wipeConsumed: () => {
      for (const k of dropped) wipe(k.initPrivateKey, k.hpkePrivateKey);
    },
  };
}

const DEVICE_STATE_MAGIC = 0x44; // 'D'
const DEVICE_STATE_VERSION = 1;
/** Upper bound on stored key packages (a device keeps about a hundred). */
export const MAX_STORED_KEY_PACKAGES = 10_000;
const MAX_KEY_PACKAGE_BYTES = 64 * 1024;

/** Encodes a device state for storage: it contains private keys, store it like one. */
export function encodeDeviceState(device: DeviceState): Uint8Array {
  const inner = unwrapDeviceState(device);
  const w = new Writer().u8(DEVICE_STATE_MAGIC).u8(DEVICE_STATE_VERSION);
  writeDeviceKeys(w, inner.keys);
  w.opaque32(inner.certificate.encoded);
  w.u32(inner.keyPackages.length);
  for (const k of inner.keyPackages) {
    w.opaque32(k.ref).opaque32(k.keyPackage).opaque32(k.initPrivateKey).opaque32(k.hpkePrivateKey);
    w.u8(k.lastResort ? 1 : 0);
  }
  return w.finish();
}

/** Decodes a stored device state. Throws `e2ee.bad_state`. */
export function decodeDeviceState(bytes: Uint8Array): DeviceState {
  try {
    const r = new Reader(bytes);
    if (r.u8() !== DEVICE_STATE_MAGIC || r.u8() !== DEVICE_STATE_VERSION) {
      throw e2eeError('e2ee.unsupported', 'not a device state blob of a supported version');
    }
    const keys = readDeviceKeys(r);
    const certificate = r.opaque32(1024);
    const count = r.u32();
    if (count > MAX_STORED_KEY_PACKAGES) throw e2eeError('e2ee.too_large', 'too many key packages');
    const keyPackages: StoredKeyPackage[] = [];
    for (let i = 0; i < count; i++) {
      const ref = r.opaque32(64);
      const keyPackage = r.opaque32(MAX_KEY_PACKAGE_BYTES);
      const initPrivateKey = r.opaque32(256);
      const hpkePrivateKey = r.opaque32(256);
      const flag = r.u8();
      if (flag > 1) throw e2eeError('e2ee.malformed', 'bad flag');
      keyPackages.push(Object.freeze({ ref, keyPackage, initPrivateKey, hpkePrivateKey, lastResort: flag === 1 }));
    }
    r.end();
    const state = createDeviceState(keys, verifyDeviceCertificate(certificate));
    return withKeyPackages(state, keyPackages);
  } catch (cause) {
    throw e2eeError('e2ee.bad_state', 'cannot decode device state', { cause });
  }
}
