/**
 * KeyPackages (RFC 9420 §10): generation with the device's certified MLS key, the Fulcrum leaf
 * capabilities, and the `last_resort` marker (draft-ietf-mls-extensions, extension type 0x000A).
 */
import { type Clock, constantTimeEqual } from '@fulcrum/common';
import {
  type Capabilities,
  type CiphersuiteImpl,
  type KeyPackage,
  decodeMlsMessage,
  encodeMlsMessage,
  generateKeyPackageWithKey,
} from 'ts-mls';
import { encodeKeyPackage, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { FULCRUM_CIPHERSUITE } from './crypto-provider.js';
import { decodeDeviceCertificate } from './device-certificate.js';
import type { StoredKeyPackage } from './device-state.js';
import { e2eeError } from './errors.js';
import { GROUP_NAME_EXTENSION_TYPE, LAST_RESORT_EXTENSION_TYPE } from './group-name.js';
import type { DeviceKeys } from './identity.js';
import type { VerifiedDeviceCertificate } from './device-certificate.js';
import { keyPackageRefOf } from './message-meta.js';
import type { KeyPackageInfo } from './mls-client.js';

/** KeyPackages are valid for 90 days from creation (RFC 9420 §10.1 recommends bounded lifetimes). */
export const KEY_PACKAGE_LIFETIME_SECONDS = 90n * 24n * 3600n;
/** Allow for clock skew between devices: a KeyPackage is valid from one hour before its creation. */
const CLOCK_SKEW_SECONDS = 3600n;
/** Upper bound for one uploaded KeyPackage MLSMessage. */
export const MAX_KEY_PACKAGE_MESSAGE_BYTES = 16 * 1024;

/** The capabilities of every Fulcrum leaf: suite 0x0001, basic credentials, Fulcrum's extensions. */
export function fulcrumCapabilities(): Capabilities {
  return {
    versions: ['mls10'],
    ciphersuites: [FULCRUM_CIPHERSUITE],
    extensions: [GROUP_NAME_EXTENSION_TYPE, LAST_RESORT_EXTENSION_TYPE],
    proposals: [],
    credentials: ['basic'],
  };
}

/** Generates one KeyPackage for the device; returns its stored form and its MLSMessage encoding. */
export async function generateFulcrumKeyPackage(
  keys: DeviceKeys,
  certificate: VerifiedDeviceCertificate,
  lastResort: boolean,
  clock: Clock,
  cs: CiphersuiteImpl,
): Promise<{ stored: StoredKeyPackage; message: Uint8Array; keyPackage: KeyPackage }> {
  const nowSeconds = BigInt(Math.floor(clock.now() / 1000));
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    { credentialType: 'basic', identity: certificate.encoded },
    fulcrumCapabilities(),
    { notBefore: nowSeconds - CLOCK_SKEW_SECONDS, notAfter: nowSeconds + KEY_PACKAGE_LIFETIME_SECONDS },
    lastResort ? [{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) }] : [],
    { signKey: keys.mlsSignatureSecretKey, publicKey: keys.mlsSignaturePublicKey },
    cs,
  );
  const tls = encodeKeyPackage(publicPackage);
  const stored: StoredKeyPackage = Object.freeze({
    ref: keyPackageRefOf(tls),
    keyPackage: tls,
    initPrivateKey: privatePackage.initPrivateKey,
    hpkePrivateKey: privatePackage.hpkePrivateKey,
    lastResort,
  });
  const message = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: publicPackage });
  return { stored, message, keyPackage: publicPackage };
}

/** Decodes an uploaded KeyPackage MLSMessage strictly (no trailing bytes, suite 0x0001). */
export function decodeKeyPackageMessage(bytes: Uint8Array): KeyPackage {
  if (!(bytes instanceof Uint8Array)) throw e2eeError('e2ee.malformed', 'key package must be bytes');
  if (bytes.length > MAX_KEY_PACKAGE_MESSAGE_BYTES) throw e2eeError('e2ee.too_large', 'key package too large');
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (cause) {
    throw e2eeError('e2ee.malformed', 'key package does not decode', { cause });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw e2eeError('e2ee.malformed', 'bad key package');
  const m = decoded[0];
  if (m.wireformat !== 'mls_key_package') throw e2eeError('e2ee.malformed', 'not a key package message');
  if (m.keyPackage.cipherSuite !== FULCRUM_CIPHERSUITE || m.keyPackage.version !== 'mls10') {
    throw e2eeError('e2ee.unsupported', 'unsupported key package cipher suite or version');
  }
  return m.keyPackage;
}

export function isLastResort(kp: KeyPackage): boolean {
  return kp.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION_TYPE);
}

/**
 * Checks a KeyPackage's own consistency: its signature (RFC 9420 §10.1), a basic credential holding a
 * strictly-decoding device certificate that certifies the leaf's signature key. Does NOT verify the
 * certificate's signature or ask a directory (the caller does, see `inspectKeyPackage`).
 */
export async function checkKeyPackage(
  bytes: Uint8Array,
  cs: CiphersuiteImpl,
): Promise<Omit<KeyPackageInfo, 'certificate'> & { certificateBytes: Uint8Array; keyPackage: KeyPackage }> {
  const kp = decodeKeyPackageMessage(bytes);
  if (!(await verifyKeyPackage(kp, cs.signature))) throw e2eeError('e2ee.bad_signature', 'key package signature');
  const leaf = kp.leafNode;
  if (leaf.credential.credentialType !== 'basic') {
    throw e2eeError('e2ee.credential_rejected', 'key package credential is not basic');
  }
  const cert = decodeDeviceCertificate(leaf.credential.identity);
  if (!constantTimeEqual(cert.mlsSignaturePublicKey, leaf.signaturePublicKey)) {
    throw e2eeError('e2ee.credential_rejected', 'certified MLS key differs from the leaf key');
  }
  if (leaf.leafNodeSource !== 'key_package') throw e2eeError('e2ee.malformed', 'leaf node source');
  return {
    ref: keyPackageRefOf(encodeKeyPackage(kp)),
    lastResort: isLastResort(kp),
    notBefore: leaf.lifetime.notBefore,
    notAfter: leaf.lifetime.notAfter,
    certificateBytes: leaf.credential.identity,
    keyPackage: kp,
  };
}
