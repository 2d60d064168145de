/**
 * Test fixtures: accounts, devices, and an in-memory key directory (a real implementation of the
 * KeyDirectory port, as a client would build it from the server's device lists).
 */
import { constantTimeEqual, isFulcrumError } from '@fulcrum/common';
import {
  type AccountIdentity,
  createAccountIdentity,
  createDeviceKeys,
  createDeviceState,
  createMlsClient,
  type DeviceState,
  type KeyDirectory,
  type MlsClient,
  parseAccountId,
  parseDeviceId,
  signDeviceCertificate,
  type VerifiedDeviceCertificate,
} from '@fulcrum/e2ee';

export class InMemoryDirectory implements KeyDirectory {
  readonly accounts = new Map<string, { publicKey: Uint8Array; certs: Uint8Array[] }>();
  readonly calls: { accountId: string; deviceId: string; purpose: string }[] = [];

  addAccount(account: AccountIdentity): void {
    this.accounts.set(account.accountId, { publicKey: account.publicKey, certs: [] });
  }
  list(cert: VerifiedDeviceCertificate): void {
    this.accounts.get(cert.accountId)?.certs.push(cert.encoded);
  }
  unlist(cert: VerifiedDeviceCertificate): void {
    const a = this.accounts.get(cert.accountId);
    if (a) a.certs = a.certs.filter((c) => !constantTimeEqual(c, cert.encoded));
  }
  async isDeviceListed(cert: VerifiedDeviceCertificate, purpose: string): Promise<boolean> {
    this.calls.push({ accountId: cert.accountId, deviceId: cert.deviceId, purpose });
    const a = this.accounts.get(cert.accountId);
    if (a === undefined || !constantTimeEqual(a.publicKey, cert.accountPublicKey)) return false;
    return a.certs.some((c) => constantTimeEqual(c, cert.encoded));
  }
}

export interface TestDevice {
  account: AccountIdentity;
  certificate: VerifiedDeviceCertificate;
  state: DeviceState;
}

export function makeAccount(dir: InMemoryDirectory, id: string): AccountIdentity {
  const account = createAccountIdentity(parseAccountId(id));
  dir.addAccount(account);
  return account;
}

export function makeDevice(dir: InMemoryDirectory | undefined, account: AccountIdentity, id: string): TestDevice {
  const keys = createDeviceKeys(parseDeviceId(id));
  const certificate = signDeviceCertificate(account, keys);
  dir?.list(certificate);
  return { account, certificate, state: createDeviceState(keys, certificate) };
}

export async function client(dir: KeyDirectory): Promise<MlsClient> {
  return createMlsClient({ directory: dir });
}

/** The error code thrown by an async function, or undefined if it resolved. */
export async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (isFulcrumError(e)) return e.code;
    throw e;
  }
  return undefined;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
