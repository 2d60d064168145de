/**
 * Devices for the MLS benchmark: accounts, device certificates, KeyPackages, and an in-memory key
 * directory listing them (the KeyDirectory port as a client would implement it from device lists).
 */
import { constantTimeEqual, encodeHex } from '@fulcrum/common';
import {
  type AccountIdentity,
  createAccountIdentity,
  createDeviceKeys,
  createDeviceState,
  type DeviceState,
  type KeyDirectory,
  type MlsClient,
  parseAccountId,
  parseDeviceId,
  signDeviceCertificate,
  type VerifiedDeviceCertificate,
} from '../../packages/e2ee/src/index.js';

export class BenchDirectory implements KeyDirectory {
  readonly #accounts = new Map<string, { publicKey: Uint8Array; certs: Set<string> }>();

  addAccount(account: AccountIdentity): void {
    this.#accounts.set(account.accountId, { publicKey: account.publicKey, certs: new Set() });
  }
  list(cert: VerifiedDeviceCertificate): void {
    this.#accounts.get(cert.accountId)?.certs.add(encodeHex(cert.encoded));
  }
  async isDeviceListed(cert: VerifiedDeviceCertificate): Promise<boolean> {
    const a = this.#accounts.get(cert.accountId);
    if (a === undefined || !constantTimeEqual(a.publicKey, cert.accountPublicKey)) return false;
    return a.certs.has(encodeHex(cert.encoded));
  }
}

export interface BenchDevice {
  readonly certificate: VerifiedDeviceCertificate;
  readonly state: DeviceState;
}

/** `count` devices, ten per account, each certified and listed in `dir`. */
export function makeDevices(dir: BenchDirectory, count: number, prefix: string): BenchDevice[] {
  const out: BenchDevice[] = [];
  let account: AccountIdentity | undefined;
  for (let i = 0; i < count; i++) {
    if (i % 10 === 0) {
      account = createAccountIdentity(parseAccountId(`${prefix}-a${i / 10}`));
      dir.addAccount(account);
    }
    const keys = createDeviceKeys(parseDeviceId(`d${i}`));
    const certificate = signDeviceCertificate(account as AccountIdentity, keys);
    dir.list(certificate);
    out.push({ certificate, state: createDeviceState(keys, certificate) });
  }
  return out;
}

/** One KeyPackage per device; returns the devices holding their private parts and the packages. */
export async function withKeyPackages(
  mls: MlsClient,
  devices: readonly BenchDevice[],
): Promise<{ devices: BenchDevice[]; keyPackages: Uint8Array[] }> {
  const outDevices: BenchDevice[] = [];
  const keyPackages: Uint8Array[] = [];
  for (const d of devices) {
    const r = await mls.createKeyPackages(d.state, { count: 1 });
    outDevices.push({ certificate: d.certificate, state: r.device });
    keyPackages.push((r.keyPackages[0] as { keyPackage: Uint8Array }).keyPackage);
  }
  return { devices: outDevices, keyPackages };
}
