import { randomBytes } from 'node:crypto';
import {
  type AccountIdentity,
  createAccountIdentity,
  createDeviceKeys,
  type DeviceKeys,
  type KeyDirectory,
  parseAccountId,
  parseDeviceId,
  signDeviceCertificate,
  type VerifiedDeviceCertificate,
} from '@fulcrum/e2ee';
import { type AccountRecord, type CreateAccountResponse, deriveAccountId, routes } from '@fulcrum/wire';
import { type RequestSigner, rawRequest } from './signed-request.js';

/** A registered (or ready to register) device with every key a test needs. */
export interface TestDevice extends RequestSigner {
  readonly accountId: string;
  readonly name: string;
  /** The account identity key pair (the same object for every device of an account). */
  readonly identity: AccountIdentity;
  readonly keys: DeviceKeys;
  readonly certificate: VerifiedDeviceCertificate;
}

/**
 * A fresh account identity whose id is `deriveAccountId(publicKey)`, as the server requires.
 * e2ee's `createAccountIdentity` takes the id first, so the seed is drawn here, the public key
 * learnt, the id derived, and the same seed handed back through the `Random` port.
 */
export function createTestAccountIdentity(): AccountIdentity {
  const seed = randomBytes(32);
  const once = () => ({ bytes: () => new Uint8Array(seed) });
  const probe = createAccountIdentity(parseAccountId('probe'), once());
  return createAccountIdentity(parseAccountId(deriveAccountId(probe.publicKey)), once());
}

/** A new device of `identity` (16 random bytes of device id, fresh keys, a signed certificate). */
export function createTestDevice(identity: AccountIdentity, name: string): TestDevice {
  const keys = createDeviceKeys(parseDeviceId(randomBytes(16).toString('base64url')));
  const certificate = signDeviceCertificate(identity, keys);
  return {
    accountId: identity.accountId,
    name,
    identity,
    keys,
    certificate,
    deviceId: keys.deviceId,
    requestSigningSecretKey: keys.requestSigningSecretKey,
  };
}

/** Registers a new account named `name` with its first device (`POST /v1/accounts`). */
export async function registerTestAccount(baseUrl: string, name: string): Promise<TestDevice> {
  const device = createTestDevice(createTestAccountIdentity(), name);
  const res = await rawRequest<CreateAccountResponse>(baseUrl, 'POST', routes.createAccount.path, {
    body: {
      name,
      identityKey: Buffer.from(device.identity.publicKey).toString('base64url'),
      deviceCertificate: Buffer.from(device.certificate.encoded).toString('base64url'),
    },
  });
  if (res.status !== 201) throw new Error(`registering ${name} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return device;
}

/** Adds another device to `existing`'s account, signed by `existing` (`POST /v1/devices`). */
export async function addTestDevice(baseUrl: string, existing: TestDevice): Promise<TestDevice> {
  const device = createTestDevice(existing.identity, existing.name);
  const res = await rawRequest(baseUrl, 'POST', routes.addDevice.path, {
    signer: existing,
    body: { deviceCertificate: Buffer.from(device.certificate.encoded).toString('base64url') },
  });
  if (res.status !== 201) throw new Error(`adding a device failed: ${res.status} ${JSON.stringify(res.body)}`);
  return device;
}

/**
 * A KeyDirectory (e2ee's credential-check port) backed by the server's key directory: a device
 * certificate is accepted only if the server lists that exact certificate, not revoked.
 */
export function serverKeyDirectory(baseUrl: string, signer: RequestSigner): KeyDirectory {
  return {
    async isDeviceListed(cert) {
      const res = await rawRequest<AccountRecord>(baseUrl, 'GET', `/v1/accounts/${cert.accountId}`, { signer });
      if (res.status !== 200) return false;
      const encoded = Buffer.from(cert.encoded).toString('base64url');
      return res.body.devices.some(
        (d) => d.deviceId === cert.deviceId && d.certificate === encoded && d.revokedAt === undefined,
      );
    },
  };
}
